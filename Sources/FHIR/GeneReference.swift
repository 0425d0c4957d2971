/// A gene as `gene-studied` (48018-6) codes it: HGNC id and approved symbol when known, else NCBI Gene.
public struct GeneReference: Sendable, Equatable, Hashable {
    public var symbol: String
    /// `HGNC:1097`.
    public var hgncID: String?
    public var entrez: String?
    public init(symbol: String, hgncID: String?, entrez: String?) {
        self.symbol = symbol
        self.hgncID = hgncID
        self.entrez = entrez
    }
}
