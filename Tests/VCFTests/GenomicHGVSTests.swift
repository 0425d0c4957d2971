import Foundation
import Testing
import TestSupport
import VCF
import VariantCore

@Suite("Genomic HGVS as the OMOP Genomic vocabulary writes it")
struct GenomicHGVSTests {
    /// Every hg38 substitution synonym of the real BRAF/KRAS/EGFR concepts, rebuilt from the change the
    /// concept name states ("EGFR on GRCh38 chr7: Substitution in position 55181395 of G replaced by A").
    @Test("SNVs: 407 real vocabulary synonyms (GRCh38)")
    func vocabularySNVs() throws {
        let text = try String(contentsOfFile: Fixtures.path("omop/koios_subset_BRAF_KRAS_EGFR.hg38.csv"), encoding: .utf8)
        var checked = 0
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 4, f[2].contains("Substitution in position") else { continue }
            let name = f[2]
            let chrom = String(name.split(separator: " ")[3].dropLast())  // "chr7:"
            let words = name.split(separator: " ").map(String.init)
            guard let i = words.firstIndex(of: "position"), let pos = Int(words[i + 1]) else { continue }
            let ref = words[i + 3], alt = words[i + 6]
            let mine = GenomicHGVS.describe(assembly: .grch38, contig: chrom, position: pos, ref: ref, alt: alt, reference: nil)
            #expect(mine == f[3], "\(name)")
            checked += 1
        }
        #expect(checked == 407)
    }

    @Test("accessions for GRCh37 and GRCh38, m. on chrM; BRAF V600E on both assemblies")
    func accessions() {
        #expect(GenomicHGVS.describe(assembly: .grch38, contig: "chr7", position: 140_753_336, ref: "A", alt: "T", reference: nil)
                == "NC_000007.14:g.140753336A>T")
        #expect(GenomicHGVS.describe(assembly: .grch37, contig: "7", position: 140_453_136, ref: "A", alt: "T", reference: nil)
                == "NC_000007.13:g.140453136A>T")
        #expect(GenomicHGVS.describe(assembly: .grch38, contig: "chrM", position: 8993, ref: "T", alt: "C", reference: nil)
                == "NC_012920.1:m.8993T>C")
        #expect(GenomicHGVS.accession(assembly: .grch38, contig: "chrX") == "NC_000023.11")
        #expect(GenomicHGVS.accession(assembly: .grch37, contig: "12") == "NC_000012.11")
        #expect(GenomicHGVS.accession(assembly: .grch38, contig: "chrUn_KI270302v1") == nil)
        #expect(GenomicHGVS.describe(assembly: .grch38, contig: "7", position: 1, ref: "A", alt: "<DEL>", reference: nil) == nil)
    }

    /// Indels on a real FASTA window (GRCh37 chr20:1,000,001-2,000,000, contig `z`), checked by hand
    /// against the bases printed with `samtools faidx fixtures/reference/z.fa z:START-END`.
    @Test("indels shift 3′ and become dup where HGVS requires", arguments: HandChecked.cases)
    func handChecked(_ c: HandChecked) throws {
        let fasta = try ReferenceGenome(path: Fixtures.path("reference/z.fa"))
        let reference: GenomicHGVS.Reference = { s, e in fasta.bases("z", s, e) }
        #expect(GenomicHGVS.describe(accession: "z", position: c.pos, ref: c.ref, alt: c.alt, reference: reference) == c.expected)
        #expect(GenomicHGVS.describe(accession: "z", position: c.pos, ref: c.ref, alt: c.alt, reference: nil) == (c.needsReference ? nil : c.expected))
    }
}

struct HandChecked: Sendable, CustomTestStringConvertible {
    var pos: Int, ref: String, alt: String, expected: String, needsReference = true
    var testDescription: String { "\(pos) \(ref)>\(alt) = \(expected)" }
    // z:1000-1031 = TGAAGCAGAA TGAGGGAGGA AACCCAAGCC AG (1000 = T, 1019-1021 = AAA, 1022-1024 = CCC).
    static let cases: [HandChecked] = [
        HandChecked(pos: 1018, ref: "GA", alt: "G", expected: "z:g.1021del"),            // one A of AAA: the 3′-most
        HandChecked(pos: 1021, ref: "ACC", alt: "A", expected: "z:g.1023_1024del"),      // CC of CCC, shifted by one
        HandChecked(pos: 1018, ref: "G", alt: "GA", expected: "z:g.1021dup"),            // an extra A in AAA
        HandChecked(pos: 1012, ref: "A", alt: "AGG", expected: "z:g.1014_1015dup"),      // GG more in GGG
        HandChecked(pos: 1016, ref: "A", alt: "AGA", expected: "z:g.1016_1017dup"),      // A[GA]GG = AG AG G
        HandChecked(pos: 1024, ref: "C", alt: "CT", expected: "z:g.1024_1025insT"),      // T is not what precedes
        HandChecked(pos: 1005, ref: "CA", alt: "TT", expected: "z:g.1005_1006delinsTT", needsReference: false),
        HandChecked(pos: 1004, ref: "GCA", alt: "GTT", expected: "z:g.1005_1006delinsTT", needsReference: false),
        HandChecked(pos: 1000, ref: "T", alt: "C", expected: "z:g.1000T>C", needsReference: false),
    ]
}
