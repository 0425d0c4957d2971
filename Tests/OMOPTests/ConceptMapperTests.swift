import Foundation
import OMOP
import Testing
import TestSupport
import VariantCore
import VariantStore
import VariantStoreSQLite

/// One test per mapping rule of spec §6 (rules 6 and 7), on the fixture vocabulary's real OMOP Genomic rows
/// loaded into a real store, or on a small in-memory vocabulary where the rule needs rows the extracts lack.
@Suite struct ConceptMapperTests {
    /// A fresh store holding fixtures/omop/vocabulary (Athena format).
    static func fixtureStore() throws -> (SQLiteVariantStore, URL) {
        let dir = try Fixtures.temporaryDirectory()
        let store = try SQLiteVariantStore(path: dir.appendingPathComponent("s.db").path)
        try store.loadVocabulary(replace: true) { w in
            _ = try VocabularyLoader.loadAthena(directory: Fixtures.path("omop/vocabulary"), into: w)
        }
        return (store, dir)
    }

    @Test("Exact DNA-level HGVSg on GRCh38: BRAF V600E chr7:140753336 A>T maps to 35981340")
    func brafGRCh38() throws {
        // Given the fixture vocabulary in a store and a GRCh38 mapper
        let (store, dir) = try Self.fixtureStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mapper = ConceptMapper(resolver: StoreConceptResolver(store: store), assembly: .grch38, reference: nil)
        // When the variant is described and looked up
        let hgvsg = mapper.hgvsg(contig: "chr7", position: 140_753_336, ref: "A", alt: "T")
        let match = try mapper.map(hgvsg: hgvsg)
        // Then it is the real concept, by the DNA rule
        #expect(hgvsg == "NC_000007.14:g.140753336A>T")
        #expect(match?.concept.conceptID == 35_981_340)
        #expect(match?.rule == .dnaExact)
        #expect(match?.concept.conceptClassID == "Gene DNA Variant")
    }

    @Test("The DNA-level match uses the store's assembly: the GRCh37 position matches on GRCh37 only")
    func assemblySpecific() throws {
        let (store, dir) = try Self.fixtureStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let resolver = StoreConceptResolver(store: store)
        let grch37 = ConceptMapper(resolver: resolver, assembly: .grch37, reference: nil)
        let grch38 = ConceptMapper(resolver: resolver, assembly: .grch38, reference: nil)
        #expect(try grch37.map(hgvsg: grch37.hgvsg(contig: "7", position: 140_453_136, ref: "A", alt: "T"))?.concept.conceptID == 35_981_340)
        #expect(try grch38.map(hgvsg: grch38.hgvsg(contig: "7", position: 140_453_136, ref: "A", alt: "T")) == nil)
        // A different base at the same place is not the same variant.
        #expect(try grch38.map(hgvsg: grch38.hgvsg(contig: "7", position: 140_753_336, ref: "A", alt: "G"))?.concept.conceptID != 35_981_340)
    }

    @Test("Fallback: a versioned HGVSc matches a Gene RNA Variant, a versioned HGVSp a Gene Protein Variant")
    func transcriptAndProteinFallback() throws {
        let (store, dir) = try Self.fixtureStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mapper = ConceptMapper(resolver: StoreConceptResolver(store: store), assembly: .grch38, reference: nil)
        let rna = try mapper.map(hgvsg: "NC_000007.14:g.1A>C", transcripts: [TranscriptHGVS(gene: "BRAF", hgvsc: "ENST00000646891.2:c.1799T>A", hgvsp: nil)])
        #expect(rna?.concept.conceptID == 35_984_452)
        #expect(rna?.rule == .transcript)
        let protein = try mapper.map(hgvsg: nil, transcripts: [TranscriptHGVS(gene: "BRAF", hgvsc: "ENST00000646891.9:c.1799T>A", hgvsp: "NP_004324.2:p.Val600Glu")])
        #expect(protein?.concept.conceptID == 19_596_981)
        #expect(protein?.rule == .protein)
    }

    @Test("Version-stripped HGVSc matching happens only behind the flag")
    func strippedVersionsBehindFlag() throws {
        let (store, dir) = try Self.fixtureStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let resolver = StoreConceptResolver(store: store)
        let wrongVersion = [TranscriptHGVS(gene: "BRAF", hgvsc: "NM_004333.4:c.1799T>A", hgvsp: nil)]
        let strict = ConceptMapper(resolver: resolver, assembly: .grch38, reference: nil)
        #expect(try strict.map(hgvsg: nil, transcripts: wrongVersion) == nil)
        let index = ["NM_004333:c.1799T>A": try store.conceptIDs(synonym: "NM_004333.6:c.1799T>A")]
        let loose = ConceptMapper(resolver: resolver, assembly: .grch38, reference: nil, stripVersions: true, unversionedSynonyms: index)
        let m = try loose.map(hgvsg: nil, transcripts: wrongVersion)
        #expect(m?.concept.conceptID == 35_984_452)
        #expect(m?.rule == .transcriptUnversioned)
        #expect(ConceptMapper.stripVersion("NM_004333.6:c.1799T>A") == "NM_004333:c.1799T>A")
    }

    @Test("Fusions map by GENE1::GENE2, in either order")
    func fusion() throws {
        let (store, dir) = try Self.fixtureStore()
        defer { try? FileManager.default.removeItem(at: dir) }
        let mapper = ConceptMapper(resolver: StoreConceptResolver(store: store), assembly: .grch38, reference: nil)
        #expect(try mapper.mapFusion("EML4", "ALK")?.concept.conceptID == 35_976_974)
        #expect(try mapper.mapFusion("ALK", "EML4")?.concept.conceptID == 35_976_974)
        #expect(try mapper.mapFusion("EML4", "BRAF") == nil)
    }

    static func genomic(_ id: Int, standard: String?, invalid: String?) -> Concept {
        Concept(conceptID: id, conceptName: "c\(id)", domainID: "Measurement", vocabularyID: "OMOP Genomic", conceptClassID: "Gene DNA Variant",
                standardConcept: standard, conceptCode: "OMOP\(id)", validStartDate: "20240216", validEndDate: "20991231", invalidReason: invalid)
    }

    @Test("A concept replaced by another ('U') maps to its replacement; a deleted or non-standard one does not map")
    func replacedAndInvalid() throws {
        let resolver = InMemoryConceptResolver(
            concepts: [Self.genomic(1, standard: nil, invalid: "U"), Self.genomic(2, standard: "S", invalid: nil),
                       Self.genomic(3, standard: nil, invalid: "D"), Self.genomic(4, standard: nil, invalid: nil)],
            synonyms: [("NC_000001.11:g.10A>T", 1), ("NC_000001.11:g.20A>T", 3), ("NC_000001.11:g.30A>T", 4)],
            relationships: [(1, "Concept replaced by", 2)])
        let mapper = ConceptMapper(resolver: resolver, assembly: .grch38, reference: nil)
        #expect(try mapper.map(hgvsg: "NC_000001.11:g.10A>T")?.concept.conceptID == 2)
        #expect(try mapper.map(hgvsg: "NC_000001.11:g.20A>T") == nil)
        #expect(try mapper.map(hgvsg: "NC_000001.11:g.30A>T") == nil)
    }

    @Test("Indels map only when 3′-shifted against the reference, as the vocabulary's synonyms are")
    func indelNeedsReference() throws {
        // An A deleted from the run of As at 101...104: 3′-shifted to the last one (g.104del).
        let bases = Array("GCAAAAT".utf8)  // positions 99...105
        let reference: GenomicHGVS.Reference = { s, e in s >= 99 && e <= 105 ? Array(bases[(s - 99)...(e - 99)]) : nil }
        let resolver = InMemoryConceptResolver(concepts: [Self.genomic(7, standard: "S", invalid: nil)], synonyms: [("NC_000001.11:g.104del", 7)])
        let withFASTA = ConceptMapper(resolver: resolver, assembly: .grch38, reference: { _ in reference })
        let without = ConceptMapper(resolver: resolver, assembly: .grch38, reference: nil)
        let h = withFASTA.hgvsg(contig: "1", position: 100, ref: "CA", alt: "C")
        #expect(h == "NC_000001.11:g.104del")
        #expect(try withFASTA.map(hgvsg: h)?.concept.conceptID == 7)
        #expect(without.hgvsg(contig: "1", position: 100, ref: "CA", alt: "C") == nil)
    }

    @Test("Koios extracts load as OMOP Genomic synonyms, without overwriting concepts loaded from Athena")
    func koiosLoad() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Given a koios_concepts.csv made of the fixture's real hg38 rows (same columns as the extract)
        let subset = try String(contentsOfFile: Fixtures.path("omop/koios_subset_BRAF_KRAS_EGFR.hg38.csv"), encoding: .utf8)
        var csv = "concept_id,concept_name,concept_synonym_name,ver\n"
        for line in subset.split(separator: "\n").dropFirst() where line.hasPrefix("concepts,") { csv += line.dropFirst("concepts,".count) + "\n" }
        let koios = dir.appendingPathComponent("koios")
        try FileManager.default.createDirectory(at: koios, withIntermediateDirectories: true)
        try csv.write(to: koios.appendingPathComponent("koios_concepts.csv"), atomically: true, encoding: .utf8)
        let store = try SQLiteVariantStore(path: dir.appendingPathComponent("s.db").path)
        // When it is loaded
        var counts: VocabularyLoader.Counts = []
        try store.loadVocabulary(replace: true) { w in counts = try VocabularyLoader.loadKoios(directory: koios.path, into: w) }
        // Then every row is a synonym and BRAF V600E resolves
        #expect(counts.first?.rows == csv.split(separator: "\n").count - 1)
        let mapper = ConceptMapper(resolver: StoreConceptResolver(store: store), assembly: .grch38, reference: nil)
        let m = try mapper.map(hgvsg: "NC_000007.14:g.140753336A>T")
        #expect(m?.concept.conceptID == 35_981_340)
        #expect(m?.concept.vocabularyID == "OMOP Genomic")
    }
}
