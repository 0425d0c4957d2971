import OMOP
import VCF
import VariantCore
import VariantStore

/// The OMOP_CONCEPT_ID column of `varde query`: each variant's OMOP Genomic concept, by the same ordered rules as
/// `varde omop export` (HGVSg on the store's assembly, then the stored CSQ/ANN HGVSc/HGVSp, then fusions), when
/// the store holds a vocabulary (`varde vocab load`); `nil` otherwise.
struct QueryConcepts {
    let store: any VariantStore
    let mapper: ConceptMapper?

    init(store: any VariantStore, assembly: Assembly?, reference: ReferenceGenome?) throws {
        self.store = store
        guard let assembly, let vocabulary = store as? any VocabularyStore, try vocabulary.hasVocabulary() else {
            mapper = nil
            return
        }
        let lookup: ((String) -> GenomicHGVS.Reference?)? = reference.map { f in { f.hgvsReference(for: $0) } }
        mapper = ConceptMapper(resolver: StoreConceptResolver(store: vocabulary), assembly: assembly, reference: lookup)
    }

    func conceptID(_ a: VariantAggregate, hgvsg: String?) throws -> Int? {
        guard let mapper else { return nil }
        let transcripts = a.genes.isEmpty && a.consequences.isEmpty ? [] : try store.annotations(of: a.variantID).map {
            TranscriptHGVS(gene: $0.gene, hgvsc: $0.hgvsc, hgvsp: $0.hgvsp, consequences: $0.consequences)
        }
        return try mapper.map(hgvsg: hgvsg, transcripts: transcripts)?.concept.conceptID
    }
}
