import FHIR
import Foundation
import Testing
import TestSupport
import VariantCore
import VariantStore

/// The pure mapping of transcript annotations: values from a real VEP record (snpeff `mixed_10_hgvs.vep.vcf`,
/// 1:26488469 CTCG>CGGCGGCTCT in FAM110D, whose CSQ also names HGNC_ID 25860).
@Suite struct GenomicsMapperTests {
    static let vep = Annotation(source: .vep, allele: "GGCGGCTCT", gene: "FAM110D", consequences: ["inframe_insertion"],
                                transcript: "ENST00000374268", hgvsc: "ENST00000374268.3:c.688_690delTCGinsGGCGGCTCT",
                                hgvsp: "ENSP00000363386.3:p.Gly228_Gly229dup")
    static let regulatory = Annotation(source: .vep, allele: "GGCGGCTCT", gene: nil, consequences: ["regulatory_region_variant"],
                                       transcript: "ENSR00000161816", hgvsc: nil, hgvsp: nil)

    static func finding(_ annotations: [Annotation], genes: [GeneReference]) -> VariantFinding {
        let site = VariantCarriers(variantKey: 1, contig: "1", position: 26_488_469, end: 26_488_472, ref: "CTCG", alt: "CGGCGGCTCT",
                                   kind: "complex", rsid: nil, carriers: [])
        let sample = SampleDetail(ordinal: 0, name: "S1", personID: 1, pseudonym: String(repeating: "ab", count: 32), role: .germline,
                                  sex: "F", birthYear: 1980, specimenType: nil, collectionDate: "2020-01-01", diagnosis: nil,
                                  diagnosisDate: nil, careSite: nil, assay: nil, batch: 1, loadedAt: "2020-01-02T00:00:00Z")
        return VariantFinding(site: site, carrier: Carrier(ordinal: 0, zygosity: .het, depth: 30, vaf: 0.5, genotypeQuality: 99),
                              sample: sample, annotations: annotations, hgvsg: nil, genes: genes)
    }

    static func component(_ obs: JSONValue, _ code: String) -> JSONValue? {
        guard case .array(let items)? = obs["component"] else { return nil }
        return items.first { c in
            guard case .array(let codings)? = c["code"]?["coding"], case .string(let k)? = codings.first?["code"] else { return false }
            return k == code
        }
    }

    static func code(_ c: JSONValue?) -> String? {
        guard case .array(let codings)? = c?["valueCodeableConcept"]?["coding"], case .string(let k)? = codings.first?["code"] else { return nil }
        return k
    }

    @Test("the representative transcript's HGVSc/HGVSp and transcript id; the gene from the CSQ symbol gets the HGNC id VEP itself names")
    func vepTranscript() throws {
        let catalog = try GeneCatalog(hgncTable: Fixtures.root.appendingPathComponent("reference/hgnc.tsv").path, geneTable: nil)
        let f0 = Self.finding([Self.regulatory, Self.vep], genes: [])
        let genes = catalog.genes(for: f0.site, annotations: f0.annotations)
        #expect(genes == [GeneReference(symbol: "FAM110D", hgncID: "HGNC:25860", entrez: genes.first?.entrez)])
        let mapper = GenomicsMapper(assembly: .grch37, options: FHIROptions())
        let obs = mapper.observation(Self.finding([Self.regulatory, Self.vep], genes: genes), patientID: "p", specimenID: "s").resource
        #expect(Self.code(Self.component(obs, "48004-6")) == "ENST00000374268.3:c.688_690delTCGinsGGCGGCTCT")
        #expect(Self.code(Self.component(obs, "48005-3")) == "ENSP00000363386.3:p.Gly228_Gly229dup")
        #expect(Self.code(Self.component(obs, "51958-7")) == "ENST00000374268")
        #expect(Self.code(Self.component(obs, "48018-6")) == "HGNC:25860")
        #expect(Self.code(Self.component(obs, "48019-4")) == "SO:1000032")
        // A germline call: allelic state, no VAF; DP and GQ as Varde components.
        #expect(Self.code(Self.component(obs, "53034-5")) == "LA6706-1")
        #expect(Self.component(obs, "81258-6") == nil)
        #expect(Self.component(obs, "genotype-quality")?["valueInteger"] == .number("99"))
    }

    @Test("a RefSeq transcript is preferred, and SnpEff's bare c. gets its transcript as accession")
    func refSeqPreferredAndQualified() {
        let snpEff = Annotation(source: .snpEff, allele: "GGCGGCTCT", gene: "FAM110D", consequences: ["inframe_insertion"],
                                transcript: "NM_024889.5", hgvsc: "c.688_690delinsGGCGGCTCT", hgvsp: "p.Gly228_Gly229dup")
        #expect(GenomicsMapper.representative([Self.vep, snpEff]) == snpEff)
        #expect(GenomicsMapper.representative([Self.regulatory]) == nil)
        let obs = GenomicsMapper(assembly: .grch37, options: FHIROptions())
            .observation(Self.finding([Self.vep, snpEff], genes: []), patientID: "p", specimenID: "s").resource
        #expect(Self.code(Self.component(obs, "48004-6")) == "NM_024889.5:c.688_690delinsGGCGGCTCT")
        guard case .array(let codings)? = Self.component(obs, "51958-7")?["valueCodeableConcept"]?["coding"] else {
            Issue.record("no transcript component"); return
        }
        #expect(codings.first?["system"] == .string("http://www.ncbi.nlm.nih.gov/refseq"))
    }

    @Test("a sample name or manifest text holding a CPR-like number never reaches the export")
    func cprLikeNamesDropped() {
        #expect(GenomicsMapper.containsCPRLike("010170-1234"))
        #expect(GenomicsMapper.containsCPRLike("blood 0101701234"))
        #expect(!GenomicsMapper.containsCPRLike("SM-612V3"))
        #expect(!GenomicsMapper.containsCPRLike("TCGA-A6-2686-01A-01D-1408-10"))
        #expect(!GenomicsMapper.containsCPRLike("01017012345"))
        var sample = Self.finding([], genes: []).sample
        sample.name = "0101701234-blood"
        sample.specimenType = "tissue of 010170-1234"
        let specimen = GenomicsMapper(assembly: .grch38, options: FHIROptions()).specimen(sample, patientID: "p").resource
        #expect(specimen["identifier"] == nil)
        #expect(!specimen.compact().contains("1234"))
        #expect(specimen["type"]?["coding"] != nil)
    }
}
