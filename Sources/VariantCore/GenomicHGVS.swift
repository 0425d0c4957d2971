/// Genomic HGVS (`NC_000007.14:g.140753336A>T`) in the canonical form the OMOP Genomic vocabulary's
/// synonyms use: shared bases trimmed, indels shifted to their 3′-most position against the reference,
/// `dup` where an insertion repeats the sequence before it, `m.` on the mitochondrial genome.
public enum GenomicHGVS {
    /// Reads reference bases `start...end` (1-based, inclusive, upper case) of the variant's contig;
    /// `nil` past the contig's end.
    public typealias Reference = (_ start: Int, _ end: Int) -> [UInt8]?

    /// The RefSeq accession of a primary chromosome (`chr7`, `7`, `X`, `MT`) on an assembly.
    public static func accession(assembly: Assembly, contig: String) -> String? {
        let chrom = Assembly.canonicalChromosome(contig)
        if chrom == "MT" { return "NC_012920.1" }
        return (assembly == .grch37 ? accessions37 : accessions38)[chrom]
    }

    /// NC_ accessions of chromosomes 1–22, X, Y: the version per assembly (GRCh37, GRCh38). Built once:
    /// a query describes every row it prints.
    static let versions: [String: (Int, Int)] = [
        "1": (10, 11), "2": (11, 12), "3": (11, 12), "4": (11, 12), "5": (9, 10), "6": (11, 12), "7": (13, 14),
        "8": (10, 11), "9": (11, 12), "10": (10, 11), "11": (9, 10), "12": (11, 12), "13": (10, 11), "14": (8, 9),
        "15": (9, 10), "16": (9, 10), "17": (10, 11), "18": (9, 10), "19": (9, 10), "20": (10, 11), "21": (8, 9),
        "22": (10, 11), "X": (10, 11), "Y": (9, 10),
    ]
    static let accessions37 = accessions(grch38: false)
    static let accessions38 = accessions(grch38: true)
    private static func accessions(grch38: Bool) -> [String: String] {
        var out: [String: String] = [:]
        for (chrom, v) in versions {
            let digits = String(chrom == "X" ? 23 : chrom == "Y" ? 24 : Int(chrom)!)
            out[chrom] = "NC_" + String(repeating: "0", count: 6 - digits.count) + digits + ".\(grch38 ? v.1 : v.0)"
        }
        return out
    }

    /// The genomic HGVS of one VCF allele; `nil` for what HGVS `g.` does not describe here (symbolic alleles,
    /// breakends, `*`, no change) or for an indel when no reference is given (it cannot be 3′-shifted).
    public static func describe(accession: String, mitochondrial: Bool = false, position: Int, ref: String, alt: String,
                                reference: Reference?) -> String? {
        // Most rows are SNVs: written directly, without the trimming arrays.
        if ref.utf8.count == 1, alt.utf8.count == 1, let x = ref.utf8.first.map(upper), let y = alt.utf8.first.map(upper),
           x != y, isBase(x), isBase(y), position >= 0 {
            // NC_000022.11:g.18000123A>G fits in 32 bytes: one allocation, written in place.
            return String(unsafeUninitializedCapacity: accession.utf8.count + 26) { buf in
                var n = 0
                for b in accession.utf8 { buf[n] = b; n += 1 }
                for b in (mitochondrial ? ":m." : ":g.").utf8 { buf[n] = b; n += 1 }
                var digits = 0, p = position
                repeat { digits += 1; p /= 10 } while p > 0
                p = position
                for i in stride(from: n + digits - 1, through: n, by: -1) { buf[i] = UInt8(ascii: "0") + UInt8(p % 10); p /= 10 }
                n += digits
                buf[n] = x; buf[n + 1] = UInt8(ascii: ">"); buf[n + 2] = y
                return n + 3
            }
        }
        let kind = AlleleKind.classify(ref: ref, alt: alt)
        guard kind.isSequenceResolved else { return nil }
        var r = Array(ref.utf8).map(upper), a = Array(alt.utf8).map(upper)
        var p = position
        while let x = r.last, let y = a.last, x == y { r.removeLast(); a.removeLast() }
        while let x = r.first, let y = a.first, x == y { r.removeFirst(); a.removeFirst(); p += 1 }
        let prefix = accession + (mitochondrial ? ":m." : ":g.")
        func s(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }
        switch (r.count, a.count) {
        case (0, 0):
            return nil
        case (1, 1):
            return prefix + "\(p)\(s(r))>\(s(a))"
        case (_, 0):
            guard let reference else { return nil }
            // Deletion of r at p...: slide right while the next base equals the first deleted one.
            var deleted = r, start = p, end = p + r.count - 1
            while let next = reference(end + 1, end + 1)?.first, next == deleted[0] {
                deleted.append(deleted.removeFirst())
                start += 1; end += 1
            }
            return prefix + (start == end ? "\(start)del" : "\(start)_\(end)del")
        case (0, _):
            guard let reference else { return nil }
            // Insertion of a between p-1 and p: slide right, then a copy of the bases before it is a dup.
            var inserted = a, after = p - 1
            while let next = reference(after + 1, after + 1)?.first, next == inserted[0] {
                inserted.append(inserted.removeFirst())
                after += 1
            }
            let dupStart = after - inserted.count + 1
            if dupStart >= 1, let before = reference(dupStart, after), before == inserted {
                return prefix + (dupStart == after ? "\(after)dup" : "\(dupStart)_\(after)dup")
            }
            return prefix + "\(after)_\(after + 1)ins\(s(inserted))"
        default:
            let end = p + r.count - 1
            return prefix + (p == end ? "\(p)delins\(s(a))" : "\(p)_\(end)delins\(s(a))")
        }
    }

    /// Genomic HGVS on a store's assembly (`nil` off the primary chromosomes; see ``describe``).
    @inline(__always) static func isBase(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "A") || c == UInt8(ascii: "C") || c == UInt8(ascii: "G") || c == UInt8(ascii: "T")
    }

    public static func describe(assembly: Assembly, contig: String, position: Int, ref: String, alt: String,
                                reference: Reference?) -> String? {
        guard let acc = accession(assembly: assembly, contig: contig) else { return nil }
        return describe(accession: acc, mitochondrial: Assembly.canonicalChromosome(contig) == "MT", position: position,
                        ref: ref, alt: alt, reference: reference)
    }
}
