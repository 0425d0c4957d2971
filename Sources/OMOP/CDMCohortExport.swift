internal import Foundation
internal import PostgresNIO
internal import Logging

/// `varde cohort export NAME --to-cdm URL`: a Varde cohort (e.g. "BRAF V600E carriers") as OMOP COHORT and
/// COHORT_DEFINITION rows in a results schema of the hospital's database, which ATLAS and every OHDSI tool read.
/// Subjects are the linked persons (`varde omop link`); a subject's start is the earliest collection date of its
/// member samples, and its end the end of the observation period covering that date (`point`: the start), as Circe
/// ends a cohort by default. A person with no linked id, no collection date, or a date outside every observation
/// period is counted, not written (ATLAS would not take such an entry event either). The definition's rows are
/// replaced as Circe replaces them (delete, then insert, one transaction), so a re-export is idempotent; an existing
/// definition id of another name is refused unless `replace`.
public enum CDMCohortExport {
    /// A member of the cohort: the person's pseudonym and the collection dates of their member samples.
    public struct Member: Sendable {
        public var pseudonym: String
        public var collectionDates: [String]
        public init(pseudonym: String, collectionDates: [String]) {
            self.pseudonym = pseudonym
            self.collectionDates = collectionDates
        }
    }

    public struct Report: Sendable, Equatable {
        public var people = 0, written = 0, unlinked = 0, undated = 0, outsideObservation = 0
        public var definitionType: Int64 = 0, subjectConcept: Int64 = 0
    }

    public static func export(name: String, definition: String, members: [Member], url: String, cdm: String, results: String, linkSchema: String,
                              definitionID: Int, point: Bool, replace: Bool) async throws -> Report {
        try PostgresCDM.checkSchemaNames(cdm, results, linkSchema)
        guard (1...Int(Int32.max)).contains(definitionID) else {
            throw OMOPError(.invalidInput, "--cohort-definition-id \(definitionID) is not a CDM integer id (1 to 2147483647)")
        }
        let logger = Logger(label: "varde.omop.cohort")
        let c = try await PostgresCDM.connect(url)
        func rows(_ sql: String) async throws -> [[String?]] { try await PostgresCDM.textRows(c, sql, logger: logger) }
        func run(_ sql: String) async throws { try await PostgresCDM.run(c, sql, logger: logger) }
        do {
            var report = Report()
            report.people = members.count
            // Links, and each linked person's observation periods.
            var personOf: [String: Int64] = [:]
            for r in try await rows("SELECT pseudonym, person_id::text FROM \(linkSchema).person_link WHERE cdm_schema = '\(cdm)' AND status = 'linked'") {
                if let p = r[0], let id = r[1].flatMap({ Int64($0) }) { personOf[p] = id }
            }
            var periodsOf: [Int64: [(start: String, end: String)]] = [:]
            for r in try await rows("SELECT person_id::text, observation_period_start_date::text, observation_period_end_date::text FROM \(cdm).observation_period WHERE person_id IN (SELECT person_id FROM \(linkSchema).person_link WHERE cdm_schema = '\(cdm)' AND status = 'linked')") {
                if let id = r[0].flatMap({ Int64($0) }), let s = r[1], let e = r[2] { periodsOf[id, default: []].append((s, e)) }
            }
            var subjects: [(Int64, String, String)] = []
            for m in members {
                guard let person = personOf[m.pseudonym] else { report.unlinked += 1; continue }
                guard let start = m.collectionDates.map({ String($0.prefix(10)) }).filter(FieldChecks.isDate).min() else { report.undated += 1; continue }
                guard let period = (periodsOf[person] ?? []).first(where: { $0.start <= start && start <= $0.end }) else { report.outsideObservation += 1; continue }
                subjects.append((person, start, point ? start : period.end))
            }
            // Concepts from the target vocabulary: a cohort definition made by a standard algorithm, of persons.
            report.definitionType = try await rows("SELECT concept_id::text FROM \(cdm).concept WHERE vocabulary_id = 'Type Concept' AND concept_name = 'Standard algorithm' AND invalid_reason IS NULL ORDER BY concept_id LIMIT 1")
                .first?[0].flatMap { Int64($0) } ?? 0
            report.subjectConcept = try await rows("SELECT domain_concept_id::text FROM \(cdm).domain WHERE domain_id = 'Person'").first?[0].flatMap { Int64($0) } ?? 0

            try await run("BEGIN")
            try await run("CREATE SCHEMA IF NOT EXISTS \(results)")
            try await run("CREATE TABLE IF NOT EXISTS \(results).cohort (cohort_definition_id integer NOT NULL, subject_id bigint NOT NULL, cohort_start_date date NOT NULL, cohort_end_date date NOT NULL)")
            try await run("""
                CREATE TABLE IF NOT EXISTS \(results).cohort_definition (cohort_definition_id integer NOT NULL PRIMARY KEY,
                    cohort_definition_name varchar(255) NOT NULL, cohort_definition_description text NULL,
                    definition_type_concept_id integer NOT NULL, cohort_definition_syntax text NULL,
                    subject_concept_id integer NOT NULL, cohort_initiation_date date NULL)
                """)
            try await run("LOCK TABLE \(results).cohort_definition IN EXCLUSIVE MODE")
            let existing = try await rows("SELECT cohort_definition_name FROM \(results).cohort_definition WHERE cohort_definition_id = \(definitionID)")
            if let other = existing.first?[0], other != name, !replace {
                try? await run("ROLLBACK")
                throw OMOPError(.invalidInput, "cohort definition \(definitionID) in \(results) is '\(other)', not '\(name)': nothing was written",
                                fix: "choose another --cohort-definition-id, or add --replace to overwrite that definition")
            }
            func text(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
            try await run("DELETE FROM \(results).cohort WHERE cohort_definition_id = \(definitionID)")
            try await run("DELETE FROM \(results).cohort_definition WHERE cohort_definition_id = \(definitionID)")
            try await run("""
                INSERT INTO \(results).cohort_definition VALUES (\(definitionID), \(text(String(name.prefix(255)))),
                    \(text("Varde cohort '\(name)': " + definition)), \(report.definitionType),
                    \(text("varde cohort \(name): \(definition)")), \(report.subjectConcept), current_date)
                """)
            for chunk in stride(from: 0, to: subjects.count, by: 500) {
                let values = subjects[chunk..<min(subjects.count, chunk + 500)].map { "(\(definitionID), \($0.0), '\($0.1)', '\($0.2)')" }
                try await run("INSERT INTO \(results).cohort VALUES " + values.joined(separator: ", "))
            }
            try await run("COMMIT")
            report.written = subjects.count
            try await c.close()
            return report
        } catch {
            try? await run("ROLLBACK")
            try? await c.close()
            throw error
        }
    }
}
