public import VariantCore

/// Normalises records the way `bcftools norm -m-any -f REF --check-ref e|w|x` does: multi-allelic records
/// are split into bi-allelic ones (genotypes recoded, Number=A/R FORMAT values split), shared bases are
/// trimmed, and indels are left-aligned against the reference FASTA.
///
/// Without a reference, shared bases are still trimmed (keeping one base), but nothing can be shifted;
/// `trimWithoutReference: false` gives `bcftools norm -m-` exactly.
public final class Normalizer {
    public struct Options: Sendable {
        public var split: Bool
        public var refCheck: RefCheckPolicy
        public var trimWithoutReference: Bool
        public init(split: Bool = true, refCheck: RefCheckPolicy = .error, trimWithoutReference: Bool = true) {
            self.split = split
            self.refCheck = refCheck
            self.trimWithoutReference = trimWithoutReference
        }
    }

    /// What normalising one input record produced.
    public struct Outcome: Sendable {
        public var records: [Variant]
        /// The REF disagreed with the FASTA (the record is kept unchanged under `warn`, dropped under `skip`).
        public var refMismatch: VCFError?
        /// Did normalisation change anything (split, trimmed or moved)?
        public var changed: Bool
    }

    public let reference: ReferenceGenome?
    public let options: Options
    let sourcePath: String

    public init(reference: ReferenceGenome?, options: Options = Options(), sourcePath: String = "") {
        self.reference = reference
        self.options = options
        self.sourcePath = sourcePath
    }

    public func normalize(_ variant: Variant) throws(VCFError) -> Outcome {
        let parts = options.split && variant.alts.count > 1 ? Self.split(variant) : [variant]
        var out: [Variant] = []
        out.reserveCapacity(parts.count)
        var mismatch: VCFError? = nil
        var changed = parts.count > 1
        for part in parts {
            switch try realign(part) {
            case let .ok(v):
                if v.position != part.position || v.ref != part.ref || v.alts != part.alts { changed = true }
                out.append(v)
            case let .refMismatch(err):
                mismatch = err
                if options.refCheck == .warn { out.append(part) }
            }
        }
        return Outcome(records: out, refMismatch: mismatch, changed: changed)
    }

    // MARK: - Splitting

    /// Splits a multi-allelic record into one record per ALT (bcftools `norm -m-any`).
    public static func split(_ v: Variant) -> [Variant] {
        let nAlt = v.alts.count
        guard nAlt > 1 else { return [v] }
        let matchedAnnotations = annotationsByAlt(v)
        return (1...nAlt).map { i in
            var r = v
            r.alts = [v.alts[i - 1]]
            r.annotations = matchedAnnotations[i - 1]
            if var g = v.genotypes {
                let target = Int16(i)
                g.alleles.withUnsafeMutableBufferPointer { a in
                    for k in a.indices where a[k] >= 0 { a[k] = a[k] == target ? 1 : 0 }
                }
                r.genotypes = g
            }
            let sv = v.sampleValues
            if let ad = sv.alleleDepths {
                let stride = nAlt + 1
                let n = ad.count / stride
                var out = [Int32?](repeating: nil, count: n * 2)
                for s in 0..<n { out[2 * s] = ad[s * stride]; out[2 * s + 1] = ad[s * stride + i] }
                r.sampleValues.alleleDepths = out
            }
            if let af = sv.alleleFractions {
                let n = af.count / nAlt
                r.sampleValues.alleleFractions = (0..<n).map { af[$0 * nAlt + i - 1] }
            }
            return r
        }
    }

    /// Assigns each annotation to the ALT it names. VEP writes ALT without the base shared by all alleles
    /// (`-` when nothing is left); SnpEff writes ALT as is.
    static func annotationsByAlt(_ v: Variant) -> [[Annotation]] {
        let alleles = [v.ref] + v.alts
        let sharedFirst = alleles.allSatisfy { $0.first == v.ref.first && !$0.hasPrefix("<") }
        func vepForm(_ alt: String) -> String {
            guard sharedFirst else { return alt }
            let rest = String(alt.dropFirst())
            return rest.isEmpty ? "-" : rest
        }
        var result = Array(repeating: [Annotation](), count: v.alts.count)
        var unmatched: [Annotation] = []
        for a in v.annotations {
            if let i = v.alts.firstIndex(where: { $0 == a.allele || vepForm($0) == a.allele }) {
                result[i].append(a)
            } else {
                unmatched.append(a)
            }
        }
        if !unmatched.isEmpty { for i in result.indices { result[i] += unmatched } }
        return result
    }

    // MARK: - Trimming and left-alignment

    enum Realigned { case ok(Variant), refMismatch(VCFError) }

    func realign(_ v: Variant) throws(VCFError) -> Realigned {
        let kinds = v.alts.map { AlleleKind.classify(ref: v.ref, alt: $0) }
        // Symbolic alleles, breakends, `*` and reference blocks are not sequence: leave them as they are.
        guard !v.alts.isEmpty, kinds.allSatisfy(\.isSequenceResolved) else { return .ok(v) }
        var ref = Array(v.ref.utf8).map(upperASCII)
        var alts = v.alts.map { Array($0.utf8).map(upperASCII) }
        var pos = v.position

        // An allele that is not sequence (an IUPAC code, a typo such as `I`) cannot be normalised or trusted.
        if let bad = ([ref] + alts).first(where: { !$0.allSatisfy(isACGTN) }) {
            let err = VCFError(.malformedRecord, path: sourcePath, line: v.line, locus: v.locus,
                               message: "allele '\(String(decoding: bad, as: UTF8.self))' has characters other than A, C, G, T, N",
                               fix: "IUPAC ambiguity codes are not sequence: fix the caller's output, or use --check-ref warn|skip")
            if options.refCheck == .error { throw err }
            return .refMismatch(err)
        }
        if let reference {
            guard let fasta = reference.bases(v.contig, pos, pos + ref.count - 1) else {
                let err = VCFError(.referenceMismatch, path: sourcePath, line: v.line, locus: v.locus,
                                   message: "contig '\(v.contig)' is not in the reference FASTA \(reference.path)",
                                   fix: "use the FASTA the file was called against (contig names must match, e.g. chr1 vs 1)")
                if options.refCheck == .error { throw err }
                return .refMismatch(err)
            }
            if fasta != ref {
                let err = VCFError(.referenceMismatch, path: sourcePath, line: v.line, locus: v.locus,
                                   message: "REF '\(v.ref)' does not match the reference FASTA ('\(String(decoding: fasta, as: UTF8.self))')",
                                   fix: "check that the file was called against this reference build, or use --check-ref warn|skip")
                if options.refCheck == .error { throw err }
                return .refMismatch(err)
            }
        }
        guard reference != nil || options.trimWithoutReference else { return .ok(v) }
        if alts.contains(where: { $0 == ref }) { return .ok(v) }

        // Trim the shared last base; when an allele would become empty, extend all alleles by the
        // base to the left (needs the reference) — this is what moves an indel to its leftmost place.
        while true {
            guard let last = ref.last, alts.allSatisfy({ $0.last == last }) else { break }
            let minLen = min(ref.count, alts.map(\.count).min() ?? 0)
            if minLen <= 1 {
                guard let reference, pos > 1, let left = reference.bases(v.contig, pos - 1, pos - 1), left.count == 1 else { break }
                ref.removeLast(); ref.insert(left[0], at: 0)
                for k in alts.indices { alts[k].removeLast(); alts[k].insert(left[0], at: 0) }
                pos -= 1
            } else {
                ref.removeLast()
                for k in alts.indices { alts[k].removeLast() }
            }
        }
        // Trim shared first bases while every allele keeps at least one base.
        while ref.count > 1, alts.allSatisfy({ $0.count > 1 && $0[0] == ref[0] }) {
            ref.removeFirst()
            for k in alts.indices { alts[k].removeFirst() }
            pos += 1
        }
        var r = v
        r.position = pos
        r.ref = String(decoding: ref, as: UTF8.self)
        r.alts = alts.map { String(decoding: $0, as: UTF8.self) }
        if r.ref != v.ref || r.position != v.position { r.infoEnd = v.infoEnd.map { _ in pos + ref.count - 1 } }
        return .ok(r)
    }
}

@inline(__always) func upperASCII(_ c: UInt8) -> UInt8 { c >= 97 && c <= 122 ? c - 32 : c }

@inline(__always) func isACGTN(_ c: UInt8) -> Bool { c == 65 || c == 67 || c == 71 || c == 84 || c == 78 }
