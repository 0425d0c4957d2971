internal import Foundation
internal import PostgresNIO
internal import Logging

/// `varde cohort import NAME --from-cdm URL`: a clinical cohort chosen in the hospital's CDM, as the people of the
/// store it names (through `varde omop link`): an ATLAS-generated cohort read from a COHORT table, or Varde's own
/// criterion, the first condition occurrence of a concept set (with CONCEPT_ANCESTOR descendants) inside an
/// observation period, on or after a date, as Circe's primary criterion with its default observation window.
public enum CDMCohortImport {
    public enum Source: Sendable {
        /// `schema.table` holding COHORT rows, and the definition to read.
        case cohortTable(String, definitionID: Int)
        case condition(conceptIDs: [Int64], descendants: Bool, since: String?)
        /// ICD-O-3 codes (`8140/3-C34.1`, histology/behaviour-site as the ICDO3 vocabulary writes them).
        case icdo3(codes: [String], descendants: Bool, since: String?)

        var description: String {
            switch self {
            case let .cohortTable(t, id): "cohort \(id) of \(t)"
            case let .condition(ids, d, since):
                "first condition in \(ids.map(String.init).joined(separator: ","))\(d ? " or a descendant" : "")\(since.map { " since \($0)" } ?? "") inside an observation period"
            case let .icdo3(codes, d, since):
                "first condition coded ICD-O-3 \(codes.joined(separator: ","))\(d ? " (or a descendant of its standard concept)" : "")\(since.map { " since \($0)" } ?? "") inside an observation period"
            }
        }
    }

    public struct Result: Sendable {
        /// Persons the CDM puts in the cohort, with their index date (the first qualifying date).
        public var persons: [Int64: String]
        /// Of those, the linked ones: pseudonym → index date.
        public var linked: [String: String]
        public var definition: String
    }

    static func checkDate(_ since: String?) throws(OMOPError) {
        // Exactly a date: it goes into the SQL.
        if let since, since.count != 10 || !FieldChecks.isDate(since) {
            throw OMOPError(.invalidInput, "--since '\(since)' is not a date (YYYY-MM-DD)")
        }
    }

    /// A treatment the cohort's people must have begun: an EPISODE of `concept` (32531 Treatment Regimen, 32941
    /// Cancer Drug Treatment, …), optionally of these objects, starting 0 to `withinDays` days after the index date.
    public struct Treatment: Sendable {
        public var concept: Int64
        public var objects: [Int64]
        public var withinDays: Int
        public init(concept: Int64, objects: [Int64], withinDays: Int) {
            self.concept = concept
            self.objects = objects
            self.withinDays = withinDays
        }
    }

    public static func select(_ source: Source, treatment: Treatment? = nil, url: String, cdm: String, linkSchema: String) async throws -> Result {
        try PostgresCDM.checkSchemaNames(cdm, linkSchema)
        var sql: String
        switch source {
        case let .cohortTable(table, id):
            guard table.range(of: "^[a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*$", options: .regularExpression) != nil else {
                throw OMOPError(.invalidInput, "--cohort-table '\(table)' is not SCHEMA.TABLE in lower case", fix: "write e.g. results.cohort")
            }
            sql = "SELECT subject_id::text, min(cohort_start_date)::text FROM \(table) WHERE cohort_definition_id = \(id) GROUP BY subject_id"
        case let .icdo3(codes, descendants, since):
            guard !codes.isEmpty, codes.allSatisfy({ $0.range(of: "^[0-9]{4}/[0-9](-(C[0-9]{2}(\\.[0-9])?|NULL))?$", options: .regularExpression) != nil }) else {
                throw OMOPError(.invalidInput, "--icdo3 takes ICD-O-3 codes as histology/behaviour-site, e.g. 8140/3-C34.1 (or 8140/3 for the histology alone)")
            }
            try checkDate(since)
            // The ICDO3 concepts of those codes; a row matches by its source concept when it has one, else by its
            // concept, which may be the ICD-O-3 concept itself or (following Maps to) the standard concept it maps to.
            let list = codes.map { "'\($0)'" }.joined(separator: ",")
            let icdo = "SELECT concept_id FROM \(cdm).concept WHERE vocabulary_id = 'ICDO3' AND (concept_code IN (\(list)) OR split_part(concept_code, '-', 1) IN (\(list)))"
            let mapped = "SELECT concept_id_2 FROM \(cdm).concept_relationship WHERE relationship_id = 'Maps to' AND invalid_reason IS NULL AND concept_id_1 IN (\(icdo))"
            let targets = descendants
                ? "SELECT descendant_concept_id FROM \(cdm).concept_ancestor WHERE ancestor_concept_id IN (\(icdo) UNION \(mapped)) UNION \(icdo) UNION \(mapped)"
                : "\(icdo) UNION \(mapped)"
            sql = """
                SELECT co.person_id::text, min(co.condition_start_date)::text
                FROM \(cdm).condition_occurrence co
                JOIN \(cdm).observation_period op ON op.person_id = co.person_id
                 AND co.condition_start_date BETWEEN op.observation_period_start_date AND op.observation_period_end_date
                WHERE (co.condition_source_concept_id IN (\(icdo))
                       OR (coalesce(co.condition_source_concept_id, 0) = 0 AND co.condition_concept_id IN (\(targets))))
                \(since.map { "AND co.condition_start_date >= DATE '\($0)'" } ?? "")
                GROUP BY co.person_id
                """
        case let .condition(ids, descendants, since):
            guard !ids.isEmpty else { throw OMOPError(.invalidInput, "--condition needs at least one concept id") }
            try checkDate(since)
            let list = ids.map(String.init).joined(separator: ",")
            let codes = descendants
                ? "SELECT descendant_concept_id AS c FROM \(cdm).concept_ancestor WHERE ancestor_concept_id IN (\(list)) UNION SELECT unnest(ARRAY[\(list)]::bigint[])"
                : "SELECT unnest(ARRAY[\(list)]::bigint[]) AS c"
            sql = """
                WITH codes AS (\(codes))
                SELECT co.person_id::text, min(co.condition_start_date)::text
                FROM \(cdm).condition_occurrence co
                JOIN codes ON co.condition_concept_id = codes.c
                JOIN \(cdm).observation_period op ON op.person_id = co.person_id
                 AND co.condition_start_date BETWEEN op.observation_period_start_date AND op.observation_period_end_date
                \(since.map { "WHERE co.condition_start_date >= DATE '\($0)'" } ?? "")
                GROUP BY co.person_id
                """
        }
        if let t = treatment {
            guard (0...36_500).contains(t.withinDays) else { throw OMOPError(.invalidInput, "--within \(t.withinDays) is not 0 to 36500 days") }
            if case .cohortTable = source { throw OMOPError(.invalidInput, "--episode narrows --condition or --icdo3, not an ATLAS cohort table") }
            let objects = t.objects.isEmpty ? "" : " AND e.episode_object_concept_id IN (\(t.objects.map(String.init).joined(separator: ",")))"
            sql = """
                WITH firsts(person_id, index_date) AS (\(sql))
                SELECT f.person_id, f.index_date FROM firsts f
                WHERE EXISTS (SELECT 1 FROM \(cdm).episode e WHERE e.person_id = f.person_id::bigint AND e.episode_concept_id = \(t.concept)\(objects)
                              AND e.episode_start_date BETWEEN f.index_date::date AND f.index_date::date + \(t.withinDays))
                """
        }
        let logger = Logger(label: "varde.omop.cohort")
        let c = try await PostgresCDM.connect(url)
        func rows(_ q: String) async throws -> [(String?, String?)] {
            try await PostgresCDM.textRows(c, q, logger: logger).map { ($0.first ?? nil, $0.count > 1 ? $0[1] : nil) }
        }
        do {
            var persons: [Int64: String] = [:]
            for (id, date) in try await rows(sql) { if let id = id.flatMap({ Int64($0) }), let date { persons[id] = date } }
            var linked: [String: String] = [:]
            for (pseudonym, id) in try await rows("SELECT pseudonym, person_id::text FROM \(linkSchema).person_link WHERE cdm_schema = '\(cdm)' AND status = 'linked'") {
                if let pseudonym, let id = id.flatMap({ Int64($0) }), let date = persons[id] { linked[pseudonym] = date }
            }
            try await c.close()
            let also = treatment.map { t in "; with an episode \(t.concept)\(t.objects.isEmpty ? "" : " of \(t.objects.map(String.init).joined(separator: ","))") starting within \(t.withinDays) days" } ?? ""
            return Result(persons: persons, linked: linked, definition: "from the CDM \(cdm): \(source.description)\(also)")
        } catch {
            try? await c.close()
            throw error
        }
    }
}
