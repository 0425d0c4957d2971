/// What a stored structural variant is, read from its ALT allele and extent: the type (`DEL`, `DUP`,
/// `INV`, `INS`, `CNV`, `BND`, …), END, length and, for a breakend, its mate's locus (from the bracket
/// notation `]15:80623247]C`, the locus the record's MATEID record sits at).
public struct StructuralVariant: Sendable, Equatable {
    public var type: String
    public var end: Int
    /// Reference bases spanned (`end - pos`) for DEL/DUP/INV/CNV; `nil` for insertions and breakends.
    public var length: Int?
    /// `CHROM:POS` of a breakend's mate.
    public var mate: String?

    /// `nil` for alleles that are not symbolic or breakends.
    public init?(position: Int, end: Int, alt: String) {
        let kind = AlleleKind.classify(ref: "N", alt: alt)
        switch kind {
        case .symbolic:
            type = Self.type(alt: alt)
            self.end = max(end, position)
            length = ["INS", "BND", "TRA"].contains(type) ? nil : self.end - position
            mate = nil
        case .breakend:
            type = "BND"
            self.end = position
            length = nil
            mate = Self.mate(alt: alt)
        default:
            return nil
        }
    }

    /// `<DUP:TANDEM>` → `DUP`, `<CN0>` → `CNV`, `<DEL:ME:ALU>` → `DEL`.
    public static func type(alt: String) -> String {
        guard alt.hasPrefix("<"), alt.hasSuffix(">") else { return AlleleKind.classify(ref: "N", alt: alt) == .breakend ? "BND" : "" }
        let inner = alt.dropFirst().dropLast()
        let head = inner.split(separator: ":").first.map(String.init) ?? ""
        if head.hasPrefix("CN") { return "CNV" }
        return head.uppercased()
    }

    /// A breakend's mate locus as contig and position.
    public var mateLocus: (contig: String, position: Int)? {
        guard let m = mate, let colon = m.lastIndex(of: ":"), let p = Int(m[m.index(after: colon)...]) else { return nil }
        return (String(m[..<colon]), p)
    }

    /// The mate locus of a breakend ALT (`G]17:198982]`, `[13:123456[T`), or `nil`.
    public static func mate(alt: String) -> String? {
        guard let open = alt.firstIndex(where: { $0 == "[" || $0 == "]" }) else { return nil }
        let rest = alt[alt.index(after: open)...]
        guard let close = rest.firstIndex(where: { $0 == "[" || $0 == "]" }) else { return nil }
        let locus = rest[..<close]
        guard let colon = locus.lastIndex(of: ":"), Int(locus[locus.index(after: colon)...]) != nil else { return nil }
        return String(locus)
    }
}
