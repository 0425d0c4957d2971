internal import VariantStore

/// Mapped and unmapped variants of one export, by variant class, concept class and rule; the most frequent
/// genes among the unmapped (when the store has gene annotations). Written next to the export.
public struct MappingReport: Sendable {
    public var variantsMapped = 0
    public var variantsUnmapped = 0
    /// Variants without a genomic HGVS (symbolic alleles, contigs off the primary assembly, indels without a FASTA).
    public var variantsWithoutHGVSg = 0
    public var byVariantClass: [String: (mapped: Int, unmapped: Int)] = [:]
    public var byConceptClass: [String: Int] = [:]
    public var byRule: [String: Int] = [:]
    public var unmappedGenes: [String: Int] = [:]
    public var measurementRows = 0
    public var unmappedCarriers = 0

    public init() {}

    mutating func count(kind: String, match: ConceptMatch?, hadHGVSg: Bool, genes: [String]) {
        if match != nil { variantsMapped += 1 } else { variantsUnmapped += 1 }
        if !hadHGVSg { variantsWithoutHGVSg += 1 }
        var k = byVariantClass[kind] ?? (0, 0)
        if match != nil { k.mapped += 1 } else { k.unmapped += 1 }
        byVariantClass[kind] = k
        if let match {
            byConceptClass[match.concept.conceptClassID, default: 0] += 1
            byRule[match.rule.rawValue, default: 0] += 1
        } else {
            for g in Set(genes) { unmappedGenes[g, default: 0] += 1 }
        }
    }

    /// Tab-separated sections, stable order (so two exports of one store give the same report).
    public func text(top: Int = 20) -> String {
        var out = "# Varde OMOP mapping report\n"
        out += "section\tkey\tmapped\tunmapped\n"
        out += "total\tvariants\t\(variantsMapped)\t\(variantsUnmapped)\n"
        out += "total\twithout_hgvsg\t.\t\(variantsWithoutHGVSg)\n"
        out += "total\tmeasurement_rows\t\(measurementRows)\t.\n"
        out += "total\tunmapped_carriers\t.\t\(unmappedCarriers)\n"
        for (k, v) in byVariantClass.sorted(by: { $0.key < $1.key }) { out += "variant_class\t\(k)\t\(v.mapped)\t\(v.unmapped)\n" }
        for (k, v) in byConceptClass.sorted(by: { $0.key < $1.key }) { out += "concept_class\t\(k)\t\(v)\t.\n" }
        for (k, v) in byRule.sorted(by: { $0.key < $1.key }) { out += "rule\t\(k)\t\(v)\t.\n" }
        if unmappedGenes.isEmpty {
            out += "unmapped_gene\t(no gene annotations in the store)\t.\t.\n"
        }
        for (g, n) in unmappedGenes.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }).prefix(top) {
            out += "unmapped_gene\t\(g)\t.\t\(n)\n"
        }
        return out
    }
}
