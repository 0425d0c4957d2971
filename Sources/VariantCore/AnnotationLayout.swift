/// The field order of a VEP `CSQ` or SnpEff `ANN` INFO tag, read from its header `Description`.
///
/// VEP writes `Format: Allele|Consequence|IMPACT|SYMBOL|…`; SnpEff writes
/// `Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | …'`. Fields are found by
/// name, so any order the annotator was configured with is read correctly.
public struct AnnotationLayout: Sendable, Equatable {
    public let source: Annotation.Source
    public let fields: [String]
    let allele: Int?
    let gene: Int?
    let consequence: Int?
    let transcript: Int?
    let hgvsc: Int?
    let hgvsp: Int?

    /// Reads the layout from a header Description; `nil` if it names no field list.
    public init?(source: Source, description: String) {
        let list: Substring
        switch source {
        case .vep:
            guard let r = description.range(of: "Format: ") else { return nil }
            list = description[r.upperBound...]
        case .snpEff:
            if let q = description.firstIndex(of: "'") {
                list = description[description.index(after: q)...].prefix { $0 != "'" }
            } else if let r = description.range(of: ": ") {
                list = description[r.upperBound...]
            } else { return nil }
        }
        let fields = list.split(separator: "|", omittingEmptySubsequences: false)
            .map { $0.trimmingWhitespace().trimmingCharacters(in: "\"'") }
        guard fields.count >= 2 else { return nil }
        self.source = source
        self.fields = fields
        func find(_ names: String...) -> Int? {
            for n in names { if let i = fields.firstIndex(where: { $0.caseInsensitiveEquals(n) }) { return i } }
            return nil
        }
        allele = find("Allele")
        gene = find("SYMBOL", "Gene_Name")
        consequence = find("Consequence", "Annotation")
        transcript = find("Feature", "Feature_ID")
        hgvsc = find("HGVSc", "HGVS.c")
        hgvsp = find("HGVSp", "HGVS.p")
    }

    public typealias Source = Annotation.Source

    /// Parses one INFO value (comma-separated entries) into annotations. Empty fields become `nil`.
    public func parse(_ value: String) -> [Annotation] {
        value.split(separator: ",").map { entry in
            let f = entry.split(separator: "|", omittingEmptySubsequences: false)
            func field(_ i: Int?) -> String? {
                guard let i, i < f.count, !f[i].isEmpty else { return nil }
                return String(f[i])
            }
            let consequences = field(consequence).map { $0.split(separator: "&").map(String.init) } ?? []
            return Annotation(source: source, allele: field(allele) ?? "", gene: field(gene),
                              consequences: consequences, transcript: field(transcript),
                              hgvsc: field(hgvsc).map(Self.decodePercent), hgvsp: field(hgvsp).map(Self.decodePercent))
        }
    }

    /// VEP escapes `=` in HGVS as `%3D` (`p.Leu12%3D`); show it as written by HGVS.
    static func decodePercent(_ s: String) -> String {
        s.contains("%3D") ? s.replacingAll("%3D", with: "=") : s
    }
}

extension StringProtocol {
    func trimmingCharacters(in chars: String) -> String {
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s.removeFirst() }
        while let l = s.last, chars.contains(l) { s.removeLast() }
        return String(s)
    }

    func caseInsensitiveEquals(_ other: String) -> Bool { lowercased() == other.lowercased() }

    func replacingAll(_ target: String, with replacement: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += rest[..<r.lowerBound]
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}

extension Substring {
    func range(of target: String) -> Range<Substring.Index>? {
        guard !target.isEmpty, target.count <= count else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}

extension String {
    func range(of target: String) -> Range<String.Index>? {
        Substring(self).range(of: target)
    }
}
