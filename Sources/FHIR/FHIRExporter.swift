internal import Foundation
public import VariantCore
public import VariantStore

/// What an export wrote.
public struct FHIRExportSummary: Sendable {
    public var people = 0
    /// Resources written, by type.
    public var resources: [String: Int] = [:]
    /// Variant Observations left out by `--max-variants` (summed over people), and how many people that hit.
    public var observationsOverLimit = 0
    public var peopleOverLimit = 0
    public var files: [String] = []
    public var bytes = 0
    public var seconds = 0.0
    public var total: Int { resources.values.reduce(0, +) }
}

/// Streams a selection of the store's people out as FHIR R4 Genomics resources: one Bundle per person
/// (`DIR/<pseudonym prefix>.json`) or Bulk Data NDJSON (`DIR/<Type>.ndjson`).
///
/// People are taken ``FHIROptions/peoplePerPass`` at a time; each pass reads the store once, in genomic order,
/// through ``CarrierScan`` (carriers decoded only for variants the pass's samples carry), and spools each person's
/// Variant Observations to a temporary file, so memory holds one pass's ids, not the cohort's resources.
/// Ids are name-based UUIDs and the walk order is fixed (people by store key, samples by ordinal, variants by
/// contig and position), so exporting the same store twice gives the same bytes.
public final class FHIRExporter {
    let store: any VariantReading & CarrierScan
    let mapper: GenomicsMapper
    let genes: GeneCatalog
    let reference: ((String) -> GenomicHGVS.Reference?)?
    let outDirectory: String

    public init(store: any VariantReading & CarrierScan, assembly: Assembly, options: FHIROptions, genes: GeneCatalog,
                reference: ((String) -> GenomicHGVS.Reference?)?, outDirectory: String) {
        self.store = store
        self.mapper = GenomicsMapper(assembly: assembly, options: options)
        self.genes = genes
        self.reference = reference
        self.outDirectory = outDirectory
    }

    var options: FHIROptions { mapper.options }

    /// One person's part of a pass.
    final class Person {
        let pseudonym: String
        let patientID: String
        /// The person's samples in the exported analyses (batches holding a selected sample), by ordinal.
        let samples: [SampleDetail]
        let batches: [Int]
        var specimenID: [UInt32: String] = [:]
        var results: [Int: [String]] = [:]
        var observations = 0
        var overLimit = 0
        var spool: OutputFile?
        init(pseudonym: String, patientID: String, samples: [SampleDetail], batches: [Int]) {
            self.pseudonym = pseudonym
            self.patientID = patientID
            self.samples = samples
            self.batches = batches
        }
    }

    /// Exports the people of `selected` (sample ordinals): their Patient, the Specimens, Genomic Reports and
    /// diagnoses of the analyses those samples belong to, and the Variant Observations of the selected samples.
    public func run(selected: Set<UInt32>, progress: (String) -> Void = { _ in }) throws -> FHIRExportSummary {
        let clock = ContinuousClock()
        let started = clock.now
        do { try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true) } catch {
            throw FHIRError("cannot create the output folder \(outDirectory): \(error)", fix: "choose a writable --out")
        }
        let spoolDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("varde-fhir-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: spoolDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: spoolDirectory) }

        var summary = FHIRExportSummary()
        var ndjson: [String: OutputFile] = [:]
        func ndjsonFile(_ type: String) throws -> OutputFile {
            if let f = ndjson[type] { return f }
            let f = try OutputFile(path: (outDirectory as NSString).appendingPathComponent("\(type).ndjson"))
            ndjson[type] = f
            return f
        }

        try store.readSnapshot {
            let details = try store.sampleDetails()
            let chosen = details.filter { selected.contains($0.ordinal) }
            guard !chosen.isEmpty else {
                throw FHIRError("none of the selected samples is in the store", fix: "list samples with 'varde samples'")
            }
            let byPerson = Dictionary(grouping: details, by: \.personID)
            let people = Set(chosen.map(\.personID)).sorted()
            for start in stride(from: 0, to: people.count, by: max(1, options.peoplePerPass)) {
                let group = people[start..<min(people.count, start + max(1, options.peoplePerPass))]
                var owner: [UInt32: Person] = [:]
                var sampleOf: [UInt32: SampleDetail] = [:]
                var pass: [Person] = []
                for key in group {
                    let all = (byPerson[key] ?? []).sorted { $0.ordinal < $1.ordinal }
                    let batches = Set(all.filter { selected.contains($0.ordinal) }.map(\.batch))
                    let samples = all.filter { batches.contains($0.batch) }
                    let pseudonym = samples[0].pseudonym
                    let p = Person(pseudonym: pseudonym, patientID: ResourceID.make("Patient", pseudonym), samples: samples,
                                   batches: batches.sorted())
                    for s in samples {
                        p.specimenID[s.ordinal] = ResourceID.make("Specimen", s.pseudonym, s.name)
                        if selected.contains(s.ordinal) { owner[s.ordinal] = p; sampleOf[s.ordinal] = s }
                    }
                    if options.format == .bundle {
                        p.spool = try OutputFile(path: spoolDirectory + "/\(key).observations", bufferSize: 1 << 16)
                    }
                    pass.append(p)
                }
                try scan(eligible: Set(owner.keys), owner: owner, sampleOf: sampleOf, summary: &summary, ndjsonFile: ndjsonFile)
                for p in pass {
                    try write(p, summary: &summary, ndjsonFile: ndjsonFile)
                    summary.people += 1
                    if p.overLimit > 0 { summary.peopleOverLimit += 1; summary.observationsOverLimit += p.overLimit }
                }
                progress("\(summary.people) of \(people.count) people, \(summary.resources["Observation", default: 0]) variant observations")
            }
        }
        for f in ndjson.values { try f.close(); summary.bytes += f.bytes; summary.files.append(f.path) }
        summary.files.sort()
        let elapsed = started.duration(to: clock.now)
        summary.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return summary
    }

    /// Does the variant pass `--pass-only` and the region filter?
    func admits(_ v: VariantCarriers, regions: [String: [Region]]?) -> Bool {
        if options.passOnly && v.filters != nil { return false }
        guard let regions else { return true }
        guard let list = regions[Assembly.canonicalChromosome(v.contig)] else { return false }
        return list.contains { $0.start <= v.end && v.position <= ($0.end ?? Int.max) }
    }

    /// One pass over the store for the samples of a group of people: each carrier's Variant Observation, spooled
    /// (bundle) or written (NDJSON).
    func scan(eligible: Set<UInt32>, owner: [UInt32: Person], sampleOf: [UInt32: SampleDetail], summary: inout FHIRExportSummary,
              ndjsonFile: (String) throws -> OutputFile) throws {
        let regions = options.regions.map { Dictionary(grouping: $0, by: { Assembly.canonicalChromosome($0.contig) }) }
        var line: [UInt8] = []
        var written = 0
        try store.forEachVariantCarriers(eligible: eligible, wanted: { v, _ in admits(v, regions: regions) }) { v in
            var annotations: [Annotation]?
            var hgvsg: String??
            var geneList: [GeneReference]?
            for c in v.carriers where eligible.contains(c.ordinal) {
                guard let p = owner[c.ordinal], let sample = sampleOf[c.ordinal] else { continue }
                if let max = options.maxVariants, p.observations >= max { p.overLimit += 1; continue }
                if annotations == nil { annotations = try store.annotations(of: v.variantID) }
                if hgvsg == nil {
                    hgvsg = GenomicHGVS.describe(assembly: mapper.assembly, contig: v.contig, position: v.position, ref: v.ref, alt: v.alt,
                                                 reference: reference?(v.contig))
                }
                if geneList == nil { geneList = genes.genes(for: v, annotations: annotations ?? []) }
                let finding = VariantFinding(site: v, carrier: c, sample: sample, annotations: annotations ?? [], hgvsg: hgvsg ?? nil,
                                             genes: geneList ?? [])
                let (id, resource) = mapper.observation(finding, patientID: p.patientID, specimenID: p.specimenID[c.ordinal] ?? "")
                p.results[sample.batch, default: []].append(id)
                line.removeAll(keepingCapacity: true)
                if let spool = p.spool {
                    if p.observations > 0 { line += Array(",\n".utf8) }
                    entry(type: "Observation", id: id, resource: resource).write(to: &line)
                    try spool.write(line)
                } else {
                    resource.write(to: &line)
                    line.append(UInt8(ascii: "\n"))
                    try ndjsonFile("Observation").write(line)
                }
                p.observations += 1
                written += 1
            }
        }
        summary.resources["Observation", default: 0] += written
    }

    /// A Bundle entry: fullUrl `urn:uuid:<id>`, the resource, and for a transaction `request: PUT Type/id`.
    func entry(type: String, id: String, resource: JSONValue) -> JSONValue {
        .obj([("fullUrl", .string("urn:uuid:\(id)")), ("resource", resource),
              ("request", options.bundleType == .transaction
                ? .obj([("method", .string("PUT")), ("url", .string("\(type)/\(id)"))]) : nil)])
    }

    /// A person's Patient, Specimens, Conditions and Genomic Reports, then (bundle) the spooled Observations.
    func write(_ p: Person, summary: inout FHIRExportSummary, ndjsonFile: (String) throws -> OutputFile) throws {
        var resources: [(type: String, id: String, resource: JSONValue)] = []
        let first = p.samples[0]
        let sex = p.samples.compactMap(\.sex).first ?? first.sex
        let patient = mapper.patient(pseudonym: p.pseudonym, sex: sex, birthYear: p.samples.compactMap(\.birthYear).first)
        resources.append(("Patient", patient.id, patient.resource))
        for s in p.samples {
            let sp = mapper.specimen(s, patientID: p.patientID)
            resources.append(("Specimen", sp.id, sp.resource))
        }
        var diagnoses: [String: String?] = [:]
        for s in p.samples {
            guard let code = s.diagnosis?.trimmingCharacters(in: " "), !code.isEmpty else { continue }
            let d = GenomicsMapper.date(s.diagnosisDate)
            if let existing = diagnoses[code] {
                if let d, existing.map({ d < $0 }) ?? true { diagnoses[code] = d }
            } else {
                diagnoses[code] = d
            }
        }
        for code in diagnoses.keys.sorted() {
            let c = mapper.condition(pseudonym: p.pseudonym, code: code, date: diagnoses[code] ?? nil, patientID: p.patientID)
            resources.append(("Condition", c.id, c.resource))
        }
        for batch in p.batches {
            // A tumour first, then its normal: the report's specimens in role order (tumour, normal, germline), by ordinal.
            let analysis = p.samples.filter { $0.batch == batch }
            let rank: [SampleRole: Int] = [.tumour: 0, .normal: 1, .germline: 2]
            let ordered = analysis.sorted { (rank[$0.role] ?? 3, $0.ordinal) < (rank[$1.role] ?? 3, $1.ordinal) }
            let date = analysis.compactMap { GenomicsMapper.date($0.collectionDate) }.min() ?? GenomicsMapper.date(analysis.first?.loadedAt)
            let r = mapper.report(pseudonym: p.pseudonym, batch: batch, patientID: p.patientID,
                                  specimenIDs: ordered.compactMap { p.specimenID[$0.ordinal] }, date: date,
                                  assay: analysis.compactMap(\.assay).first, resultIDs: p.results[batch] ?? [])
            resources.append(("DiagnosticReport", r.id, r.resource))
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(4096)
        if options.format == .ndjson {
            for r in resources {
                bytes.removeAll(keepingCapacity: true)
                r.resource.write(to: &bytes)
                bytes.append(UInt8(ascii: "\n"))
                try ndjsonFile(r.type).write(bytes)
                summary.resources[r.type, default: 0] += 1
            }
            return
        }
        let path = (outDirectory as NSString).appendingPathComponent("\(p.pseudonym.prefix(16)).json")
        let file = try OutputFile(path: path)
        let bundle = JSONValue.obj([("resourceType", .string("Bundle")), ("id", .string(ResourceID.make("Bundle", p.pseudonym))),
                                    ("type", .string(options.bundleType.rawValue))])
        bundle.write(to: &bytes)
        bytes.removeLast()  // the closing brace: the entries follow, one per line
        bytes += Array(",\"entry\":[\n".utf8)
        for (i, r) in resources.enumerated() {
            if i > 0 { bytes += Array(",\n".utf8) }
            entry(type: r.type, id: r.id, resource: r.resource).write(to: &bytes)
            summary.resources[r.type, default: 0] += 1
        }
        try file.write(bytes)
        if let spool = p.spool {
            try spool.close()
            if p.observations > 0 {
                try file.write(",\n")
                try file.append(contentsOf: spool.path)
            }
            try? FileManager.default.removeItem(atPath: spool.path)
        }
        try file.write("\n]}\n")
        try file.close()
        summary.bytes += file.bytes
        summary.files.append(path)
    }
}
