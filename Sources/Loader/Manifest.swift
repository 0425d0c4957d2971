public import VariantStore
import VariantCore

/// A sample manifest: TSV with a header row. Known columns: `sample` and `person` (required), `role`
/// (germline|tumour|normal), `specimen_type`, `collection_date` (ISO 8601), `sex`, `birth_year`,
/// `diagnosis` (ICD-10 or ICD-O-3), `diagnosis_date`, `care_site`, `assay`. Other columns are kept as
/// free attributes.
public struct Manifest: Sendable {
    public struct Entry: Sendable, Equatable {
        public var sample: String
        public var person: String
        public var role: SampleRole
        public var fields: [String: String]
        public var attributes: [String: String]
        /// The row gave a role (a `role` column with a value). A row without one is germline unless the
        /// file says the sample is a tumour or a normal.
        public var roleStated = true
    }

    public static let knownColumns: Set<String> = ["sample", "person", "role", "specimen_type", "collection_date", "sex",
                                                   "birth_year", "diagnosis", "diagnosis_date", "care_site", "assay"]
    public var entries: [String: Entry]

    /// Parses manifest text; `path` is for messages.
    public init(text: String, path: String) throws(LoadError) {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let headerLine = lines.first else {
            throw LoadError(path: path, line: 1, "the manifest is empty", fix: "write a header row: sample<TAB>person[<TAB>role…]")
        }
        let header = headerLine.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingWhitespace().lowercased() }
        guard let sampleCol = header.firstIndex(of: "sample"), let personCol = header.firstIndex(of: "person") else {
            throw LoadError(path: path, line: 1, "the header row must name the columns 'sample' and 'person' (found: \(header.joined(separator: ", ")))",
                            fix: "the first line is a tab-separated header, e.g. sample<TAB>person<TAB>role")
        }
        var entries: [String: Entry] = [:]
        for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty && !line.hasPrefix("#") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            guard cols.count == header.count else {
                throw LoadError(path: path, line: i + 1, "expected \(header.count) tab-separated columns, found \(cols.count)",
                                fix: "every row needs one value per header column (leave a value empty, but keep the tab)")
            }
            let sample = cols[sampleCol], person = cols[personCol]
            guard !sample.isEmpty, !person.isEmpty else {
                throw LoadError(path: path, line: i + 1, "sample and person must not be empty", fix: "fill in both columns")
            }
            var fields: [String: String] = [:], attributes: [String: String] = [:]
            for (k, name) in header.enumerated() where k != sampleCol && k != personCol && !cols[k].isEmpty {
                if Self.knownColumns.contains(name) { fields[name] = cols[k] } else { attributes[name] = cols[k] }
            }
            let roleText = (fields["role"] ?? "germline").lowercased()
            let role: SampleRole
            switch roleText {
            case "germline", "constitutional": role = .germline
            case "tumour", "tumor", "somatic": role = .tumour
            case "normal": role = .normal
            default:
                throw LoadError(path: path, line: i + 1, "role '\(roleText)' is not germline, tumour or normal", fix: "use one of germline, tumour, normal")
            }
            if let d = fields["collection_date"], !Self.isISODate(d) {
                throw LoadError(path: path, line: i + 1, "collection_date '\(d)' is not an ISO 8601 date", fix: "write dates as YYYY-MM-DD")
            }
            if let d = fields["diagnosis_date"], !Self.isISODate(d) {
                throw LoadError(path: path, line: i + 1, "diagnosis_date '\(d)' is not an ISO 8601 date", fix: "write dates as YYYY-MM-DD")
            }
            if let y = fields["birth_year"], Int(y) == nil {
                throw LoadError(path: path, line: i + 1, "birth_year '\(y)' is not a year", fix: "write the year as four digits")
            }
            guard entries[sample] == nil else {
                throw LoadError(path: path, line: i + 1, "sample \(sample) is listed twice", fix: "list every sample once")
            }
            entries[sample] = Entry(sample: sample, person: person, role: role, fields: fields, attributes: attributes,
                                    roleStated: fields["role"] != nil)
        }
        self.entries = entries
    }

    static func isISODate(_ s: String) -> Bool {
        let p = s.split(separator: "-")
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].prefix(2).count == 2,
              let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2].prefix(2)) else { return false }
        return y > 1800 && (1...12).contains(m) && (1...31).contains(d)
    }
}

/// A load that cannot go ahead, said with where and what to do.
public struct LoadError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String?
    public var line: Int?
    public var message: String
    public var fix: String?
    public init(path: String? = nil, line: Int? = nil, _ message: String, fix: String? = nil) {
        self.path = path
        self.line = line
        self.message = message
        self.fix = fix
    }
    public var description: String {
        var s = ""
        if let path { s += path + (line.map { ":\($0)" } ?? "") + ": " }
        return s + message + (fix.map { ". Fix: " + $0 } ?? "")
    }
}
