internal import CHTSlib
public import VariantCore

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A reference FASTA read through htslib's faidx (`.fai` is created when missing; bgzipped FASTA
/// with `.gzi` works too). Not `Sendable`: open one per task.
public final class ReferenceGenome {
    public let path: String
    private let fai: OpaquePointer
    private var cache: (contig: String, start: Int, bases: [UInt8])? = nil

    public init(path: String) throws(VCFError) {
        _ = VariantReader.quietHTSlib
        self.path = path
        guard access(path, R_OK) == 0 else {
            throw VCFError(.reference, path: path, message: "the reference FASTA does not exist or cannot be read",
                           fix: "give the FASTA the VCF was called against, e.g. GRCh38 primary assembly")
        }
        guard let f = fai_load(path) else {
            throw VCFError(.reference, path: path, message: "htslib cannot index this FASTA",
                           fix: "check it is FASTA (optionally bgzipped, not gzip) and that its folder is writable for the .fai, or run 'samtools faidx \(path)'")
        }
        self.fai = f
    }

    deinit { fai_destroy(fai) }

    public var contigNames: [String] {
        (0..<Int(faidx_nseq(fai))).map { String(cString: faidx_iseq(fai, Int32($0))) }
    }

    public func hasContig(_ name: String) -> Bool { faidx_has_seq(fai, name) == 1 }

    /// Bases of a store contig for 3′-shifting HGVS (`7`, `chr7` and `MT`/`chrM` all find the FASTA's name);
    /// `nil` when the FASTA does not have it.
    public func hgvsReference(for contig: String) -> GenomicHGVS.Reference? {
        let canonical = Assembly.canonicalChromosome(contig)
        let names = [contig, canonical, "chr" + canonical] + (canonical == "MT" ? ["chrM", "M"] : [])
        guard let name = names.first(where: hasContig) else { return nil }
        return { s, e in self.bases(name, s, e) }
    }

    public func length(of contig: String) -> Int? {
        guard hasContig(contig) else { return nil }
        let n = faidx_seq_len(fai, contig)
        return n < 0 ? nil : Int(n)
    }

    /// Upper-cased bases `start...end` (1-based, inclusive), clipped to the contig; `nil` if the contig is absent.
    public func bases(_ contig: String, _ start: Int, _ end: Int) -> [UInt8]? {
        guard start >= 1, end >= start else { return [] }
        if let c = cache, c.contig == contig, start >= c.start, end < c.start + c.bases.count {
            return Array(c.bases[(start - c.start)...(end - c.start)])
        }
        // Fetch a window around the request: normalisation asks for neighbouring bases repeatedly.
        let winStart = max(1, start - 256)
        let winEnd = end + 256
        var len: hts_pos_t = 0
        guard let p = faidx_fetch_seq64(fai, contig, hts_pos_t(winStart - 1), hts_pos_t(winEnd - 1), &len), len >= 0 else {
            return nil
        }
        defer { free(p) }
        var window = [UInt8](UnsafeRawBufferPointer(start: p, count: Int(len)))
        for i in window.indices where window[i] >= 97 && window[i] <= 122 { window[i] -= 32 }
        cache = (contig, winStart, window)
        guard start - winStart < window.count else { return [] }
        return Array(window[(start - winStart)..<min(window.count, end - winStart + 1)])
    }

    public func sequence(_ contig: String, _ start: Int, _ end: Int) -> String? {
        bases(contig, start, end).map { String(decoding: $0, as: UTF8.self) }
    }
}
