import Foundation
public import VCF
public import VariantCore
public import VariantStore

/// `varde load`: reads, normalises and stores a batch of VCF/BCF files, all or nothing.
public struct Loader {
    public struct Options: Sendable {
        public var reference: String?
        public var refCheck: RefCheckPolicy = .error
        public var manifest: Manifest?
        public var assembly: Assembly?
        public var absentAs: AbsentPolicy = .ref
        public var onInvalid: InvalidPolicy = .fail
        public var replace = false
        public var threads = 1
        public var minBlockGQ: Int32?
        /// Treat inputs as gVCF (`true`), plain VCF (`false`), or decide from the header (`nil`).
        public var gvcf: Bool?
        public var command = "varde load"
        public init() {}
    }

    public enum InvalidPolicy: String, Sendable, CaseIterable { case fail, skip }

    public struct Report: Sendable {
        public var batchID: Int
        public var files: Int
        public var samples: Int
        public var records: Int
        public var sites: Int
        public var coverageBlocks: Int
        public var skippedInvalid: Int
        public var refMismatches: Int
        public var seconds: Double
    }

    public let options: Options
    public let pseudonymizer: Pseudonymizer
    public let progress: ProgressMeter?

    public init(options: Options, pseudonymizer: Pseudonymizer, progress: ProgressMeter? = nil) {
        self.options = options
        self.pseudonymizer = pseudonymizer
        self.progress = progress
    }

    struct FilePlan {
        var path: String
        var header: VCFHeader
        var isGVCF: Bool
        var indexed: Bool
        var firstColumn: Int
    }

    public func load(_ paths: [String], into store: any VariantStore) async throws -> Report {
        let started = Date()
        guard !paths.isEmpty else { throw LoadError("no input files", fix: "name one or more VCF/BCF files") }
        try pseudonymizer.checkSecret(against: store, record: true)
        // 1. Headers, assembly, samples.
        var plans: [FilePlan] = []
        var specs: [SampleSpec] = []
        var assembly = options.assembly
        var contigs: [String: Int?] = [:]
        var contigOrder: [String] = []
        var expectedRecords: Int? = 0
        var seenNames = Set<String>()
        for (i, path) in paths.enumerated() {
            let reader = try VariantReader(path: path, options: ReadOptions(genotypes: false, sampleValues: false, annotations: false))
            let h = reader.header
            let guess = h.assemblyGuess
            if options.assembly == nil {
                guard let a = guess.assembly else {
                    throw LoadError(path: path, "cannot tell the reference assembly from the contig lengths" +
                                    (guess.conflictingContigs.isEmpty ? "" : " (\(guess.conflictingContigs.prefix(3).joined(separator: ", ")) match neither GRCh37 nor GRCh38)"),
                                    fix: "pass --assembly GRCh37|GRCh38 if the file is a subset of one, or add ##contig lines with lengths")
                }
                if let prior = assembly, prior != a {
                    throw LoadError(path: path, "this file is \(a.rawValue) but \(paths[0]) is \(prior.rawValue)", fix: "load files of one assembly per store")
                }
                assembly = a
            } else if let a = guess.assembly, a != options.assembly {
                throw LoadError(path: path, "the contig lengths say \(a.rawValue), not \(options.assembly!.rawValue) as --assembly says",
                                fix: "check the file's reference, or drop --assembly")
            }
            for c in h.contigs where contigs[c.name] == nil {
                contigs[c.name] = c.length
                contigOrder.append(c.name)
            }
            let gvcf = options.gvcf ?? h.declaresReferenceBlocks
            let policy: AbsentPolicy = gvcf ? .missing : options.absentAs
            let first = specs.count
            var pairPerson: String? = nil
            if options.manifest == nil, h.tumourSample != nil, let n = h.normalSample { pairPerson = n }
            for name in h.samples {
                let spec: SampleSpec
                if let manifest = options.manifest {
                    guard let e = manifest.entries[name] else {
                        throw LoadError(path: path, "sample \(name) is not in the manifest", fix: "add a row for \(name) (sample, person, role…) to the manifest")
                    }
                    spec = SampleSpec(name: name, pseudonym: pseudonymizer.pseudonym(e.person), role: e.role, fileIndex: i,
                                      absentPolicy: policy, sex: e.fields["sex"], birthYear: e.fields["birth_year"].flatMap { Int($0) },
                                      specimenType: e.fields["specimen_type"], collectionDate: e.fields["collection_date"],
                                      diagnosis: e.fields["diagnosis"], diagnosisDate: e.fields["diagnosis_date"],
                                      careSite: e.fields["care_site"], assay: e.fields["assay"], attributes: e.attributes)
                } else if let person = pairPerson {
                    // A tumour/normal file without a manifest: one person, roles from the header.
                    spec = SampleSpec(name: name, pseudonym: pseudonymizer.pseudonym(person),
                                      role: name == h.tumourSample ? .tumour : .normal, fileIndex: i, absentPolicy: policy)
                } else {
                    spec = SampleSpec(name: name, pseudonym: pseudonymizer.pseudonym(name), role: .germline, fileIndex: i, absentPolicy: policy)
                }
                specs.append(spec)
            }
            for name in h.samples where !seenNames.insert(name).inserted {
                throw LoadError(path: path, "sample \(name) appears twice in this batch", fix: "every sample must have a unique name")
            }
            plans.append(FilePlan(path: path, header: h, isGVCF: gvcf, indexed: reader.isIndexed, firstColumn: first))
            if let n = reader.indexedRecordCount(), expectedRecords != nil { expectedRecords! += n } else { expectedRecords = nil }
        }
        guard let assembly else { throw LoadError("no assembly") }
        progress?.expect(records: expectedRecords)
        var files: [SourceFile] = []
        for p in plans { files.append(SourceFile(path: p.path, sha256: try FileDigest.sha256(path: p.path), isGVCF: p.isGVCF)) }

        // 2. One transaction for the whole batch.
        let plan = BatchPlan(command: options.command, assembly: assembly, contigs: contigOrder.map { ($0, contigs[$0] ?? nil) },
                             files: files, samples: specs, replace: options.replace)
        let writer = try store.beginBatch(plan)
        do {
            var totals = SiteBuilder.Output()
            var recordsPerFile: [Int] = []
            var ploidy: [UInt32: [ContigClass: Int]] = [:]
            var mismatches = 0, sitesWritten = 0, blocksWritten = 0
            for (i, p) in plans.enumerated() {
                let columns = (0..<p.header.samples.count).map { k -> SiteBuilder.Column in
                    let a = writer.samples[p.firstColumn + k]
                    return SiteBuilder.Column(ordinal: a.ordinal, role: a.spec.role, counted: a.counted, policy: a.spec.absentPolicy)
                }
                var builder = SiteBuilder(columns: columns, fileIndex: i, minBlockGQ: options.minBlockGQ)
                let parallel = options.threads > 1 && p.indexed
                if parallel {
                    // Workers need the defaults up front: read the first record of each indexed contig.
                    let probe = try VariantReader(path: p.path, options: ReadOptions(sampleValues: false, annotations: false))
                    for contig in try probe.indexedContigs() {
                        try probe.query(Region(contig: contig))
                        if let v = try probe.next() { builder.learnDefaults(v) }
                    }
                }
                var fileTotals = SiteBuilder.Output()
                let consume: (FileOutput) throws -> Void = { out in
                    for s in out.output.sites { try writer.add(s) }
                    for b in out.output.blocks { try writer.addCoverage(b) }
                    mismatches += out.mismatches
                    sitesWritten += out.output.sites.count
                    blocksWritten += out.output.blocks.count
                    var o = out.output
                    o.sites = []; o.blocks = []
                    fileTotals.merge(o)
                    self.progress?.advance(by: out.output.records, locus: out.lastLocus)
                }
                let opts = options
                if parallel {
                    let fixed = builder
                    try await ParallelReader.forEachChunk(path: p.path, workers: options.threads, produce: { reader, _ in
                        var b = fixed
                        return try Self.process(reader, normalizer: Self.normalizer(for: reader, options: opts), builder: &b,
                                                options: opts, isGVCF: p.isGVCF)
                    }, consume: consume)
                } else {
                    let reader = try VariantReader(path: p.path)
                    let normalizer = try Self.normalizer(for: reader, options: opts)
                    // Serial: hand over every 4,096 records so memory stays flat; defaults are learned as met.
                    while true {
                        let out = try Self.process(reader, normalizer: normalizer, builder: &builder, options: opts,
                                                   isGVCF: p.isGVCF, limit: 4096)
                        try consume(out)
                        if out.output.records < 4096 { break }
                    }
                }
                recordsPerFile.append(fileTotals.records)
                totals.records += fileTotals.records
                totals.skipped += fileTotals.skipped
                // Each sample's default ploidy per contig class: what it counts where its file has no record.
                for (k, col) in columns.enumerated() {
                    var learned: [ContigClass: Int] = [:]
                    for cls in ContigClass.allCases where builder.defaults[cls.rawValue][k] > 0 {
                        learned[cls] = builder.defaults[cls.rawValue][k]
                    }
                    ploidy[col.ordinal] = learned
                }
            }
            try writer.finish(ploidy: ploidy, records: recordsPerFile)
            try writer.commit()
            progress?.finish()
            return Report(batchID: writer.batchID, files: paths.count, samples: specs.count, records: totals.records,
                          sites: sitesWritten, coverageBlocks: blocksWritten, skippedInvalid: totals.skipped, refMismatches: mismatches,
                          seconds: Date().timeIntervalSince(started))
        } catch {
            writer.rollback()
            throw error
        }
    }

    struct FileOutput: Sendable {
        var output: SiteBuilder.Output
        var mismatches = 0
        var lastLocus: String?
    }

    /// Reads (up to `limit`) records from `reader`, normalises and builds sites. Runs on a worker.
    /// A normaliser for `reader`'s records (opens the FASTA): one per reader, not per call of ``process``.
    static func normalizer(for reader: VariantReader, options: Options) throws -> Normalizer {
        let reference = try options.reference.map { try ReferenceGenome(path: $0) }
        return Normalizer(reference: reference, options: .init(split: true, refCheck: options.refCheck), sourcePath: reader.path)
    }

    static func process(_ reader: VariantReader, normalizer: Normalizer, builder: inout SiteBuilder, options: Options, isGVCF: Bool,
                        limit: Int = .max) throws -> FileOutput {
        var out = FileOutput(output: SiteBuilder.Output())
        let lengths = Dictionary(reader.header.contigs.map { ($0.name, $0.length) }, uniquingKeysWith: { a, _ in a })
        var n = 0
        while n < limit {
            let next: Variant?
            do {
                next = try reader.next()
            } catch {
                // htslib cannot resynchronise inside a broken BCF; a text line can be skipped.
                if options.onInvalid == .skip && error.code == .malformedRecord && reader.isText { out.output.skipped += 1; n += 1; continue }
                throw error
            }
            guard let v = next else { break }
            n += 1
            out.output.records += 1
            out.lastLocus = v.locus
            builder.learnDefaults(v)
            if v.isReferenceBlock {
                if isGVCF { builder.coverage(v, into: &out.output) }
                continue
            }
            // Checks htslib does not make: a GT naming an allele the record lacks, a POS past its contig.
            if let problem = Self.validate(v, lengths: lengths, path: reader.path) {
                if options.onInvalid == .skip { out.output.skipped += 1; continue }
                throw problem
            }
            let outcome: Normalizer.Outcome
            do { outcome = try normalizer.normalize(v) } catch {
                if options.onInvalid == .skip { out.output.skipped += 1; continue }
                throw error
            }
            if outcome.refMismatch != nil { out.mismatches += 1 }
            for r in outcome.records { if let s = builder.site(r) { out.output.sites.append(s) } }
        }
        return out
    }

    static func validate(_ v: Variant, lengths: [String: Int?], path: String) -> VCFError? {
        if let g = v.genotypes, let top = g.alleles.max(), Int(top) > v.alts.count {
            return VCFError(.malformedRecord, path: path, line: v.line, locus: v.locus,
                            message: "a genotype names allele \(top) but the record has only \(v.alts.count) ALT allele(s)",
                            fix: "the GT and ALT columns disagree; fix the record, or load with --on-invalid skip")
        }
        if let length = lengths[v.contig] ?? nil, v.position > length {
            return VCFError(.malformedRecord, path: path, line: v.line, locus: v.locus,
                            message: "POS is beyond the declared length of '\(v.contig)' (\(length))",
                            fix: "the file does not match the reference in its header: re-call or re-header it")
        }
        return nil
    }

}
