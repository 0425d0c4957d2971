internal import Foundation

/// CDM tables held as text cells (`nil` = NULL), read from an export folder or a database.
public struct CDMData: Sendable {
    public struct Table: Sendable {
        public var columns: [String]
        public var rows: [[String?]]
        public func index(_ column: String) -> Int? { columns.firstIndex(of: column) }
        public init(columns: [String], rows: [[String?]]) {
            self.columns = columns
            self.rows = rows
        }
    }
    public var tables: [String: Table]

    /// Reads every `<table>.csv` of `directory` that `spec` names (empty unquoted fields are NULL).
    public init(directory: String, spec: CDMSpec) throws {
        tables = [:]
        for t in spec.tables {
            let path = (directory as NSString).appendingPathComponent("\(t.name).csv")
            guard FileManager.default.fileExists(atPath: path) else { continue }
            var columns: [String] = []
            var rows: [[String?]] = []
            try DelimitedReader(path: path, delimiter: ",", quoted: true).forEach { fields, line in
                if columns.isEmpty { columns = fields.map { $0.lowercased() }; return }
                guard fields.count == columns.count else {
                    throw OMOPError(.format, "\(path):\(line): \(fields.count) fields for \(columns.count) columns", fix: "re-export the folder")
                }
                rows.append(fields.map { $0.isEmpty ? nil : $0 })
            }
            tables[t.name] = Table(columns: columns, rows: rows)
        }
    }

    public init(tables: [String: Table]) { self.tables = tables }
}

/// One failed DataQualityDashboard check.
public struct CheckFailure: Sendable, Equatable {
    public var check: String
    public var table: String
    public var field: String
    public var violating: Int
    public var denominator: Int
    /// Percent of violating rows allowed by the DQD threshold.
    public var threshold: Double
    public var detail: String
    public var percent: Double { denominator > 0 ? 100 * Double(violating) / Double(denominator) : 0 }
}

/// The DataQualityDashboard v2.8.4 field-level checks (`reference/omop/DQD_OMOP_CDMv5.4_Field_Level.csv`):
/// isRequired, cdmDatatype, isPrimaryKey, isForeignKey, fkDomain, fkClass, isStandardValidConcept,
/// plausibleAfterBirth, plausibleStartBeforeEnd. A check fails when its violating rows exceed the threshold (%).
public struct FieldChecks {
    struct Rule {
        var table, field: String
        var values: [String: String]
        subscript(_ k: String) -> String? { values[k.lowercased()].flatMap { $0.isEmpty ? nil : $0 } }
        func threshold(_ check: String) -> Double { Double(self[check + "Threshold"] ?? "0") ?? 0 }
    }
    let rules: [Rule]

    public init(dqdFieldLevelCSV path: String) throws {
        var rules: [Rule] = []
        try DelimitedReader(path: path, delimiter: ",", quoted: true).records { r, _ in
            guard let t = r["cdmtablename"], let f = r["cdmfieldname"] else { return }
            var values: [String: String] = [:]
            for (k, i) in r.header where i < r.fields.count { values[k] = r.fields[i] }
            rules.append(Rule(table: t.lowercased(), field: f.lowercased().replacingOccurrences(of: "\"", with: ""), values: values))
        }
        self.rules = rules
    }

    /// Checks run on the tables present; returns failures and the number of checks run.
    public func run(_ data: CDMData) -> (failures: [CheckFailure], checks: Int) {
        var failures: [CheckFailure] = []
        var checks = 0
        let concept = data.tables["concept"]
        var concepts: [String: (domain: String?, cls: String?, standard: String?, invalid: String?)] = [:]
        if let concept, let id = concept.index("concept_id") {
            let d = concept.index("domain_id"), c = concept.index("concept_class_id"), s = concept.index("standard_concept"), v = concept.index("invalid_reason")
            for row in concept.rows {
                guard let key = row[id] else { continue }
                concepts[key] = (d.flatMap { row[$0] }, c.flatMap { row[$0] }, s.flatMap { row[$0] }, v.flatMap { row[$0] })
            }
        }
        // Birth dates per person, for plausibleAfterBirth.
        var birth: [String: String] = [:]
        if let person = data.tables["person"], let pid = person.index("person_id"), let y = person.index("year_of_birth") {
            let m = person.index("month_of_birth"), d = person.index("day_of_birth"), bdt = person.index("birth_datetime")
            for row in person.rows {
                guard let p = row[pid] else { continue }
                if let b = bdt.flatMap({ row[$0] }) { birth[p] = String(b.prefix(10)); continue }
                guard let year = row[y].flatMap({ Int($0) }) else { continue }
                let month = m.flatMap { row[$0] }.flatMap { Int($0) } ?? 1, day = d.flatMap { row[$0] }.flatMap { Int($0) } ?? 1
                birth[p] = String(format: "%04d-%02d-%02d", year, month, day)
            }
        }
        var keySets: [String: Set<String>] = [:]
        func keys(_ table: String, _ field: String) -> Set<String>? {
            let k = table + "." + field
            if let s = keySets[k] { return s }
            guard let t = data.tables[table], let i = t.index(field) else { return nil }
            let s = Set(t.rows.compactMap { $0[i] })
            keySets[k] = s
            return s
        }

        for rule in rules {
            guard let table = data.tables[rule.table], let i = table.index(rule.field) else { continue }
            let n = table.rows.count
            func fail(_ check: String, _ violating: Int, _ denominator: Int, _ detail: String) {
                checks += 1
                let threshold = rule.threshold(check)
                let pct = denominator > 0 ? 100 * Double(violating) / Double(denominator) : 0
                if violating > 0 && pct > threshold {
                    failures.append(CheckFailure(check: check, table: rule.table, field: rule.field, violating: violating,
                                                 denominator: denominator, threshold: threshold, detail: detail))
                }
            }
            let values = table.rows.map { $0[i] }
            if rule["isRequired"] == "Yes" {
                fail("isRequired", values.filter { $0 == nil }.count, n, "NULL in a required field")
            }
            if let type = rule["cdmDatatype"]?.lowercased() {
                let bad: Int
                switch type {
                case "integer", "bigint": bad = values.compactMap { $0 }.filter { Int64($0) == nil }.count
                case "float": bad = values.compactMap { $0 }.filter { Double($0) == nil }.count
                case "date": bad = values.compactMap { $0 }.filter { !Self.isDate($0) }.count
                default:
                    if type.hasPrefix("varchar("), let len = Int(type.dropFirst(8).dropLast()) {
                        bad = values.compactMap { $0 }.filter { $0.count > len }.count
                    } else { bad = 0 }
                }
                fail("cdmDatatype", bad, n, "values not of type \(type)")
            }
            if rule["isPrimaryKey"] == "Yes" {
                var seen = Set<String>(), dup = 0
                for v in values.compactMap({ $0 }) where !seen.insert(v).inserted { dup += 1 }
                fail("isPrimaryKey", dup, n, "duplicate keys")
            }
            if rule["isForeignKey"] == "Yes", let ft = rule["fkTableName"]?.lowercased(), let ff = rule["fkFieldName"]?.lowercased() {
                if let targets = keys(ft, ff) {
                    let bad = values.compactMap { $0 }.filter { !targets.contains($0) }.count
                    fail("isForeignKey", bad, n, "values missing from \(ft).\(ff)")
                } else if values.contains(where: { $0 != nil }) {
                    fail("isForeignKey", values.compactMap { $0 }.count, n, "\(ft) is not in the export")
                }
            }
            let conceptValues = values.compactMap { $0 }.filter { $0 != "0" }
            if let domain = rule["fkDomain"] {
                let bad = conceptValues.filter { v in concepts[v].map { $0.domain != domain } ?? false }.count
                fail("fkDomain", bad, n, "concepts outside domain \(domain)")
            }
            if let cls = rule["fkClass"] {
                let bad = conceptValues.filter { v in concepts[v].map { $0.cls != cls } ?? false }.count
                fail("fkClass", bad, n, "concepts outside class \(cls)")
            }
            if rule["isStandardValidConcept"] == "Yes" {
                let bad = conceptValues.filter { v in concepts[v].map { $0.standard != "S" || $0.invalid != nil } ?? false }.count
                fail("isStandardValidConcept", bad, n, "non-standard or invalid concepts")
            }
            if rule["plausibleAfterBirth"] == "Yes", let pid = table.index("person_id") {
                var bad = 0
                for row in table.rows {
                    guard let v = row[i], let p = row[pid], let b = birth[p] else { continue }
                    if String(v.prefix(10)) < b { bad += 1 }
                }
                fail("plausibleAfterBirth", bad, n, "dates before the person's birth")
            }
            if rule["plausibleStartBeforeEnd"] == "Yes", let endField = rule["plausibleStartBeforeEndFieldName"]?.lowercased(),
               let e = table.index(endField) {
                var bad = 0
                for row in table.rows {
                    guard let s = row[i], let end = row[e] else { continue }
                    if String(s.prefix(10)) > String(end.prefix(10)) { bad += 1 }
                }
                fail("plausibleStartBeforeEnd", bad, n, "starts after \(endField)")
            }
        }
        return (failures, checks)
    }

    static func isDate(_ s: String) -> Bool {
        let p = s.prefix(10).split(separator: "-")
        return p.count == 3 && p[0].count == 4 && p[1].count == 2 && p[2].count == 2 && p.allSatisfy { $0.allSatisfy(\.isNumber) }
    }

    /// The failure table: check, table.field, violating/rows, percent, threshold.
    public static func table(_ failures: [CheckFailure]) -> String {
        var out = "check\tfield\tviolating\trows\tpercent\tthreshold\tdetail\n"
        for f in failures {
            out += "\(f.check)\t\(f.table).\(f.field)\t\(f.violating)\t\(f.denominator)\t\(String(format: "%.2f", f.percent))\t\(f.threshold)\t\(f.detail)\n"
        }
        return out
    }
}
