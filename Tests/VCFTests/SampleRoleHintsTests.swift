import Testing
import TestSupport
@testable import VCF

/// The header conventions by which a file names its tumour and normal. Real files are covered by
/// SomaticLoadTests; this checks each rule on the header values callers write, including Manta and VarDict,
/// of which the corpus has no file.
@Suite("Tumour/normal conventions in VCF headers")
struct SampleRoleHintsTests {
    typealias Line = SampleRoleHints.Line
    static let somatic = VCFHeader.Field(id: "SOMATIC", number: "0", type: "Flag", description: "Somatic mutation")

    @Test("Manta writes normal then tumour; VarDict tumour then normal; Strelka renamed columns keep its order")
    func callerOrder() {
        let manta = SampleRoleHints.infer(samples: ["P1-R", "P1-T"], lines: [Line(key: "source", value: "GenerateSVCandidates 1.6.0")],
                                          info: [Self.somatic, .init(id: "SOMATICSCORE", number: "1", type: "Integer", description: "Somatic variant quality score")])
        #expect(manta.samples["P1-R"]?.role == .normal && manta.samples["P1-T"]?.role == .tumour)
        let vardict = SampleRoleHints.infer(samples: ["T", "N"], lines: [],
                                            info: [.init(id: "STATUS", number: "1", type: "String", description: "Somatic or germline status")])
        #expect(vardict.samples["T"]?.role == .tumour && vardict.samples["N"]?.role == .normal)
        let strelka = SampleRoleHints.infer(samples: ["NA12877_c100", "NA12878_c40"],
                                            lines: [Line(key: "source", value: "strelka"), Line(key: "content", value: "strelka somatic snv calls")], info: [Self.somatic])
        #expect(strelka.samples["NA12878_c40"]?.role == .tumour && strelka.samples["NA12877_c100"]?.role == .normal)
        // GRIDSS follows no order: a somatic-looking pair with no names stays unnamed, so the loader refuses it.
        let gridss = SampleRoleHints.infer(samples: ["a", "b"], lines: [Line(key: "source", value: "GRIDSS")], info: [Self.somatic])
        #expect(gridss.samples.isEmpty && gridss.somaticEvidence != nil)
    }

    @Test("GRIDSS somatic output: INFO/TAF or a normal-support FILTER marks it; Hartwig's …R/…T names give the roles")
    func gridssAndLetterPairs() {
        let taf = VCFHeader.Field(id: "TAF", number: ".", type: "Float", description: "Overall unadjusted allele fraction of tumour samples")
        let names = ["COLO829v001R_dedup.realigned.bam", "COLO829v001T_dedup.realigned.bam"]
        let gridss = SampleRoleHints.infer(samples: names, lines: [Line(key: "gridssVersion", value: "2.8.3-gridss")], info: [taf])
        #expect(gridss.somaticEvidence?.contains("TAF") == true)
        #expect(gridss.samples[names[0]]?.role == .normal && gridss.samples[names[1]]?.role == .tumour)
        let filter = SampleRoleHints.infer(samples: ["P7-T", "P7-N"], lines: [Line(key: "FILTER", fields: ["ID": "normalSupport", "Description": "Too many supporting reads from the normal sample(s)"])], info: [])
        #expect(filter.somaticEvidence != nil && filter.samples["P7-T"]?.role == .tumour && filter.samples["P7-N"]?.role == .normal)
        // Without somatic evidence the same names are a germline pair: nothing is inferred from them.
        let germline = SampleRoleHints.infer(samples: names, lines: [Line(key: "gridssVersion", value: "2.8.3-gridss")], info: [])
        #expect(germline.samples.isEmpty && germline.somaticEvidence == nil)
        // The letter must stand alone: ROSE/TOSE, two letters apart, or T against another letter say nothing.
        for (a, b) in [("ROSE", "TOSE"), ("P1R2", "P1T3"), ("S1X", "S1T"), ("abc", "abcd")] {
            #expect(SampleRoleHints.letterPair(a, b) == nil, "\(a) \(b)")
        }
        #expect(SampleRoleHints.letterPair("x_t", "x_g")! == ("x_g", "x_t"))
    }

    @Test("named conventions: ##tumor_sample, ##SAMPLE Genomes=, ##PEDIGREE, column words, TCGA barcodes")
    func namedConventions() {
        let m2 = SampleRoleHints.infer(samples: ["S1"], lines: [Line(key: "tumor_sample", value: "S1")], info: [])
        #expect(m2.samples["S1"]?.role == .tumour && m2.somaticEvidence != nil)
        let tcgaVCF = SampleRoleHints.infer(samples: ["x", "y"], lines: [Line(key: "SAMPLE", fields: ["ID": "x", "Genomes": "Tumor", "Individual": "P9"]),
                                                                        Line(key: "SAMPLE", fields: ["ID": "y", "Genomes": "Germline"])], info: [])
        #expect(tcgaVCF.samples["x"]?.role == .tumour && tcgaVCF.samples["y"]?.role == .normal && tcgaVCF.individuals["x"] == "P9")
        let pedigree = SampleRoleHints.infer(samples: ["c-tumor2", "c-normal"], lines: [Line(key: "PEDIGREE", fields: ["Derived": "c-tumor2", "Original": "c-normal"])], info: [])
        #expect(pedigree.samples["c-tumor2"]?.role == .tumour && pedigree.samples["c-normal"]?.role == .normal)
        let words = SampleRoleHints.infer(samples: ["DNA_TUMOR", "RNA_TUMOR", "DNA_NORMAL", "tumor_normal"], lines: [], info: [])
        #expect(words.tumours == ["DNA_TUMOR", "RNA_TUMOR"] && words.normals == ["DNA_NORMAL"])
        #expect(words.samples["tumor_normal"] == nil)  // both words: neither
        let tcga = SampleRoleHints.infer(samples: ["TCGA-A2-A04W-01A-31D-A10Y-09", "TCGA-A2-A04W-10A-01D-A110-09", "TCGA-A2-A04W-20A"], lines: [], info: [])
        #expect(tcga.tumours == ["TCGA-A2-A04W-01A-31D-A10Y-09"] && tcga.normals == ["TCGA-A2-A04W-10A-01D-A110-09"])
        // A germline cohort: nothing named, nothing somatic.
        let cohort = SampleRoleHints.infer(samples: ["HG00096", "HG00097"], lines: [Line(key: "source", value: "GATK")], info: [])
        #expect(cohort.samples.isEmpty && cohort.somaticEvidence == nil)
    }
}
