import Foundation
import Loader
public import VariantCore

/// Gene extents for `varde query --gene`, read from the table of the store's assembly, `reference/genes.GRCh38.tsv`
/// (UCSC hg38 locations from Bioconductor's org.Hs.eg.db, `scripts/build-gene-table.py`) or
/// `reference/genes.GRCh37.tsv` (GENCODE 19 genes matched to Entrez Gene, `scripts/build-gene-table-grch37.py`),
/// with aliases from `reference/gene-aliases.tsv`. Found through `VARDE_REFERENCE`, or beside the executable's checkout.
public enum GeneTable {
    /// The gene table's file name for an assembly: one format (#SYMBOL ENTREZ CHROM START END STRAND) for both.
    public static func fileName(for assembly: Assembly) -> String { "genes.\(assembly.rawValue).tsv" }

    static func referenceDirectory(holding file: String) -> String? {
        if let env = ProcessInfo.processInfo.environment["VARDE_REFERENCE"], !env.isEmpty { return env }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = url.appendingPathComponent("reference")
            if FileManager.default.fileExists(atPath: candidate.appendingPathComponent(file).path) { return candidate.path }
            url.deleteLastPathComponent()
        }
        let cwd = FileManager.default.currentDirectoryPath + "/reference"
        return FileManager.default.fileExists(atPath: cwd + "/" + file) ? cwd : nil
    }

    static func lines(_ path: String) -> [[Substring]] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.hasPrefix("#") }.map { $0.split(separator: "\t") }
    }

    /// The regions of `symbol` (or of the genes it is an alias of) on `assembly`, 1-based inclusive.
    public static func regions(for symbol: String, assembly: Assembly?) throws -> [Region] {
        guard let assembly else {
            throw LoadError("the store is empty, so there is no assembly to look gene \(symbol) up on",
                            fix: "load a VCF first, or query by --region")
        }
        let file = fileName(for: assembly)
        guard let dir = referenceDirectory(holding: file), FileManager.default.fileExists(atPath: dir + "/" + file) else {
            throw LoadError("reference/\(file) not found (the \(assembly.rawValue) gene table)",
                            fix: "set VARDE_REFERENCE to the checkout's reference/ folder")
        }
        let genes = lines(dir + "/" + file)
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
            throw LoadError("no gene \(symbol) in the \(assembly.rawValue) gene table \(file) (symbols and aliases from Entrez Gene)",
                            fix: "check the HGNC symbol, or query by --region")
        }
        return found
    }
}
