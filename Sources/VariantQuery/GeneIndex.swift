public import Foundation
public import VariantCore

/// Gene extents (1-based inclusive) per assembly, from `reference/genes.GRCh38.tsv`, `reference/genes.GRCh37.tsv`
/// and the alias table, the files `varde query --gene` reads (`VariantQuery.GeneTable`), held in memory so a request
/// does not re-read them.
public struct GeneIndex: Sendable {
    public struct Gene: Sendable, Equatable {
        public var symbol: String
        public var entrez: String
        public var region: Region
        public var strand: String
    }
    /// A gene's representative transcript (`reference/exons.<assembly>.tsv`, made from an Ensembl GFF3 by
    /// scripts/build-exon-table.py): its exons, sorted, and its coding extent.
    public struct Transcript: Sendable, Equatable {
        public var id: String
        public var contig: String
        public var strand: String
        public var exons: [ClosedRange<Int>]
        public var cds: ClosedRange<Int>?
    }
    private var bySymbol: [Assembly: [String: [Gene]]] = [:]
    private var aliases: [String: [String]] = [:]
    private var transcripts: [Assembly: [String: Transcript]] = [:]

    public init() {}

    /// Reads `directory/genes.<assembly>.tsv` for each of `assemblies` and `directory/gene-aliases.tsv`; missing
    /// files leave that assembly without genes.
    public init(directory: String, assemblies: [Assembly] = [.grch37, .grch38]) {
        func lines(_ name: String) -> [[Substring]] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return [] }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t") }
        }
        for assembly in assemblies {
            for f in lines(GeneTable.fileName(for: assembly)) where f.count >= 5 {
                guard let s = Int(f[3]), let e = Int(f[4]) else { continue }
                let g = Gene(symbol: String(f[0]), entrez: String(f[1]), region: Region(contig: String(f[2]), start: s, end: e),
                             strand: f.count > 5 ? String(f[5]) : ".")
                bySymbol[assembly, default: [:]][g.symbol.uppercased(), default: []].append(g)
            }
        }
        for assembly in assemblies {
            for f in lines("exons.\(assembly.rawValue).tsv") where f.count >= 7 {
                let exons = f[4].split(separator: ",").compactMap { part -> ClosedRange<Int>? in
                    let se = part.split(separator: "-")
                    guard se.count == 2, let s = Int(se[0]), let e = Int(se[1]), s <= e else { return nil }
                    return s...e
                }
                guard !exons.isEmpty else { continue }
                let cds = Int(f[5]).flatMap { s in Int(f[6]).flatMap { e in s <= e ? s...e : nil } }
                transcripts[assembly, default: [:]][f[0].uppercased()] = Transcript(id: String(f[1]), contig: String(f[2]), strand: String(f[3]),
                                                                                    exons: exons.sorted { $0.lowerBound < $1.lowerBound }, cds: cds)
            }
        }
        for f in lines("gene-aliases.tsv") where f.count == 2 {
            aliases[f[0].uppercased(), default: []].append(String(f[1]))
        }
    }

    public var isEmpty: Bool { bySymbol.isEmpty }

    /// Whether a gene table for `assembly` was read.
    public func covers(_ assembly: Assembly) -> Bool { bySymbol[assembly] != nil }

    /// The representative transcript of the gene `symbol` (an official symbol) on `assembly`, when an exon table
    /// was read.
    public func transcript(_ symbol: String, assembly: Assembly) -> Transcript? { transcripts[assembly]?[symbol.uppercased()] }

    /// The gene (or the genes an alias names) on `assembly`; empty when unknown.
    public func genes(_ symbol: String, assembly: Assembly) -> [Gene] {
        guard let table = bySymbol[assembly] else { return [] }
        let key = symbol.uppercased()
        if let g = table[key] { return g }
        return Set(aliases[key] ?? []).sorted().flatMap { table[$0.uppercased()] ?? [] }
    }
}
