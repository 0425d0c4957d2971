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

    /// `reference/`: `$VARDE_REFERENCE`, else the first `reference/` holding `file` beside the executable's
    /// checkout (up to six levels up), else `./reference`.
    public static func referenceDirectory(holding file: String = fileName(for: .grch38)) -> String? {
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
        let found = GeneIndex(directory: dir, assemblies: [assembly]).genes(symbol, assembly: assembly).map(\.region)
        guard !found.isEmpty else {
            throw LoadError("no gene \(symbol) in the \(assembly.rawValue) gene table \(file) (symbols and aliases from Entrez Gene)",
                            fix: "check the HGNC symbol, or query by --region")
        }
        return found
    }
}
