public import Foundation
public import VariantCore

/// Gene extents (GRCh38, 1-based inclusive) from `reference/genes.GRCh38.tsv` and its alias table, as
/// `varde query --gene` reads them.
public struct GeneIndex: Sendable {
    public struct Gene: Sendable, Equatable {
        public var symbol: String
        public var entrez: String
        public var region: Region
        public var strand: String
    }
    private var bySymbol: [String: [Gene]] = [:]
    private var aliases: [String: [String]] = [:]

    public init() {}

    /// Reads `directory/genes.GRCh38.tsv` and `directory/gene-aliases.tsv` (missing files give an empty index).
    public init(directory: String) {
        func lines(_ name: String) -> [[Substring]] {
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return [] }
            return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t") }
        }
        for f in lines("genes.GRCh38.tsv") where f.count >= 5 {
            guard let s = Int(f[3]), let e = Int(f[4]) else { continue }
            let g = Gene(symbol: String(f[0]), entrez: String(f[1]), region: Region(contig: String(f[2]), start: s, end: e),
                         strand: f.count > 5 ? String(f[5]) : ".")
            bySymbol[g.symbol.uppercased(), default: []].append(g)
        }
        for f in lines("gene-aliases.tsv") where f.count == 2 {
            aliases[f[0].uppercased(), default: []].append(String(f[1]))
        }
    }

    public var isEmpty: Bool { bySymbol.isEmpty }

    /// The gene (or the genes an alias names); empty when unknown.
    public func genes(_ symbol: String) -> [Gene] {
        let key = symbol.uppercased()
        if let g = bySymbol[key] { return g }
        return Set(aliases[key] ?? []).sorted().flatMap { bySymbol[$0.uppercased()] ?? [] }
    }
}
