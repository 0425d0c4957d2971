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
    private var bySymbol: [Assembly: [String: [Gene]]] = [:]
    private var aliases: [String: [String]] = [:]

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
        for f in lines("gene-aliases.tsv") where f.count == 2 {
            aliases[f[0].uppercased(), default: []].append(String(f[1]))
        }
    }

    public var isEmpty: Bool { bySymbol.isEmpty }

    /// Whether a gene table for `assembly` was read.
    public func covers(_ assembly: Assembly) -> Bool { bySymbol[assembly] != nil }

    /// The gene (or the genes an alias names) on `assembly`; empty when unknown.
    public func genes(_ symbol: String, assembly: Assembly) -> [Gene] {
        guard let table = bySymbol[assembly] else { return [] }
        let key = symbol.uppercased()
        if let g = table[key] { return g }
        return Set(aliases[key] ?? []).sorted().flatMap { table[$0.uppercased()] ?? [] }
    }
}
