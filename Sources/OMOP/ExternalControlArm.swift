public import Foundation
internal import Crypto
internal import Logging
internal import PostgresNIO
internal import VariantCore

/// `varde eca export`: an external control arm extract from the hospital's CDM, emulating a target trial's
/// standard-of-care arm. The prespecified spec (JSON, its SHA-256 written into every output) names:
/// - eligibility: a condition concept set (with CONCEPT_ANCESTOR descendants), diagnosed inside an observation
///   period, optionally a biomarker (the people of a store cohort, e.g. `--carrying` a variant);
/// - index: the start of a standard-of-care treatment EPISODE (concept, objects) within `withinDays` of diagnosis;
/// - washout: at least `washoutDays` of observation before the index;
/// - outcome: death (DEATH); censoring at the end of the observation period covering the index or the cut-off
///   (`CDM_SOURCE.source_release_date`, or `--cutoff`), whichever comes first;
/// - covariates at index: age band (10 years, by year of birth), sex, days since diagnosis.
///
/// Two files: `patients.tsv` (a row number from a seeded shuffle, time in days, event 1/0, the covariates; no id,
/// pseudonym or date) and `attrition.tsv` (people left after each step, and the final arm by sex, counts below k
/// written `<k`). The same spec, CDM and seed give identical files.
public enum ExternalControlArm {
    public struct Spec: Decodable, Sendable {
        public struct Eligibility: Decodable, Sendable {
            public var conditions: [Int64]
            public var descendants: Bool?
            public var biomarkerCohort: String?
        }
        public struct Index: Decodable, Sendable {
            public var episode: Int64
            public var objects: [Int64]?
            public var withinDays: Int
        }
        public var name: String
        public var eligibility: Eligibility
        public var index: Index
        public var washoutDays: Int
        public var outcome: String
        public var covariates: [String]
    }

    public static let knownCovariates = ["age_band", "sex", "days_since_diagnosis"]

    public struct Extract: Sendable, Equatable {
        public var patients: String
        public var attrition: String
        public var specSHA256: String
    }

    /// Parses and checks the spec.
    public static func spec(_ data: Data, path: String) throws(OMOPError) -> Spec {
        let spec: Spec
        do { spec = try JSONDecoder().decode(Spec.self, from: data) } catch {
            throw OMOPError(.format, "\(path): not an external control arm spec: \(error)", fix: "see the README section 'External control arm' for the keys")
        }
        guard spec.outcome == "death" else { throw OMOPError(.invalidInput, "\(path): outcome '\(spec.outcome)' is not supported; the outcome is death") }
        if let bad = spec.covariates.first(where: { !knownCovariates.contains($0) }) {
            throw OMOPError(.invalidInput, "\(path): unknown covariate '\(bad)'", fix: "use \(knownCovariates.joined(separator: ", "))")
        }
        guard !spec.eligibility.conditions.isEmpty, (0...36_500).contains(spec.index.withinDays), (0...36_500).contains(spec.washoutDays) else {
            throw OMOPError(.invalidInput, "\(path): eligibility needs conditions; withinDays and washoutDays are 0 to 36500")
        }
        return spec
    }

    /// Runs the spec against the CDM. `biomarker`: the pseudonyms of the biomarker cohort's people, when the spec has one.
    public static func extract(spec: Spec, specData: Data, url: String, cdm: String, linkSchema: String, biomarker: Set<String>?,
                               cutoff: String?, seed: UInt64, k: Int) async throws -> Extract {
        try PostgresCDM.checkSchemaNames(cdm, linkSchema)
        let hash = SHA256.hash(data: specData).map { String(format: "%02x", $0) }.joined()
        let logger = Logger(label: "varde.omop.eca")
        let c = try await PostgresCDM.connect(url)
        func rows(_ sql: String) async throws -> [[String?]] { try await PostgresCDM.textRows(c, sql, logger: logger) }
        do {
            let ids = spec.eligibility.conditions.map(String.init).joined(separator: ",")
            let codes = spec.eligibility.descendants ?? false
                ? "SELECT descendant_concept_id FROM \(cdm).concept_ancestor WHERE ancestor_concept_id IN (\(ids)) UNION SELECT unnest(ARRAY[\(ids)]::bigint[])"
                : "SELECT unnest(ARRAY[\(ids)]::bigint[])"
            // Diagnosis: the first qualifying condition inside an observation period. Everything else is read for
            // the diagnosed people only (a hospital CDM holds millions of persons; an arm, hundreds).
            let diagnosed = """
                SELECT co.person_id, min(co.condition_start_date) AS dx FROM \(cdm).condition_occurrence co
                JOIN \(cdm).observation_period op ON op.person_id = co.person_id
                 AND co.condition_start_date BETWEEN op.observation_period_start_date AND op.observation_period_end_date
                WHERE co.condition_concept_id IN (\(codes)) GROUP BY co.person_id
                """
            let only = "person_id IN (SELECT person_id FROM (\(diagnosed)) d)"
            var diagnosis: [Int64: String] = [:]
            for r in try await rows("SELECT person_id::text, dx::text FROM (\(diagnosed)) d") {
                if let p = r[0].flatMap({ Int64($0) }), let d = r[1] { diagnosis[p] = d }
            }
            var episodes: [Int64: [String]] = [:]
            let objects = (spec.index.objects ?? []).isEmpty ? "" : " AND episode_object_concept_id IN (\(spec.index.objects!.map(String.init).joined(separator: ",")))"
            for r in try await rows("SELECT person_id::text, episode_start_date::text FROM \(cdm).episode WHERE episode_concept_id = \(spec.index.episode)\(objects) AND \(only)") {
                if let p = r[0].flatMap({ Int64($0) }), let d = r[1] { episodes[p, default: []].append(d) }
            }
            var periods: [Int64: [(String, String)]] = [:]
            for r in try await rows("SELECT person_id::text, observation_period_start_date::text, observation_period_end_date::text FROM \(cdm).observation_period WHERE \(only)") {
                if let p = r[0].flatMap({ Int64($0) }), let s = r[1], let e = r[2] { periods[p, default: []].append((s, e)) }
            }
            var death: [Int64: String] = [:]
            for r in try await rows("SELECT person_id::text, min(death_date)::text FROM \(cdm).death WHERE \(only) GROUP BY person_id") {
                if let p = r[0].flatMap({ Int64($0) }), let d = r[1] { death[p] = d }
            }
            var people: [Int64: (sex: String, yob: Int)] = [:]
            for r in try await rows("SELECT person_id::text, gender_concept_id::text, year_of_birth::text FROM \(cdm).person WHERE \(only)") {
                if let p = r[0].flatMap({ Int64($0) }), let y = r[2].flatMap({ Int($0) }) {
                    people[p] = (r[1] == "8507" ? "MALE" : r[1] == "8532" ? "FEMALE" : "OTHER", y)
                }
            }
            var linkedPeople: Set<Int64>? = nil
            if let biomarker {
                var s = Set<Int64>()
                for r in try await rows("SELECT pseudonym, person_id::text FROM \(linkSchema).person_link WHERE cdm_schema = '\(cdm)' AND status = 'linked'") {
                    if let ps = r[0], biomarker.contains(ps), let p = r[1].flatMap({ Int64($0) }) { s.insert(p) }
                }
                linkedPeople = s
            }
            let release = try await rows("SELECT max(source_release_date)::text FROM \(cdm).cdm_source").first?[0] ?? nil
            guard let end = cutoff ?? release else {
                throw OMOPError(.invalidInput, "the CDM has no CDM_SOURCE.source_release_date", fix: "give the data cut-off with --cutoff YYYY-MM-DD")
            }
            try await c.close()

            // The steps, in the order a target-trial emulation applies them.
            var attrition: [(String, Int)] = []
            var pool = diagnosis.keys.filter { people[$0] != nil }
            attrition.append(("diagnosis of the condition set inside observation", pool.count))
            if let linkedPeople {
                pool = pool.filter { linkedPeople.contains($0) }
                attrition.append(("biomarker (\(spec.eligibility.biomarkerCohort ?? "cohort"))", pool.count))
            }
            var index: [Int64: String] = [:]
            for p in pool {
                let dx = diagnosis[p]!
                if let first = (episodes[p] ?? []).filter({ $0 >= dx && days(dx, $0) <= spec.index.withinDays }).min() { index[p] = first }
            }
            pool = pool.filter { index[$0] != nil }
            attrition.append(("index: treatment \(spec.index.episode) within \(spec.index.withinDays) days of diagnosis", pool.count))
            pool = pool.filter { p in (periods[p] ?? []).contains { $0.0 <= index[p]! && index[p]! <= $0.1 && days($0.0, index[p]!) >= spec.washoutDays } }
            attrition.append(("washout: \(spec.washoutDays) days observed before index", pool.count))
            pool = pool.filter { p in death[p].map { $0 >= index[p]! } ?? true }
            attrition.append(("alive at index", pool.count))

            // Time and event per patient.
            var records: [[String]] = []
            for p in pool.sorted() {
                let start = index[p]!
                let observedTo = (periods[p] ?? []).first { $0.0 <= start && start <= $0.1 }!.1
                let censor = min(observedTo, end)
                let (time, event) = death[p].map { $0 <= censor ? (days(start, $0), 1) : (days(start, censor), 0) } ?? (days(start, censor), 0)
                var row = [String(time), String(event)]
                for cov in spec.covariates {
                    switch cov {
                    case "age_band":
                        let age = (Int(start.prefix(4)) ?? 0) - people[p]!.yob
                        row.append("\(age / 10 * 10)-\(age / 10 * 10 + 9)")
                    case "sex": row.append(people[p]!.sex)
                    default: row.append(String(days(diagnosis[p]!, start)))
                    }
                }
                records.append(row)
            }
            // A seeded shuffle breaks any order that would follow person ids.
            var rng = SplitMix64(state: seed)
            for i in stride(from: records.count - 1, to: 0, by: -1) { records.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
            var patients = "# \(spec.name); spec_sha256=\(hash); seed=\(seed); cut-off \(end == cutoff ? "given" : "CDM_SOURCE.source_release_date")\n"
            patients += (["row", "time_days", "event"] + spec.covariates).joined(separator: "\t") + "\n"
            for (i, r) in records.enumerated() { patients += ([String(i + 1)] + r).joined(separator: "\t") + "\n" }
            func shown(_ n: Int) -> String { n > 0 && n < k ? "<\(k)" : String(n) }
            var attritionText = "# \(spec.name); spec_sha256=\(hash); counts below \(k) shown as <\(k)\nstep\tpeople\n"
            for (step, n) in attrition { attritionText += "\(step)\t\(shown(n))\n" }
            for sex in Set(pool.map { people[$0]!.sex }).sorted() {
                attritionText += "final arm, sex=\(sex)\t\(shown(pool.filter { people[$0]!.sex == sex }.count))\n"
            }
            return Extract(patients: patients, attrition: attritionText, specSHA256: hash)
        } catch {
            try? await c.close()
            throw error
        }
    }

    /// Days from `a` to `b` (ISO dates, UTC).
    static func days(_ a: String, _ b: String) -> Int {
        func date(_ s: String) -> Date {
            var c = DateComponents()
            let f = s.prefix(10).split(separator: "-").compactMap { Int($0) }
            guard f.count == 3 else { return .distantPast }
            (c.year, c.month, c.day) = (f[0], f[1], f[2])
            var cal = Calendar(identifier: .gregorian)
            cal.timeZone = TimeZone(identifier: "UTC")!
            return cal.date(from: c) ?? .distantPast
        }
        return Int((date(b).timeIntervalSince(date(a)) / 86_400).rounded())
    }

}
