/// What an ALT allele is, relative to its REF, as a loader must know before counting it.
public enum AlleleKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// One base replaced by another (`A>G`).
    case snv
    /// Several bases replaced, same length (`AT>GC`).
    case mnv
    /// Bases inserted (REF is a prefix or suffix of ALT after trimming).
    case insertion
    /// Bases deleted.
    case deletion
    /// A length-changing replacement (delins).
    case complex
    /// A symbolic structural allele: `<DEL>`, `<DUP>`, `<INV>`, `<CN0>`, `<INS:ME>`.
    case symbolic
    /// A breakend in VCF `[`/`]` notation or a single breakend (`.A`, `A.`).
    case breakend
    /// The `*` allele: the position is deleted by an overlapping upstream deletion.
    case overlappingDeletion
    /// A gVCF reference block or "any other allele" placeholder: `<NON_REF>`, `<*>`, or ALT `.`.
    case referenceBlock

    /// Classifies `alt` against `ref` (both as written in the VCF).
    public static func classify(ref: String, alt: String) -> AlleleKind {
        let a = alt.utf8
        guard let first = a.first else { return .referenceBlock }
        if alt == "." || alt == "<NON_REF>" || alt == "<*>" || alt == "<X>" { return .referenceBlock }
        if alt == "*" { return .overlappingDeletion }
        if first == UInt8(ascii: "<") { return .symbolic }
        if a.contains(UInt8(ascii: "[")) || a.contains(UInt8(ascii: "]")) { return .breakend }
        if a.count > 1 && (first == UInt8(ascii: ".") || a.last == UInt8(ascii: ".")) { return .breakend }
        let r = Array(ref.utf8)
        var b = Array(a)
        if r.count == b.count {
            if r.count == 1 { return .snv }
            // Same length: an MNV, or an SNV padded with shared bases.
            var differing = 0
            for i in 0..<r.count where upper(r[i]) != upper(b[i]) { differing += 1 }
            return differing <= 1 ? .snv : .mnv
        }
        // Trim a shared suffix, then a shared prefix, to see what remains.
        var rr = r[...]
        var bb = b[...]
        while let x = rr.last, let y = bb.last, upper(x) == upper(y), rr.count > 0, bb.count > 0 {
            rr.removeLast(); bb.removeLast()
        }
        while let x = rr.first, let y = bb.first, upper(x) == upper(y) { rr.removeFirst(); bb.removeFirst() }
        b = Array(bb)
        if rr.isEmpty { return .insertion }
        if b.isEmpty { return .deletion }
        return .complex
    }

    /// Is this a sequence-resolved change of length (insertion, deletion or delins)?
    public var isIndel: Bool { self == .insertion || self == .deletion || self == .complex }
    /// Is this a plain sequence allele (SNV, MNV or indel) that normalisation applies to?
    public var isSequenceResolved: Bool { self == .snv || self == .mnv || isIndel }
}

@inline(__always) func upper(_ c: UInt8) -> UInt8 { c >= 97 && c <= 122 ? c &- 32 : c }
