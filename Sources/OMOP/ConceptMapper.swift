public import VariantCore
public import VariantStore

/// Which rule of `spec/omop-genomics.md` §6 found a concept.
public enum MappingRule: String, Sendable, CaseIterable {
    /// Rule 6: the HGVSg on the store's assembly equals an OMOP Genomic synonym.
    case dnaExact = "dna-exact"
    /// Rule 7: the VEP/SnpEff HGVSc (versioned transcript) equals a `Gene RNA Variant` synonym.
    case transcript
    /// Rule 7: the HGVSp (versioned protein, 3-letter amino acids) equals a `Gene Protein Variant` synonym.
    case protein
    /// Rule 7 behind `--strip-versions`: accession versions ignored on both sides.
    case transcriptUnversioned = "transcript-unversioned"
    case proteinUnversioned = "protein-unversioned"
    /// Rule 7: `GENE1::GENE2` equals a fusion concept's synonym.
    case fusion
}

/// A variant's OMOP Genomic concept and how it was found.
public struct ConceptMatch: Sendable, Equatable {
    public var concept: Concept
    public var rule: MappingRule
    /// The synonym that matched (HGVSg, HGVSc, HGVSp or `GENE1::GENE2`).
    public var matched: String
}

/// The transcript-level facts of one allele (from CSQ/ANN), used by the fallback rules.
public struct TranscriptHGVS: Sendable, Equatable {
    public var gene: String?
    public var hgvsc: String?
    public var hgvsp: String?
    /// Sequence Ontology terms (`gene_fusion` marks SnpEff's fusion annotations, gene `GENE1&GENE2`).
    public var consequences: [String]
    public init(gene: String?, hgvsc: String?, hgvsp: String?, consequences: [String] = []) {
        self.gene = gene
        self.hgvsc = hgvsc
        self.hgvsp = hgvsp
        self.consequences = consequences
    }
}

/// Maps variants to OMOP Genomic concepts by the ordered rules: exact DNA-level HGVSg on the store's assembly,
/// then versioned HGVSc/HGVSp (unversioned only when `stripVersions`), fusions by `GENE1::GENE2`. Only standard,
/// valid concepts are returned; deprecated ones are followed through `Concept replaced by`.
public struct ConceptMapper {
    public let resolver: any ConceptResolver
    public let assembly: Assembly
    /// Reference bases of a contig for 3′-shifting indels (without it indels get no HGVSg and stay unmapped).
    public let reference: ((_ contig: String) -> GenomicHGVS.Reference?)?
    public let stripVersions: Bool
    /// Unversioned synonym -> concepts, built on first use of `stripVersions` (from every synonym seen so far).
    private let unversioned: [String: [Int]]

    public init(resolver: any ConceptResolver, assembly: Assembly, reference: ((_ contig: String) -> GenomicHGVS.Reference?)?, stripVersions: Bool = false,
                unversionedSynonyms: [String: [Int]] = [:]) {
        self.resolver = resolver
        self.assembly = assembly
        self.reference = reference
        self.stripVersions = stripVersions
        self.unversioned = unversionedSynonyms
    }

    /// The genomic HGVS of a stored allele on the store's assembly.
    public func hgvsg(contig: String, position: Int, ref: String, alt: String) -> String? {
        GenomicHGVS.describe(assembly: assembly, contig: contig, position: position, ref: ref, alt: alt, reference: reference?(contig))
    }

    /// The first standard, valid OMOP Genomic concept among the synonym's concepts, preferring `classes` in order.
    func lookup(_ synonym: String, classes: [String], rule: MappingRule) throws -> ConceptMatch? {
        try pick(try resolver.conceptIDs(synonym: synonym), synonym: synonym, classes: classes, rule: rule)
    }

    func pick(_ ids: [Int], synonym: String, classes: [String], rule: MappingRule) throws -> ConceptMatch? {
        var found: [Concept] = []
        for id in ids {
            if let c = try resolver.standardValid(id), c.vocabularyID == "OMOP Genomic", !found.contains(c) { found.append(c) }
        }
        for cls in classes {
            if let c = found.first(where: { $0.conceptClassID == cls }) { return ConceptMatch(concept: c, rule: rule, matched: synonym) }
        }
        return found.first.map { ConceptMatch(concept: $0, rule: rule, matched: synonym) }
    }

    /// Rules 6 and 7 for one allele: DNA-level first, then each transcript annotation's HGVSc, then HGVSp.
    public func map(hgvsg: String?, transcripts: [TranscriptHGVS] = []) throws -> ConceptMatch? {
        if let hgvsg, let m = try lookup(hgvsg, classes: ["Gene DNA Variant"], rule: .dnaExact) { return m }
        for t in transcripts {
            if let c = t.hgvsc, let m = try lookup(c, classes: ["Gene RNA Variant"], rule: .transcript) { return m }
        }
        for t in transcripts {
            if let p = t.hgvsp, let m = try lookup(p, classes: ["Gene Protein Variant"], rule: .protein) { return m }
        }
        for t in transcripts where t.consequences.contains(where: { $0.contains("gene_fusion") }) {
            let genes = (t.gene ?? "").split(whereSeparator: { $0 == "&" || $0 == "-" }).map(String.init)
            if genes.count == 2, let m = try mapFusion(genes[0], genes[1]) { return m }
        }
        guard stripVersions else { return nil }
        for t in transcripts {
            if let c = t.hgvsc, let ids = unversioned[Self.stripVersion(c)],
               let m = try pick(ids, synonym: c, classes: ["Gene RNA Variant"], rule: .transcriptUnversioned) { return m }
        }
        for t in transcripts {
            if let p = t.hgvsp, let ids = unversioned[Self.stripVersion(p)],
               let m = try pick(ids, synonym: p, classes: ["Gene Protein Variant"], rule: .proteinUnversioned) { return m }
        }
        return nil
    }

    /// Rule 7 for fusions: `GENE1::GENE2` (order as given, then reversed).
    public func mapFusion(_ gene1: String, _ gene2: String) throws -> ConceptMatch? {
        if let m = try lookup("\(gene1)::\(gene2)", classes: [], rule: .fusion) { return m }
        return try lookup("\(gene2)::\(gene1)", classes: [], rule: .fusion)
    }

    /// The version-stripped index of a vocabulary's transcript (`c.`) and protein (`p.`) synonyms.
    public static func unversionedIndex(_ synonyms: [(synonym: String, conceptID: Int)]) -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for (s, id) in synonyms where s.contains(":c.") || s.contains(":p.") {
            out[stripVersion(s), default: []].append(id)
        }
        return out
    }

    /// `NM_004333.6:c.1799T>A` -> `NM_004333:c.1799T>A`.
    public static func stripVersion(_ hgvs: String) -> String {
        guard let colon = hgvs.firstIndex(of: ":") else { return hgvs }
        let accession = hgvs[..<colon]
        guard let dot = accession.lastIndex(of: "."), accession[accession.index(after: dot)...].allSatisfy(\.isNumber) else { return hgvs }
        return String(accession[..<dot]) + String(hgvs[colon...])
    }
}
