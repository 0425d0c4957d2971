public import VariantCore

/// A problem `varde check` found, with its severity. Errors make a file unloadable; warnings do not.
public struct CheckProblem: Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning }
    public var severity: Severity
    public var error: VCFError
}

/// What `varde check` learns about one file: shape, content counts and every problem found.
public struct CheckReport: Sendable {
    public var path: String
    public var format: String
    public var samples: [String]
    public var tumourSample: String?
    public var normalSample: String?
    public var contigsDeclared: Int
    public var contigsWithRecords: [String] = []
    public var assembly: AssemblyGuess
    public var annotationSources: [String]
    public var counts = CheckCounts()
    /// With a reference: records that normalisation changes (split, trimmed or left-aligned).
    public var normalizationChanged: Int?
    public var refMismatches: Int?
    public var problems: [CheckProblem] = []
    /// Problems by code, including those beyond the listing limit.
    public var problemCounts: [String: Int] = [:]
    public var readInParallel = false
    /// Could the file be opened and its header read at all?
    public var opened = true

    /// Can this file be loaded as it is?
    public var loadable: Bool { !problems.contains { $0.severity == .error } }
}

/// Per-file counters; additive, so parallel chunks merge by summing.
public struct CheckCounts: Sendable, Equatable {
    public var records = 0
    public var multiallelic = 0
    public var snv = 0
    public var mnv = 0
    public var indel = 0
    public var symbolic = 0
    public var breakend = 0
    public var overlappingDeletion = 0
    public var referenceBlocks = 0
    public var somaticFlagged = 0
    public var filtered = 0
    public var genotypeCalls = 0
    public var missingCalls = 0
    public var halfCalls = 0
    public var phasedCalls = 0
    /// Calls by ploidy (1 = haploid, 2 = diploid, …).
    public var ploidy: [Int: Int] = [:]

    mutating func merge(_ o: CheckCounts) {
        records += o.records; multiallelic += o.multiallelic; snv += o.snv; mnv += o.mnv; indel += o.indel
        symbolic += o.symbolic; breakend += o.breakend; overlappingDeletion += o.overlappingDeletion
        referenceBlocks += o.referenceBlocks; somaticFlagged += o.somaticFlagged; filtered += o.filtered
        genotypeCalls += o.genotypeCalls; missingCalls += o.missingCalls; halfCalls += o.halfCalls
        phasedCalls += o.phasedCalls
        for (k, v) in o.ploidy { ploidy[k, default: 0] += v }
    }
}

/// The pre-flight validator behind `varde check`.
public struct FileCheck: Sendable {
    public var reference: String?
    public var refCheck: RefCheckPolicy
    public var threads: Int
    /// How many problems of one kind are listed; the rest are counted.
    public var listLimit: Int
    public var progress: ProgressMeter?

    public init(reference: String? = nil, refCheck: RefCheckPolicy = .error, threads: Int = 1, listLimit: Int = 10,
                progress: ProgressMeter? = nil) {
        self.reference = reference
        self.refCheck = refCheck
        self.threads = threads
        self.listLimit = listLimit
        self.progress = progress
    }

    /// Checks one file. Never throws for a bad file: every problem ends up in the report.
    public func run(path: String) async -> CheckReport {
        let reader: VariantReader
        do {
            reader = try VariantReader(path: path, options: ReadOptions(genotypes: true, sampleValues: false, annotations: false))
        } catch {
            var report = CheckReport(path: path, format: "unknown", samples: [], contigsDeclared: 0,
                                     assembly: AssemblyGuess(assembly: nil, supportingContigs: [], conflictingContigs: []),
                                     annotationSources: [])
            report.opened = false
            report.problems = [CheckProblem(severity: .error, error: error)]
            report.problemCounts[error.code.name] = 1
            return report
        }
        let h = reader.header
        var report = CheckReport(path: path, format: reader.isText ? (path.hasSuffix(".gz") || path.hasSuffix(".bgz") ? "VCF (bgzip)" : "VCF") : "BCF",
                                 samples: h.samples, tumourSample: h.tumourSample, normalSample: h.normalSample,
                                 contigsDeclared: h.contigs.count, assembly: h.assemblyGuess,
                                 annotationSources: h.annotationLayouts.map(\.source.rawValue))
        var headerProblems: [CheckProblem] = []
        if h.contigs.isEmpty || h.contigs.allSatisfy({ $0.length == nil }) {
            headerProblems.append(.init(severity: .warning, error: VCFError(.malformedHeader, path: path,
                message: "no ##contig line gives a length, so the reference assembly cannot be checked",
                fix: "add ##contig lines with lengths (bcftools reheader --fai REF.fai), or pass --assembly when loading")))
        } else if report.assembly.assembly == nil {
            headerProblems.append(.init(severity: .warning, error: VCFError(.malformedHeader, path: path,
                message: "the contig lengths match neither GRCh37 nor GRCh38" + (report.assembly.conflictingContigs.isEmpty ? "" : " (\(report.assembly.conflictingContigs.prefix(3).joined(separator: ", ")))"),
                fix: "check the reference build; pass --assembly when loading if the contigs are a subset")))
        }
        if !report.assembly.conflictingContigs.isEmpty && report.assembly.assembly != nil {
            headerProblems.append(.init(severity: .warning, error: VCFError(.malformedHeader, path: path,
                message: "contig lengths of \(report.assembly.conflictingContigs.prefix(3).joined(separator: ", ")) disagree with \(report.assembly.assembly!.rawValue)",
                fix: "re-header the file against the reference it was called on")))
        }

        var partials: [Partial]
        let parallel = threads > 1 && reader.isIndexed
        if parallel {
            do {
                let ref = reference, policy = refCheck, limit = listLimit, meter = progress
                partials = try await ParallelReader.map(path: path, options: reader.options, workers: threads) { r, _ in
                    var p = Partial(path: path, listLimit: limit)
                    p.scan(r, reference: ref, refCheck: policy, progress: meter)
                    return p
                }
                report.readInParallel = true
            } catch {
                var p = Partial(path: path, listLimit: listLimit)
                p.note(.error, error as? VCFError ?? VCFError(.malformedRecord, path: path, message: "\(error)"))
                partials = [p]
            }
        } else {
            var p = Partial(path: path, listLimit: listLimit)
            p.scan(reader, reference: reference, refCheck: refCheck, progress: progress)
            partials = [p]
        }
        var seenContigs: [String] = []
        var total = Partial(path: path, listLimit: listLimit)
        for p in partials {
            total.counts.merge(p.counts)
            total.changed += p.changed
            total.mismatches += p.mismatches
            for c in p.contigOrder where !seenContigs.contains(c) { seenContigs.append(c) }
            for (k, v) in p.problemCounts { total.problemCounts[k, default: 0] += v }
            for pr in p.problems where total.problems.filter({ $0.error.code == pr.error.code }).count < listLimit {
                total.problems.append(pr)
            }
        }
        report.counts = total.counts
        report.contigsWithRecords = seenContigs
        if reference != nil {
            report.normalizationChanged = total.changed
            report.refMismatches = total.mismatches
        }
        report.problems = headerProblems + total.problems
        for p in headerProblems { report.problemCounts[p.error.code.name, default: 0] += 1 }
        for (k, v) in total.problemCounts { report.problemCounts[k, default: 0] += v }
        progress?.finish()
        return report
    }

    /// The scan of one reader (a whole file or one chunk).
    struct Partial: Sendable {
        let path: String
        let listLimit: Int
        var counts = CheckCounts()
        var changed = 0
        var mismatches = 0
        var contigOrder: [String] = []
        var problems: [CheckProblem] = []
        var problemCounts: [String: Int] = [:]

        init(path: String, listLimit: Int) { self.path = path; self.listLimit = listLimit }

        mutating func note(_ severity: CheckProblem.Severity, _ e: VCFError) {
            let n = problemCounts[e.code.name, default: 0]
            problemCounts[e.code.name] = n + 1
            if n < listLimit { problems.append(CheckProblem(severity: severity, error: e)) }
        }

        mutating func scan(_ reader: VariantReader, reference: String?, refCheck: RefCheckPolicy, progress: ProgressMeter?) {
            var normalizer: Normalizer? = nil
            if let reference {
                do {
                    normalizer = Normalizer(reference: try ReferenceGenome(path: reference),
                                            options: .init(split: true, refCheck: refCheck == .error ? .warn : refCheck),
                                            sourcePath: path)
                } catch { note(.error, error); return }
            }
            let lengths = Dictionary(reader.header.contigs.map { ($0.name, $0.length) }, uniquingKeysWith: { a, _ in a })
            var lastContig = ""
            var lastPos = 0
            var sinceReport = 0
            var warnings: [VCFError] = []
            reader.onWarning = { warnings.append($0) }
            defer { reader.onWarning = nil }
            while true {
                for w in warnings { note(.warning, w) }
                warnings.removeAll()
                let v: Variant
                do {
                    guard let next = try reader.next() else { break }
                    v = next
                } catch {
                    note(.error, error)
                    break  // htslib cannot resynchronise reliably after a broken record.
                }
                counts.records += 1
                sinceReport += 1
                if sinceReport == 4096 { progress?.advance(by: sinceReport, locus: v.locus); sinceReport = 0 }
                if v.contig != lastContig {
                    if contigOrder.contains(v.contig) {
                        note(.warning, VCFError(.unsorted, path: path, line: v.line, locus: v.locus,
                                                message: "records of contig '\(v.contig)' appear again after other contigs",
                                                fix: "sort the file (bcftools sort) before indexing or parallel loading"))
                    } else {
                        contigOrder.append(v.contig)
                    }
                    lastContig = v.contig
                    lastPos = 0
                } else if v.position < lastPos {
                    note(.warning, VCFError(.unsorted, path: path, line: v.line, locus: v.locus,
                                            message: "POS \(v.position) comes after \(lastPos): the file is not sorted",
                                            fix: "sort the file (bcftools sort) before indexing or parallel loading"))
                }
                lastPos = v.position
                if let len = lengths[v.contig] ?? nil, v.position > len {
                    note(.error, VCFError(.malformedRecord, path: path, line: v.line, locus: v.locus,
                                          message: "POS is beyond the declared length of '\(v.contig)' (\(len))",
                                          fix: "the file does not match the reference in its header: re-call or re-header it"))
                }
                classify(v)
                if let normalizer {
                    do {
                        let outcome = try normalizer.normalize(v)
                        if outcome.changed { changed += 1 }
                        if let m = outcome.refMismatch {
                            mismatches += 1
                            note(refCheck == .error ? .error : .warning, m)
                        }
                    } catch { note(.error, error) }
                }
            }
            if sinceReport > 0 { progress?.advance(by: sinceReport, locus: nil) }
        }

        mutating func classify(_ v: Variant) {
            if v.alts.count > 1 { counts.multiallelic += 1 }
            if v.isSomatic { counts.somaticFlagged += 1 }
            if !v.filters.isEmpty && v.filters != ["PASS"] { counts.filtered += 1 }
            let kinds = v.altKinds
            if v.isReferenceBlock { counts.referenceBlocks += 1 }
            else {
                if kinds.contains(.snv) { counts.snv += 1 }
                if kinds.contains(.mnv) { counts.mnv += 1 }
                if kinds.contains(where: \.isIndel) { counts.indel += 1 }
                if kinds.contains(.symbolic) { counts.symbolic += 1 }
                if kinds.contains(.breakend) { counts.breakend += 1 }
                if kinds.contains(.overlappingDeletion) { counts.overlappingDeletion += 1 }
            }
            for (i, alt) in v.alts.enumerated() where kinds[i].isSequenceResolved {
                if !isBases(v.ref) || !isBases(alt) {
                    note(.warning, VCFError(.malformedRecord, path: path, line: v.line, locus: v.locus,
                                            message: "allele '\(isBases(v.ref) ? alt : v.ref)' has characters other than A, C, G, T, N",
                                            fix: "IUPAC ambiguity codes are not sequence: check the caller's output"))
                    break
                }
            }
            guard let g = v.genotypes else { return }
            let tally = g.tally(alleleCount: v.alts.count + 1)
            counts.genotypeCalls += tally.calls
            counts.missingCalls += tally.missing
            counts.halfCalls += tally.halfMissing
            counts.phasedCalls += tally.phased
            for (p, n) in tally.byPloidy.enumerated() where n > 0 { counts.ploidy[p, default: 0] += n }
            if let bad = tally.firstOutOfRangeAllele {
                note(.error, VCFError(.malformedRecord, path: path, line: v.line, locus: v.locus,
                                      message: "a genotype names allele \(bad) but the record has only \(v.alts.count) ALT allele(s)",
                                      fix: "the GT and ALT columns disagree; the record was probably edited or truncated"))
            }
        }

        func isBases(_ s: String) -> Bool {
            s.utf8.allSatisfy { c in
                switch c { case 65, 67, 71, 84, 78, 97, 99, 103, 116, 110: true; default: false }
            }
        }
    }
}
