import Foundation
import Loader
public import VariantCore

/// Gene extents for `varde query --gene`, read from `reference/genes.GRCh38.tsv` (and aliases from
/// `reference/gene-aliases.tsv`), built by `scripts/build-gene-table.py` from Bioconductor's
/// org.Hs.eg.db (UCSC hg38 locations). Found through `VARDE_REFERENCE`, or beside the executable's checkout.
public enum GeneTable {
    static func referenceDirectory() -> String? {
        if let env = ProcessInfo.processInfo.environment["VARDE_REFERENCE"], !env.isEmpty { return env }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = url.appendingPathComponent("reference")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("genes.GRCh38.tsv").path) { return candidate.path }
            url.deleteLastPathComponent()
        }
        let cwd = FileManager.default.currentDirectoryPath + "/reference"
        return FileManager.default.fileExists(atPath: cwd + "/genes.GRCh38.tsv") ? cwd : nil
    }

    static func lines(_ path: String) -> [[Substring]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t") }
    }

    /// The regions of `symbol` (or of the genes it is an alias of), 1-based inclusive.
    public static func regions(for symbol: String, assembly: Assembly?) throws -> [Region] {
        guard assembly == .grch38 else {
            throw LoadError("the bundled gene table is GRCh38 only, and this store is \(assembly?.rawValue ?? "empty")",
                            fix: "query by --region (e.g. the gene's GRCh37 coordinates) until a GRCh37 table is bundled")
        }
        guard let dir = referenceDirectory() else {
            throw LoadError("reference/genes.GRCh38.tsv not found", fix: "set VARDE_REFERENCE to the checkout's reference/ folder")
        }
        let genes = lines(dir + "/genes.GRCh38.tsv")
        func find(_ name: String) -> [Region] {
            genes.filter { $0.count >= 5 && $0[0].uppercased() == name.uppercased() }.compactMap { f in
                guard let s = Int(f[3]), let e = Int(f[4]) else { return nil }
                return Region(contig: String(f[2]), start: s, end: e)
            }
        }
        var found = find(symbol)
        if found.isEmpty {
            let official = lines(dir + "/gene-aliases.tsv").filter { $0.count == 2 && $0[0].uppercased() == symbol.uppercased() }.map { String($0[1]) }
            for o in Set(official) { found += find(o) }
        }
        guard !found.isEmpty else {
            throw LoadError("no gene \(symbol) in the GRCh38 gene table (symbols and aliases from Entrez Gene)",
                            fix: "check the HGNC symbol, or query by --region")
        }
        return found
    }
}
