/// One transcript-level consequence from a VEP `CSQ` or SnpEff `ANN` annotation.
public struct Annotation: Sendable, Hashable, Codable {
    public enum Source: String, Sendable, Hashable, Codable { case vep = "CSQ", snpEff = "ANN" }

    public var source: Source
    /// The ALT allele the annotation belongs to, as the annotator wrote it (VEP trims the shared base).
    public var allele: String
    public var gene: String?
    /// Sequence Ontology terms, e.g. `missense_variant`.
    public var consequences: [String]
    public var transcript: String?
    public var hgvsc: String?
    public var hgvsp: String?

    public init(source: Source, allele: String, gene: String?, consequences: [String], transcript: String?,
                hgvsc: String?, hgvsp: String?) {
        self.source = source
        self.allele = allele
        self.gene = gene
        self.consequences = consequences
        self.transcript = transcript
        self.hgvsc = hgvsc
        self.hgvsp = hgvsp
    }
}
