import Foundation
public import VCF
public import VariantCore
public import VariantStore

/// `varde load`: reads, normalises and stores a batch of VCF/BCF files, all or nothing.
public struct Loader: Sendable {
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

    /// What a batch's headers say: its files, samples (with pseudonyms), assembly and contigs.
    struct Prepared: @unchecked Sendable {
        var plans: [FilePlan]
        var specs: [SampleSpec]
        var assembly: Assembly
        var contigs: [(name: String, length: Int?)]
        var expectedRecords: Int?
        /// MAFs are read as the VCF of the same calls: each converted file's source, and the folder to remove.
        var sources: [String: String] = [:]
        var converted: URL?

        func removeConverted() { if let converted { try? FileManager.default.removeItem(at: converted) } }
    }

    public func load(_ paths: [String], into store: any VariantStore) async throws -> Report {
        let started = Date()
        try pseudonymizer.checkSecret(against: store, record: true)
        let prepared = try prepare(paths)
        defer { prepared.removeConverted() }
        progress?.expect(records: prepared.expectedRecords)
        var files: [SourceFile] = []
        for p in prepared.plans {
            let source = prepared.sources[p.path] ?? p.path
            files.append(SourceFile(path: source, sha256: try FileDigest.sha256(path: source), isGVCF: p.isGVCF))
        }
        let (plans, specs) = (prepared.plans, prepared.specs)

        // 2. One transaction for the whole batch.
        let plan = BatchPlan(command: options.command, assembly: prepared.assembly, contigs: prepared.contigs,
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
                for (k, col) in columns.enumerated() { ploidy[col.ordinal] = builder.learnedPloidy(k) }
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

    /// Reads the headers of a batch's files: assembly, contigs, samples with their pseudonyms and roles.
    func prepare(_ paths: [String]) throws -> Prepared {
        guard !paths.isEmpty else { throw LoadError("no input files", fix: "name one or more VCF/BCF files") }
        // MAFs are read as the VCF of the same calls (MAFConverter); the batch records the MAF itself.
        var sources: [String: String] = [:]
        var converted: URL? = nil
        var paths = paths
        for (i, path) in paths.enumerated() where MAFConverter.isMAF(path: path) {
            if converted == nil {
                converted = FileManager.default.temporaryDirectory.appendingPathComponent("varde-maf-\(UUID().uuidString)")
                try FileManager.default.createDirectory(at: converted!, withIntermediateDirectories: true)
            }
            let reference = try options.reference.map { try ReferenceGenome(path: $0) }
            let dir = converted!.appendingPathComponent("\(i)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let out = try MAFConverter.convert(path: path, directory: dir.path, reference: reference, assembly: options.assembly)
            sources[out.vcfPath] = path
            paths[i] = out.vcfPath
        }
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
            var declared = h.contigs
            if declared.isEmpty, let a = options.assembly {
                // No ##contig lines (old Strelka, VarScan): the assembly named on the command line supplies the
                // names and lengths of the contigs the records use, once each record is checked against it.
                declared = try Self.contigs(of: path, in: a)
            }
            for c in declared where contigs[c.name] == nil {
                contigs[c.name] = c.length
                contigOrder.append(c.name)
            }
            let gvcf = options.gvcf ?? h.declaresReferenceBlocks
            let policy: AbsentPolicy = gvcf ? .missing : options.absentAs
            let first = specs.count
            // Roles before anything is counted: the manifest's role, else the file's tumour/normal conventions;
            // a sample of a somatic-looking file that neither names is refused (SampleRoles).
            for d in try SampleRoles.resolve(header: h, path: path, manifest: options.manifest) {
                let spec: SampleSpec
                if let e = options.manifest?.entries[d.sample] {
                    spec = SampleSpec(name: d.sample, pseudonym: pseudonymizer.pseudonym(e.person), role: d.role, fileIndex: i,
                                      absentPolicy: policy, sex: e.fields["sex"], birthYear: e.fields["birth_year"].flatMap { Int($0) },
                                      specimenType: e.fields["specimen_type"], collectionDate: e.fields["collection_date"],
                                      diagnosis: e.fields["diagnosis"], diagnosisDate: e.fields["diagnosis_date"],
                                      careSite: e.fields["care_site"], assay: e.fields["assay"], attributes: e.attributes)
                } else {
                    spec = SampleSpec(name: d.sample, pseudonym: pseudonymizer.pseudonym(d.person), role: d.role, fileIndex: i, absentPolicy: policy)
                }
                specs.append(spec)
            }
            for name in h.samples where !seenNames.insert(name).inserted {
                throw LoadError(path: path, "sample \(name) appears twice in this batch", fix: "every sample must have a unique name")
            }
            plans.append(FilePlan(path: path, header: h, isGVCF: gvcf, indexed: reader.isIndexed, firstColumn: first))
            if let n = reader.indexedRecordCount(), expectedRecords != nil { expectedRecords! += n } else { expectedRecords = nil }
        }
        guard let assembly else {
            if let converted { try? FileManager.default.removeItem(at: converted) }
            throw LoadError("no assembly")
        }
        return Prepared(plans: plans, specs: specs, assembly: assembly, contigs: contigOrder.map { ($0, contigs[$0] ?? nil) },
                        expectedRecords: expectedRecords, sources: sources, converted: converted)
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

    /// The contigs the records of a header without `##contig` lines use, with the lengths `assembly` gives
    /// its chromosomes (`nil` for others, e.g. unplaced scaffolds). A record past its chromosome's end says
    /// the file is not of that assembly.
    static func contigs(of path: String, in assembly: Assembly) throws -> [VCFHeader.Contig] {
        let reader = try VariantReader(path: path, options: ReadOptions(genotypes: false, sampleValues: false, annotations: false))
        var seen: [String: Int?] = [:]
        var order: [VCFHeader.Contig] = []
        while true {
            let next: Variant?
            do { next = try reader.next() } catch {
                // A malformed record is the main pass's to report (or skip, with --on-invalid skip).
                if reader.isText { continue } else { break }
            }
            guard let v = next else { break }
            if seen[v.contig] == nil {
                let length = assembly.chromosomeLengths[Assembly.canonicalChromosome(v.contig)]
                seen[v.contig] = length
                order.append(.init(name: v.contig, length: length))
            }
            if let length = seen[v.contig] ?? nil, v.position > length {
                throw LoadError(path: path, line: v.line, "\(v.locus) lies beyond the end of \(v.contig) in \(assembly.rawValue) (\(length))",
                                fix: "the file is not of \(assembly.rawValue): check --assembly")
            }
        }
        return order
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
