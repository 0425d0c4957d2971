internal import Foundation
internal import PostgresNIO
internal import Logging

/// `varde omop link`: the store's people matched to the `person_id`s of a hospital's own CDM, through a key both sides
/// compute without exchanging a person key:
/// - a `person_source_value` template over Varde's pseudonym (`cpr_enc|{pseudonym}`), when the hospital's ETL derives
///   its source value the same way (same secret, same key normalisation); or
/// - a crosswalk file (`pseudonym<TAB>person_id`) made by a trusted third party that holds both.
///
/// Each match is checked against the manifest (sex, birth year): a mismatch is a conflict, recorded and not linked.
/// One pseudonym matching two persons (or two pseudonyms one person) refuses the whole link, as the CDM's rule is one
/// person, one `person_id`. The links are kept in a schema of Varde's own in that database (`varde.person_link`),
/// replaced as a whole in one transaction; only pseudonyms and person_ids are stored, never a person key.
public enum CDMLink {
    /// A person of the store, as the link sees them.
    public struct Person: Sendable, Equatable {
        public var pseudonym: String
        public var sex: String?
        public var birthYear: Int?
        public init(pseudonym: String, sex: String?, birthYear: Int?) {
            self.pseudonym = pseudonym
            self.sex = sex
            self.birthYear = birthYear
        }
    }

    public enum Method: Sendable, Equatable {
        case template(String)
        case crosswalk([String: Int64])

        var name: String {
            switch self {
            case .template: "source-value-template"
            case .crosswalk: "crosswalk"
            }
        }
    }

    public struct Outcome: Sendable, Equatable {
        public enum Status: String, Sendable { case linked, conflict, unlinked }
        public var pseudonym: String
        public var personID: Int64?
        public var status: Status
        public var note: String
    }

    /// `template` with `{pseudonym}` replaced by the pseudonym, or `{pseudonym:N}` by its first N hex digits (the CDM's
    /// person_source_value is varchar(50), so `cpr_enc|` and all 64 digits do not fit); nil for a malformed N.
    static func sourceValue(_ template: String, pseudonym: String) -> String? {
        var out = "", rest = Substring(template)
        while let open = rest.range(of: "{pseudonym") {
            out += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.firstIndex(of: "}") else { return nil }
            let spec = after[..<close]
            if spec.isEmpty { out += pseudonym }
            else {
                guard spec.first == ":", let n = Int(spec.dropFirst()), (16...64).contains(n) else { return nil }
                out += pseudonym.prefix(n)
            }
            rest = after[after.index(after: close)...]
        }
        return out + rest
    }

    /// The CDM's gender concepts (OMOP Gender vocabulary) and what a manifest writes for them.
    static let genders: [Int64: Set<String>] = [8507: ["male", "m"], 8532: ["female", "f"]]

    /// Reads a crosswalk: `pseudonym<TAB>person_id` per line, `#` comments; a pseudonym listed twice with two ids is an
    /// error (the third party's file is wrong).
    public static func crosswalk(path: String) throws(OMOPError) -> [String: Int64] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw OMOPError(.invalidInput, "cannot read the crosswalk \(path)", fix: "check the path")
        }
        var out: [String: Int64] = [:]
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") || (i == 0 && text.lowercased().hasPrefix("pseudonym")) { continue }
            let f = text.split(separator: "\t").map(String.init)
            guard f.count == 2, f[0].range(of: "^[0-9a-f]{64}$", options: .regularExpression) != nil, let id = Int64(f[1]) else {
                throw OMOPError(.format, "\(path):\(i + 1): expected 'pseudonym<TAB>person_id' (64 lower-case hex digits, a whole number)",
                                fix: "the third party writes each person's pseudonym as Varde computes it: lower-case hex HMAC-SHA256 of the NFC person key under the pseudonym secret")
            }
            if let other = out[f[0]], other != id {
                throw OMOPError(.format, "\(path):\(i + 1): pseudonym \(f[0].prefix(12))… is listed with person_id \(other) and \(id)",
                                fix: "one person has one person_id: correct the crosswalk")
            }
            out[f[0]] = id
        }
        return out
    }

    /// Links `people` to the CDM at `url`, schema `cdm`, and writes the outcome into `linkSchema.person_link`
    /// (unless `dryRun`). Throws, writing nothing, when one pseudonym matches several persons or one person
    /// several pseudonyms.
    public static func link(people: [Person], method: Method, url: String, cdm: String, linkSchema: String, dryRun: Bool = false)
        async throws -> [Outcome] {
        try PostgresCDM.checkSchemaNames(cdm, linkSchema)
        if case let .template(t) = method {
            guard let probe = sourceValue(t, pseudonym: String(repeating: "0", count: 64)), probe != t else {
                throw OMOPError(.invalidInput, "the source value template '\(t)' has no {pseudonym} or {pseudonym:N}", fix: "write e.g. 'cpr_enc|{pseudonym:40}'")
            }
            guard probe.count <= 50 else {
                throw OMOPError(.invalidInput, "the source value template '\(t)' makes \(probe.count) characters; person_source_value holds 50 (varchar(50))",
                                fix: "use the pseudonym's first N hex digits, as the hospital's ETL writes them: {pseudonym:40}")
            }
        }
        let logger = Logger(label: "varde.omop.link")
        let c = try await PostgresCDM.connect(url)
        do {
            let outcomes = try await match(people, method: method, connection: c, cdm: cdm, logger: logger)
            if !dryRun { try await write(outcomes, method: method, connection: c, cdm: cdm, linkSchema: linkSchema, logger: logger) }
            try await c.close()
            return outcomes
        } catch {
            try? await c.close()
            throw error
        }
    }

    static func match(_ people: [Person], method: Method, connection c: PostgresConnection, cdm: String, logger: Logger) async throws -> [Outcome] {
        // The CDM's persons, keyed the way the method finds them.
        var byKey: [String: [(id: Int64, gender: Int64?, year: Int64?)]] = [:]
        let rows: PostgresRowSequence
        do {
            rows = try await c.query(PostgresQuery(unsafeSQL: "SELECT person_id::bigint, person_source_value, gender_concept_id::bigint, year_of_birth::bigint FROM \(cdm).person"), logger: logger)
        } catch {
            throw OMOPError(.postgres, "cannot read \(cdm).person: \(PostgresCDM.message(error))", fix: "name the CDM's schema with --schema")
        }
        for try await r in rows {
            let (id, source, gender, year) = try r.decode((Int64, String?, Int64?, Int64?).self)
            let key: String?
            switch method {
            case .template: key = source
            case .crosswalk: key = String(id)
            }
            if let key { byKey[key, default: []].append((id, gender, year)) }
        }
        var outcomes: [Outcome] = []
        var owners: [Int64: [String]] = [:]
        for p in people {
            let key: String?
            switch method {
            case let .template(t): key = sourceValue(t, pseudonym: p.pseudonym)
            case let .crosswalk(map): key = map[p.pseudonym].map(String.init)
            }
            guard let key, let found = byKey[key], !found.isEmpty else {
                outcomes.append(Outcome(pseudonym: p.pseudonym, personID: nil, status: .unlinked, note: "no person in the CDM"))
                continue
            }
            guard found.count == 1 else {
                throw OMOPError(.invalidInput, "pseudonym \(p.pseudonym.prefix(12))… matches \(found.count) persons of \(cdm).person (person_id \(found.map { String($0.id) }.joined(separator: ", "))): one person must have one person_id. Nothing was linked",
                                fix: "have the hospital merge those PERSON rows, or link with a --crosswalk")
            }
            let m = found[0]
            owners[m.id, default: []].append(p.pseudonym)
            var problems: [String] = []
            if let sex = p.sex?.lowercased(), let g = m.gender, let names = genders[g], !names.contains(sex) {
                problems.append("sex '\(sex)' in the manifest, gender_concept_id \(g) in the CDM")
            }
            if let y = p.birthYear, let cy = m.year, Int64(y) != cy {
                problems.append("birth year \(y) in the manifest, \(cy) in the CDM")
            }
            outcomes.append(Outcome(pseudonym: p.pseudonym, personID: m.id, status: problems.isEmpty ? .linked : .conflict,
                                    note: problems.joined(separator: "; ")))
        }
        if let (id, pseudonyms) = owners.first(where: { $0.value.count > 1 }) {
            throw OMOPError(.invalidInput, "person_id \(id) of \(cdm).person matches \(pseudonyms.count) people of the store (\(pseudonyms.map { $0.prefix(12) + "…" }.joined(separator: ", "))). Nothing was linked",
                            fix: "check the manifest's person keys (one person loaded under two keys?) or the crosswalk")
        }
        return outcomes
    }

    static func write(_ outcomes: [Outcome], method: Method, connection c: PostgresConnection, cdm: String, linkSchema: String, logger: Logger) async throws {
        func run(_ sql: String) async throws { try await PostgresCDM.run(c, sql, logger: logger) }
        // The CDM's release date, when CDM_SOURCE says it.
        var release = "NULL"
        if let rows = try? await c.query(PostgresQuery(unsafeSQL: "SELECT max(source_release_date)::text FROM \(cdm).cdm_source"), logger: logger) {
            for try await r in rows { if let d = try r.decode(String?.self) { release = "'\(d)'" } }
        }
        try await run("BEGIN")
        do {
            try await run("CREATE SCHEMA IF NOT EXISTS \(linkSchema)")
            try await run("""
                CREATE TABLE IF NOT EXISTS \(linkSchema).person_link (
                    cdm_schema text NOT NULL, pseudonym text NOT NULL CHECK (pseudonym ~ '^[0-9a-f]{64}$'),
                    person_id bigint,
                    status text NOT NULL CHECK (status IN ('linked', 'conflict', 'unlinked')),
                    method text NOT NULL, note text NOT NULL, cdm_release_date date, linked_at timestamptz NOT NULL,
                    PRIMARY KEY (cdm_schema, pseudonym))
                """)
            try await run("CREATE UNIQUE INDEX IF NOT EXISTS person_link_person ON \(linkSchema).person_link(cdm_schema, person_id) WHERE status = 'linked'")
            try await run("DELETE FROM \(linkSchema).person_link WHERE cdm_schema = '\(cdm)'")
            for chunk in stride(from: 0, to: outcomes.count, by: 500) {
                let values = outcomes[chunk..<min(outcomes.count, chunk + 500)].map { o in
                    "('\(cdm)', '\(o.pseudonym)', \(o.personID.map(String.init) ?? "NULL"), '\(o.status.rawValue)', '\(method.name)', '\(o.note.replacingOccurrences(of: "'", with: "''"))', \(release), now())"
                }
                try await run("INSERT INTO \(linkSchema).person_link VALUES " + values.joined(separator: ", "))
            }
            try await run("COMMIT")
        } catch {
            try? await run("ROLLBACK")
            throw error
        }
    }
}
