internal import Foundation
public import VariantCore
public import VariantStore

/// What happens to variants no concept maps (spec §6 rule 8).
public enum UnmappedPolicy: String, Sendable, CaseIterable {
    /// Not in MEASUREMENT; counted in the mapping report (default).
    case skip
    /// In MEASUREMENT with measurement_concept_id 0 and the HGVSg as measurement_source_value.
    case zero
}

public struct ExportOptions: Sendable {
    public var outDirectory: String
    public var gcdm = false
    public var unmapped = UnmappedPolicy.skip
    /// Genetic origin, zygosity and VAF rows linked to each variant row (spec §6 rule 10).
    public var modifiers = true
    public var choices = ConceptChoices()
    public var stripVersions = false
    /// Only variants whose every record said PASS (or `.`) (spec §6 rule 3).
    public var passOnly = false
    public var sourceName = "Varde national variant store"
    public var sourceAbbreviation = "Varde"
    public var holder = "Varde"
    /// year_of_birth for people whose manifest gave none (CDM requires one); `nil`: such people are left out.
    public var defaultBirthYear: Int? = nil

    public init(outDirectory: String) { self.outDirectory = outDirectory }
}

public struct ExportSummary: Sendable {
    public var rows: [(table: String, rows: Int)]
    public var report: MappingReport
    public var peopleWithoutBirthYear: Int
    public var seconds: Double
}

/// Writes the store's samples and mapped variants as CDM 5.4 CSV files (one per table, header row), the vocabulary
/// rows for every concept used, and `mapping_report.tsv`. IDs come from the store's own keys and a fixed walk order,
/// so exporting the same store twice gives the same IDs.
public final class CDMExporter {
    let store: any CarrierScan & VocabularyStore
    let resolver: any ConceptResolver
    let mapper: ConceptMapper
    let spec: CDMSpec
    let options: ExportOptions
    /// The transcript-level CSQ/ANN annotations of a variant, for the fallback rules; none by default.
    public var transcripts: (VariantID) throws -> [TranscriptHGVS] = { _ in [] }

    private var used = Set<Int>()
    private var writers: [String: CSVWriter] = [:]

    public init(store: any CarrierScan & VocabularyStore, assembly: Assembly, reference: ((_ contig: String) -> GenomicHGVS.Reference?)?, spec: CDMSpec,
                options: ExportOptions, unversionedSynonyms: [String: [Int]] = [:]) {
        self.store = store
        self.resolver = StoreConceptResolver(store: store)
        self.mapper = ConceptMapper(resolver: resolver, assembly: assembly, reference: reference, stripVersions: options.stripVersions,
                                    unversionedSynonyms: unversionedSynonyms)
        self.spec = spec
        self.options = options
    }

    private func open(_ table: String) throws -> CSVWriter {
        guard let t = spec.table(table) else { throw OMOPError(.invalidInput, "no table \(table) in the CDM specification") }
        let w = try CSVWriter(path: (options.outDirectory as NSString).appendingPathComponent("\(table).csv"), columns: t.columns)
        writers[table] = w
        return w
    }

    /// One row by column name; columns not named are NULL.
    private func write(_ table: String, _ values: [String: String?]) {
        guard let w = writers[table] else { return }
        w.write(w.columns.map { values[$0] ?? nil })
    }

    private func c(_ id: Int) -> String { used.insert(id); return String(id) }
    private func optionalConcept(_ id: Int?) -> String? { id.map { c($0) } }
    private static func truncate(_ s: String?, _ n: Int) -> String? { s.map { $0.count > n ? String($0.prefix(n)) : $0 } }

    /// `YYYY-MM-DD` from an ISO 8601 date or timestamp; `nil` when it is not one.
    static func date(_ s: String?) -> String? {
        guard let s, s.count >= 10 else { return nil }
        let d = String(s.prefix(10))
        let parts = d.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts.allSatisfy({ $0.allSatisfy(\.isNumber) }) else { return nil }
        return d
    }

    public func run(progress: (String) -> Void = { _ in }) throws -> ExportSummary {
        let clock = ContinuousClock()
        let started = clock.now
        let counts = try store.vocabularyCounts()
        guard counts["CONCEPT", default: 0] > 0 else {
            throw OMOPError(.noVocabulary, "the store has no OMOP vocabulary", fix: "load one first: varde vocab load --store STORE ATHENA_DIR [--koios DIR]")
        }
        let k = try ResolvedChoices(options.choices, resolver: resolver)
        try FileManager.default.createDirectory(atPath: options.outDirectory, withIntermediateDirectories: true)
        var tables = ["person", "observation_period", "care_site", "specimen", "procedure_occurrence", "measurement", "condition_occurrence",
                      "episode", "episode_event", "cdm_source"]
        if options.gcdm { tables += ["genomic_test", "target_gene", "variant_occurrence", "variant_annotation"] }
        for t in tables { _ = try open(t) }
        defer { for w in writers.values { w.close() } }

        // People and specimens.
        let samples = try store.sampleDetails()
        var birthYear: [Int: Int] = [:]
        var skippedPeople = Set<Int>()
        for s in samples {
            if let y = s.birthYear ?? options.defaultBirthYear { birthYear[s.personID] = y } else { skippedPeople.insert(s.personID) }
        }
        skippedPeople.subtract(birthYear.keys)
        let exported = samples.filter { birthYear[$0.personID] != nil }
        let byOrdinal = Dictionary(exported.map { ($0.ordinal, $0) }, uniquingKeysWith: { a, _ in a })
        func specimenDate(_ s: SampleDetail) -> String { Self.date(s.collectionDate) ?? Self.date(s.loadedAt) ?? "1970-01-01" }
        var firstDate: [Int: String] = [:], lastDate: [Int: String] = [:]
        func event(_ person: Int, _ d: String) {
            if firstDate[person].map({ d < $0 }) ?? true { firstDate[person] = d }
            if lastDate[person].map({ d > $0 }) ?? true { lastDate[person] = d }
        }
        let careSites = Array(Set(exported.compactMap(\.careSite))).sorted()
        let careSiteID = Dictionary(uniqueKeysWithValues: careSites.enumerated().map { ($1, $0 + 1) })
        for (name, id) in careSiteID.sorted(by: { $0.value < $1.value }) {
            write("care_site", ["care_site_id": String(id), "care_site_name": Self.truncate(name, 255), "care_site_source_value": Self.truncate(name, 50)])
        }
        let unknownSite = careSites.count + 1
        if options.gcdm { write("care_site", ["care_site_id": String(unknownSite), "care_site_name": "not recorded"]) }

        var sexOf: [Int: String] = [:]
        for s in exported {
            if let sex = s.sex, sexOf[s.personID] == nil { sexOf[s.personID] = sex }
            let d = specimenDate(s)
            event(s.personID, d)
            let id = String(Int(s.ordinal) + 1)
            write("specimen", ["specimen_id": id, "person_id": String(s.personID),
                               "specimen_concept_id": c(s.role == .tumour ? k.tumourSpecimen : k.normalSpecimen),
                               "specimen_type_concept_id": c(k.recordType), "specimen_date": d,
                               "specimen_source_id": Self.truncate(s.name, 50), "specimen_source_value": Self.truncate(s.name, 50),
                               "disease_status_source_value": s.role.rawValue])
            write("procedure_occurrence", ["procedure_occurrence_id": id, "person_id": String(s.personID),
                                           "procedure_concept_id": c(k.sequencingProcedure), "procedure_date": d,
                                           "procedure_type_concept_id": c(k.recordType),
                                           "procedure_source_value": Self.truncate(s.assay ?? "sequencing", 50)])
        }

        // Diagnoses: one CONDITION_OCCURRENCE and one 'Disease First Occurrence' EPISODE per person and code.
        var episodesOf: [Int: [Int]] = [:]
        var conditionID = 0
        var diagnoses: [(person: Int, code: String, date: String)] = []
        for s in exported {
            guard let code = s.diagnosis?.trimmingCharacters(in: .whitespaces), !code.isEmpty else { continue }
            let d = Self.date(s.diagnosisDate) ?? specimenDate(s)
            if let i = diagnoses.firstIndex(where: { $0.person == s.personID && $0.code == code }) {
                if d < diagnoses[i].date { diagnoses[i].date = d }
            } else {
                diagnoses.append((s.personID, code, d))
            }
        }
        diagnoses.sort { ($0.person, $0.code) < ($1.person, $1.code) }
        for dx in diagnoses {
            conditionID += 1
            event(dx.person, dx.date)
            var source: Concept?
            for v in options.choices.diagnosisVocabularies {
                if let found = try resolver.concepts(vocabularyID: v, code: dx.code).first { source = found; break }
            }
            let standard = try source.flatMap { try resolver.mapsTo($0.conceptID) }
            let conditionConcept = standard?.domainID == "Condition" ? standard!.conceptID : 0
            write("condition_occurrence", ["condition_occurrence_id": String(conditionID), "person_id": String(dx.person),
                                           "condition_concept_id": c(conditionConcept), "condition_start_date": dx.date,
                                           "condition_type_concept_id": c(k.recordType), "condition_source_value": Self.truncate(dx.code, 50),
                                           "condition_source_concept_id": c(source?.conceptID ?? 0)])
            write("episode", ["episode_id": String(conditionID), "person_id": String(dx.person), "episode_concept_id": c(k.diseaseFirstOccurrence),
                              "episode_start_date": dx.date, "episode_object_concept_id": c(conditionConcept),
                              "episode_type_concept_id": c(k.recordType), "episode_source_value": Self.truncate(dx.code, 50)])
            write("episode_event", ["episode_id": String(conditionID), "event_id": String(conditionID),
                                    "episode_event_field_concept_id": c(k.conditionField)])
            episodesOf[dx.person, default: []].append(conditionID)
        }

        // Variants: one MEASUREMENT per carrier sample of each mapped variant, with its modifier rows.
        var report = MappingReport()
        var measurementID = 0, occurrenceID = 0, annotationID = 0
        var normalOf: [Int: UInt32] = [:]  // person -> a normal sample, the tumour's reference specimen
        for s in exported where s.role == .normal { normalOf[s.personID] = normalOf[s.personID] ?? s.ordinal }
        var variantsSeen = 0
        // MEASUREMENT is the big table: its rows are written by position, not by column name.
        let measurementWriter = writers["measurement"]!
        let positions = ["measurement_id", "person_id", "measurement_concept_id", "measurement_date", "measurement_type_concept_id",
                         "value_as_number", "value_as_concept_id", "measurement_source_value", "measurement_source_concept_id",
                         "measurement_event_id", "meas_event_field_concept_id"].map { measurementWriter.columns.firstIndex(of: $0)! }
        let recordType = c(k.recordType), variantValue = optionalConcept(k.variantValue)
        let procedureField = c(k.procedureField), measurementField = c(k.measurementField)
        var row = [String?](repeating: nil, count: measurementWriter.columns.count)
        func measurement(_ id: Int, person: Int, concept: String, date: String, numberValue: String?, conceptValue: String?,
                         sourceValue: String?, sourceConcept: String?, event: String, eventField: String) {
            let values: [String?] = [String(id), String(person), concept, date, recordType, numberValue, conceptValue, sourceValue,
                                     sourceConcept, event, eventField]
            for (i, p) in positions.enumerated() { row[p] = values[i] }
            measurementWriter.write(row)
        }
        // Each variant is mapped before its carriers are decoded: one that maps to nothing, under --unmapped skip and
        // without G-CDM, only adds its carrier count to the report (the store counts them against a bit mask).
        var mapped: (hgvsg: String?, match: ConceptMatch?, transcripts: [TranscriptHGVS])?
        try store.forEachVariantCarriers(eligible: Set(byOrdinal.keys), wanted: { v, eligibleCarriers in
            mapped = nil
            guard !options.passOnly || v.filters == nil else { return false }
            variantsSeen += 1
            if variantsSeen % 100_000 == 0 { progress("\(variantsSeen) variants, \(report.measurementRows) measurement rows") }
            let hgvsg = mapper.hgvsg(contig: v.contig, position: v.position, ref: v.ref, alt: v.alt)
            // DNA level first; the stored annotations are read only when needed (fallback rules, G-CDM columns).
            var match = try mapper.map(hgvsg: hgvsg)
            var transcripts: [TranscriptHGVS] = []
            if match == nil || options.gcdm {
                transcripts = try self.transcripts(v.variantID)
                if match == nil { match = try mapper.map(hgvsg: nil, transcripts: transcripts) }
            }
            report.count(kind: v.kind, match: match, hadHGVSg: hgvsg != nil, genes: v.genes)
            if match == nil && !options.gcdm && options.unmapped == .skip {
                report.unmappedCarriers += eligibleCarriers
                return false
            }
            mapped = (hgvsg, match, transcripts)
            return true
        }) { v in
            guard let (hgvsg, match, transcripts) = mapped else { return }
            let carriers = v.carriers.filter { byOrdinal[$0.ordinal] != nil }
            let sourceValue = Self.truncate(hgvsg ?? "\(v.contig)-\(v.position)-\(v.ref)-\(v.alt)", 50)
            for carrier in carriers {
                let s = byOrdinal[carrier.ordinal]!
                let specimen = String(Int(s.ordinal) + 1)
                let d = specimenDate(s)
                if options.gcdm {
                    occurrenceID += 1
                    let origin = s.role == .tumour ? "somatic" : "germline"
                    let genotype = carrier.zygosity == .het ? "heterozygous" : carrier.zygosity == .homAlt ? "homozygous" : "hemizygous"
                    let first = transcripts.first
                    write("variant_occurrence", [
                        "variant_occurrence_id": String(occurrenceID), "procedure_occurrence_id": specimen, "specimen_id": specimen,
                        "reference_specimen_id": s.role == .tumour ? normalOf[s.personID].map { String(Int($0) + 1) } : nil,
                        "target_gene1_symbol": Self.truncate(first?.gene, 255), "rs_id": Self.truncate(v.rsid, 50),
                        "reference_allele": Self.truncate(v.ref, 255), "alternate_allele": Self.truncate(v.alt, 255),
                        "hgvs_c": first?.hgvsc, "hgvs_p": first?.hgvsp, "variant_read_depth": carrier.depth.map(String.init),
                        "sequence_alteration": v.kind, "genetic_origin": origin, "genotype": genotype])
                    var eav: [(String, String?, String?)] = [("hgvsg", hgvsg, nil), ("variant_id", "\(v.contig)-\(v.position)-\(v.ref)-\(v.alt)", nil),
                                                             ("omop_concept_id", match.map { String($0.concept.conceptID) }, nil),
                                                             ("mapping_rule", match?.rule.rawValue, nil)]
                    if let vaf = carrier.vaf { eav.append(("variant_allele_fraction", nil, Self.number(vaf))) }
                    for (field, str, num) in eav where str != nil || num != nil {
                        annotationID += 1
                        write("variant_annotation", ["variant_annotation_id": String(annotationID), "variant_occurrence_id": String(occurrenceID),
                                                     "annotation_field": field, "value_as_string": str, "value_as_number": num])
                    }
                }
                if match == nil { report.unmappedCarriers += 1 }
                guard match != nil || options.unmapped == .zero else { continue }
                measurementID += 1
                report.measurementRows += 1
                let variantRow = measurementID
                let conceptID = match?.concept.conceptID ?? 0
                let conceptText = c(conceptID)
                measurement(variantRow, person: s.personID, concept: conceptText, date: d, numberValue: nil,
                            conceptValue: variantValue, sourceValue: sourceValue, sourceConcept: conceptText, event: specimen,
                            eventField: procedureField)
                if s.role == .tumour {
                    for episode in episodesOf[s.personID] ?? [] {
                        write("episode_event", ["episode_id": String(episode), "event_id": String(variantRow),
                                                "episode_event_field_concept_id": measurementField])
                    }
                }
                guard options.modifiers else { continue }
                var modifiers: [(Int, Int?, String?)] = [
                    (k.geneticOrigin, s.role == .tumour ? k.somatic : k.germline, nil),
                    (k.allelicState, carrier.zygosity == .het ? k.heterozygous : carrier.zygosity == .homAlt ? k.homozygous : k.hemizygous, nil),
                ]
                if let vaf = carrier.vaf { modifiers.append((k.vaf, nil, Self.number(vaf))) }
                for (question, answer, number) in modifiers {
                    measurementID += 1
                    measurement(measurementID, person: s.personID, concept: c(question), date: d, numberValue: number,
                                conceptValue: optionalConcept(answer), sourceValue: nil, sourceConcept: nil, event: String(variantRow),
                                eventField: measurementField)
                }
            }
        }

        // People, observation periods, G-CDM tests.
        for person in Set(exported.map(\.personID)).sorted() {
            let sex = sexOf[person]?.lowercased()
            let gender = ["m", "male"].contains(sex ?? "") ? k.male : ["f", "female"].contains(sex ?? "") ? k.female : 0
            let pseudonym = exported.first { $0.personID == person }?.pseudonym
            write("person", ["person_id": String(person), "gender_concept_id": c(gender), "year_of_birth": String(birthYear[person]!),
                             "race_concept_id": c(0), "ethnicity_concept_id": c(0), "person_source_value": Self.truncate(pseudonym, 50),
                             "gender_source_value": Self.truncate(sexOf[person], 50)])
            let start = max(firstDate[person] ?? "1970-01-01", "\(birthYear[person]!)-01-01")
            write("observation_period", ["observation_period_id": String(person), "person_id": String(person),
                                         "observation_period_start_date": start,
                                         "observation_period_end_date": max(lastDate[person] ?? start, start),
                                         "period_type_concept_id": c(k.recordType)])
        }
        if options.gcdm {
            var seen = Set<Int>()
            for s in exported where seen.insert(s.batch).inserted {
                write("genomic_test", ["genomic_test_id": String(s.batch), "care_site_id": String(s.careSite.flatMap { careSiteID[$0] } ?? unknownSite),
                                       "genomic_test_name": Self.truncate(s.assay, 255), "reference_genome": mapper.assembly.rawValue])
            }
        }
        // Occurrence specimens reference procedures by the same id (one sequencing procedure per specimen).

        // CDM_SOURCE and the vocabulary rows for every concept used.
        let vocabularies = try store.rows(of: .vocabulary)
        let vocabularyVersion = vocabularies.first { $0.first == "None" }.flatMap { $0.count > 3 ? $0[3] : nil } ?? "unknown"
        let today = Self.date(ISO8601DateFormatter().string(from: Date())) ?? "2000-01-01"
        write("cdm_source", ["cdm_source_name": options.sourceName, "cdm_source_abbreviation": Self.truncate(options.sourceAbbreviation, 25),
                             "cdm_holder": options.holder, "source_description": "Variants of the Varde store mapped to OMOP Genomic",
                             "source_release_date": today, "cdm_release_date": today, "cdm_version": "5.4",
                             "cdm_version_concept_id": c(k.cdmVersion), "vocabulary_version": Self.truncate(vocabularyVersion, 20)])
        try writeVocabulary()
        for w in writers.values { w.close() }
        let reportPath = (options.outDirectory as NSString).appendingPathComponent("mapping_report.tsv")
        try report.text().write(toFile: reportPath, atomically: true, encoding: .utf8)
        let order = tables + ["concept", "vocabulary", "domain", "concept_class", "concept_synonym"]
        let elapsed = started.duration(to: clock.now)
        return ExportSummary(rows: order.compactMap { t in writers[t].map { (t, $0.rows) } }, report: report,
                             peopleWithoutBirthYear: skippedPeople.count,
                             seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    static func number(_ x: Double) -> String {
        let r = (x * 10_000).rounded() / 10_000
        return String(r)
    }

    /// CONCEPT rows for every concept used, and the VOCABULARY, DOMAIN and CONCEPT_CLASS rows (with their own concepts)
    /// they reference, to a fixed point, so that every foreign key of the export resolves.
    private func writeVocabulary() throws {
        for t in ["concept", "vocabulary", "domain", "concept_class", "concept_synonym"] { _ = try open(t) }
        let vocabRows = Dictionary(try store.rows(of: .vocabulary).map { ($0[0], $0) }, uniquingKeysWith: { a, _ in a })
        let domainRows = Dictionary(try store.rows(of: .domain).map { ($0[0], $0) }, uniquingKeysWith: { a, _ in a })
        let classRows = Dictionary(try store.rows(of: .conceptClass).map { ($0[0], $0) }, uniquingKeysWith: { a, _ in a })
        var concepts: [Int: Concept] = [:]
        var vocabs = Set<String>(), domains = Set<String>(), classes = Set<String>()
        var pending = used
        var synonymRows: [(Int, String, Int)] = []
        var missing: [String] = []
        while let id = pending.popFirst() {
            guard concepts[id] == nil else { continue }
            guard let concept = try resolver.concept(id: id) else { missing.append(String(id)); continue }
            concepts[id] = concept
            if concept.vocabularyID == "OMOP Genomic" && concept.domainID == "Measurement" {
                for s in try store.synonyms(of: id) {
                    synonymRows.append((id, s.name, s.languageConceptID))
                    if concepts[s.languageConceptID] == nil { pending.insert(s.languageConceptID) }
                }
            }
            func need(_ row: [String]?, _ index: Int, _ what: String, _ key: String) {
                guard let row else { missing.append("\(what) \(key)"); return }
                if index < row.count, let cid = Int(row[index]), concepts[cid] == nil { pending.insert(cid) }
            }
            if vocabs.insert(concept.vocabularyID).inserted { need(vocabRows[concept.vocabularyID], 4, "VOCABULARY", concept.vocabularyID) }
            if domains.insert(concept.domainID).inserted { need(domainRows[concept.domainID], 2, "DOMAIN", concept.domainID) }
            if classes.insert(concept.conceptClassID).inserted { need(classRows[concept.conceptClassID], 2, "CONCEPT_CLASS", concept.conceptClassID) }
        }
        guard missing.isEmpty else {
            throw OMOPError(.missingConcept, "the vocabulary lacks rows the export refers to: \(missing.sorted().prefix(10).joined(separator: ", "))",
                            fix: "load a complete Athena download (CONCEPT, VOCABULARY, DOMAIN, CONCEPT_CLASS) with varde vocab load")
        }
        for c in concepts.values.sorted(by: { $0.conceptID < $1.conceptID }) {
            write("concept", ["concept_id": String(c.conceptID), "concept_name": Self.truncate(c.conceptName, 255), "domain_id": c.domainID,
                              "vocabulary_id": c.vocabularyID, "concept_class_id": c.conceptClassID, "standard_concept": c.standardConcept,
                              "concept_code": c.conceptCode, "valid_start_date": Self.athenaDate(c.validStartDate),
                              "valid_end_date": Self.athenaDate(c.validEndDate), "invalid_reason": c.invalidReason])
        }
        for (table, rows, keys) in [("vocabulary", vocabRows, vocabs), ("domain", domainRows, domains), ("concept_class", classRows, classes)] {
            let columns = VocabularyTable.allCases.first { $0.rawValue.lowercased() == table }!.columns
            for key in keys.sorted() {
                guard let row = rows[key] else { continue }
                write(table, Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0 < row.count && !row[$0].isEmpty ? row[$0] : nil) }))
            }
        }
        for (id, name, language) in synonymRows.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            write("concept_synonym", ["concept_id": String(id), "concept_synonym_name": name, "language_concept_id": String(language)])
        }
    }

    /// Athena's `YYYYMMDD` as `YYYY-MM-DD`.
    static func athenaDate(_ s: String) -> String {
        if s.count == 8, s.allSatisfy(\.isNumber) {
            let a = Array(s)
            return String(a[0..<4]) + "-" + String(a[4..<6]) + "-" + String(a[6..<8])
        }
        return date(s) ?? s
    }
}
