public import VariantStore
internal import Foundation

/// Loads an OMOP vocabulary into the store: an Athena download (tab-separated CONCEPT.csv, CONCEPT_SYNONYM.csv, …)
/// or the Koios extract files (koios_concepts*.csv[.gz]: concept_id, concept_name, concept_synonym_name, ver/class).
public enum VocabularyLoader {
    /// Rows read per file, for the caller's report.
    public typealias Counts = [(file: String, rows: Int)]

    /// The CONCEPT_RELATIONSHIP rows the mapping follows; Athena's other tens of millions are not kept.
    public static let relationshipsUsed: Set<String> = ["Maps to", "Concept replaced by"]

    /// Reads Athena's files from `directory` into `writer`. CONCEPT.csv is required; the others are read when present.
    /// Of CONCEPT_RELATIONSHIP only ``relationshipsUsed`` are stored.
    public static func loadAthena(directory: String, into writer: any VocabularyWriter,
                                  progress: (String) -> Void = { _ in }) throws -> Counts {
        var counts: Counts = []
        func file(_ name: String) -> String? {
            for candidate in [name, name.lowercased()] {
                let p = (directory as NSString).appendingPathComponent(candidate)
                if FileManager.default.fileExists(atPath: p) { return p }
            }
            return nil
        }
        guard let conceptPath = file("CONCEPT.csv") else {
            throw OMOPError(.io, "\(directory) has no CONCEPT.csv", fix: "point to the unzipped Athena download (tab-separated CONCEPT.csv, CONCEPT_SYNONYM.csv, …)")
        }
        func read(_ path: String, required: [String], _ row: (DelimitedReader.Row, Int) throws -> Void) throws {
            let reader = try DelimitedReader(path: path, delimiter: "\t", quoted: false)
            var n = 0
            var checked = false
            try reader.records { r, line in
                if !checked {
                    for c in required where r.header[c] == nil {
                        throw OMOPError(.format, "\(path):1: no column \(c)", fix: "use Athena's tab-separated download, with its header row")
                    }
                    checked = true
                }
                do { try row(r, line) } catch let e as OMOPError { throw e } catch {
                    throw OMOPError(.format, "\(path):\(line): \(error)")
                }
                n += 1
                if n % 1_000_000 == 0 { progress("\((path as NSString).lastPathComponent): \(n) rows") }
            }
            counts.append(((path as NSString).lastPathComponent, n))
        }
        func int(_ r: DelimitedReader.Row, _ c: String, _ path: String, _ line: Int) throws -> Int {
            guard let v = r[c], let i = Int(v) else {
                throw OMOPError(.format, "\(path):\(line): \(c) is '\(r[c] ?? "")', not an integer", fix: "check the file is Athena's tab-separated format")
            }
            return i
        }
        func opt(_ s: String?) -> String? { (s?.isEmpty ?? true) ? nil : s }
        try read(conceptPath, required: ["concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id", "concept_code"]) { r, line in
            try writer.add(Concept(conceptID: try int(r, "concept_id", conceptPath, line), conceptName: r["concept_name"] ?? "",
                                   domainID: r["domain_id"] ?? "", vocabularyID: r["vocabulary_id"] ?? "",
                                   conceptClassID: r["concept_class_id"] ?? "", standardConcept: opt(r["standard_concept"]),
                                   conceptCode: r["concept_code"] ?? "", validStartDate: r["valid_start_date"] ?? "",
                                   validEndDate: r["valid_end_date"] ?? "", invalidReason: opt(r["invalid_reason"])))
        }
        if let p = file("CONCEPT_SYNONYM.csv") {
            try read(p, required: ["concept_id", "concept_synonym_name"]) { r, line in
                try writer.addSynonym(conceptID: try int(r, "concept_id", p, line), name: r["concept_synonym_name"] ?? "",
                                      languageConceptID: Int(r["language_concept_id"] ?? "") ?? 0)
            }
        }
        if let p = file("CONCEPT_RELATIONSHIP.csv") {
            try read(p, required: ["concept_id_1", "concept_id_2", "relationship_id"]) { r, line in
                guard relationshipsUsed.contains(r["relationship_id"] ?? "") else { return }
                try writer.addRelationship(try int(r, "concept_id_1", p, line), try int(r, "concept_id_2", p, line),
                                           relationshipID: r["relationship_id"] ?? "", validStartDate: r["valid_start_date"] ?? "",
                                           validEndDate: r["valid_end_date"] ?? "", invalidReason: opt(r["invalid_reason"]))
            }
        }
        for table in VocabularyTable.allCases {
            guard let p = file(table.rawValue + ".csv") else { continue }
            try read(p, required: [table.columns[0]]) { r, _ in
                try writer.add(table, cells: table.columns.map { r[$0] ?? "" })
            }
        }
        return counts
    }

    /// Reads the Koios extracts in `directory`. They hold concept_id, concept_name and one synonym per row, not full
    /// CONCEPT rows: a concept not already loaded (from Athena) is added with the values the OMOP Genomic vocabulary
    /// gives all its concepts (domain Measurement, standard, class from the file: `Gene DNA Variant` for
    /// koios_concepts, the row's class for koios_concepts_ext, `Gene Variant` for fusions), its concept_code
    /// marked `koios:<id>` because the extracts carry none.
    public static func loadKoios(directory: String, into writer: any VocabularyWriter,
                                 progress: (String) -> Void = { _ in }) throws -> Counts {
        var counts: Counts = []
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            .filter { $0.hasPrefix("koios_concepts") && ($0.hasSuffix(".csv") || $0.hasSuffix(".csv.gz")) }
        guard !files.isEmpty else {
            throw OMOPError(.io, "\(directory) has no koios_concepts*.csv(.gz) files", fix: "point to the folder holding the Koios extracts")
        }
        let english = 4_180_186
        for name in files {
            let path = (directory as NSString).appendingPathComponent(name)
            let reader = try DelimitedReader(path: path, delimiter: ",", quoted: true)
            var n = 0
            try reader.records { r, line in
                guard let id = Int(r["concept_id"] ?? ""), let synonym = r["concept_synonym_name"], !synonym.isEmpty else {
                    throw OMOPError(.format, "\(path):\(line): no concept_id or concept_synonym_name",
                                    fix: "use the Koios extract columns concept_id,concept_name,concept_synonym_name,ver|concept_class_id")
                }
                let cls = name.hasPrefix("koios_concepts_ext") ? (r["concept_class_id"] ?? "Gene RNA Variant")
                    : name.hasPrefix("koios_concepts_fusion") ? "Gene Variant" : "Gene DNA Variant"
                try writer.addIfAbsent(Concept(conceptID: id, conceptName: r["concept_name"] ?? "", domainID: "Measurement",
                                               vocabularyID: "OMOP Genomic", conceptClassID: cls, standardConcept: "S",
                                               conceptCode: "koios:\(id)", validStartDate: "20240216", validEndDate: "20991231",
                                               invalidReason: nil))
                try writer.addSynonym(conceptID: id, name: synonym, languageConceptID: english)
                n += 1
                if n % 100_000 == 0 { progress("\(name): \(n) rows") }
            }
            counts.append((name, n))
        }
        return counts
    }
}
