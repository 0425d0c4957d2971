public import VariantCore
public import VariantStore

extension SQLVariantStore: TumourVAFSource {
    /// Each variant's stored tumour VAF histogram (`variant.vaf_hist`), by contig name, POS, REF and ALT.
    public func tumourVAFBins(_ ids: [VariantID]) throws -> [[Int]] {
        let s = try db.statement("""
            SELECT v.vaf_hist FROM variant v JOIN contig c ON c.contig_id = v.contig_id
            WHERE (c.name = ?1 OR c.name = 'chr' || ?1) AND v.pos = ?2 AND v.ref = ?3 AND v.alt = ?4
            """)
        defer { s.reset() }
        var out: [[Int]] = []
        out.reserveCapacity(ids.count)
        for id in ids {
            s.reset()
            try s.bind([.text(id.contig), .int(id.position), .text(id.ref), .text(id.alt)])
            if try s.step(), !s.isNull(0) {
                out.append(VAFHistogram(s.blob(0)).bins.map(Int.init))
            } else {
                out.append([Int](repeating: 0, count: 10))
            }
        }
        return out
    }
}
