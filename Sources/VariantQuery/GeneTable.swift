import Foundation
import Loader
public import VariantCore

/// Gene extents for `varde query --gene`, read from the table of the store's assembly, `reference/genes.GRCh38.tsv`
/// (UCSC hg38 locations from Bioconductor's org.Hs.eg.db, `scripts/build-gene-table.py`) or
/// `reference/genes.GRCh37.tsv` (GENCODE 19 genes matched to Entrez Gene, `scripts/build-gene-table-grch37.py`),
/// with aliases from `reference/gene-aliases.tsv`, found as ``ReferenceFolder`` says.
public enum GeneTable {
    /// The gene table's file name for an assembly: one format (#SYMBOL ENTREZ CHROM START END STRAND) for both.
    public static func fileName(for assembly: Assembly) -> String { "genes.\(assembly.rawValue).tsv" }

    /// The `reference/` folder holding `file` (``ReferenceFolder``: `$VARDE_REFERENCE`, the installed
    /// `share/varde/reference`, the checkout's, `./reference`).
    public static func referenceDirectory(holding file: String = fileName(for: .grch38)) -> String? {
        ReferenceFolder.folder(holding: file)
    }

    /// The regions of `symbol` (or of the genes it is an alias of) on `assembly`, 1-based inclusive.
    public static func regions(for symbol: String, assembly: Assembly?) throws -> [Region] {
        guard let assembly else {
            throw LoadError("the store is empty, so there is no assembly to look gene \(symbol) up on",
                            fix: "load a VCF first, or query by --region")
        }
        let file = fileName(for: assembly)
        guard let dir = referenceDirectory(holding: file), FileManager.default.fileExists(atPath: dir + "/" + file) else {
            throw LoadError("reference/\(file) not found (the \(assembly.rawValue) gene table)", fix: ReferenceFolder.fix)
        }
        let found = GeneIndex(directory: dir, assemblies: [assembly]).genes(symbol, assembly: assembly).map(\.region)
        guard !found.isEmpty else {
            throw LoadError("no gene \(symbol) in the \(assembly.rawValue) gene table \(file) (symbols and aliases from Entrez Gene)",
                            fix: "check the HGNC symbol, or query by --region")
        }
        return found
    }
}
