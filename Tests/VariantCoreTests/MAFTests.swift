import Foundation
import Testing
import TestSupport
import VariantCore

@Suite("MAF conventions")
struct MAFTests {
    /// Rows of one of vcf2maf's expected MAFs, as column → value.
    static func rows(_ fixture: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: Fixtures.path(fixture), encoding: .utf8)
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        let header = lines[0].split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(zip(header, line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)), uniquingKeysWith: { a, _ in a })
        }
    }

    @Test("Variant_Classification from the most severe consequence equals vcf2maf's, row by row",
          arguments: ["somatic/vcf2maf/test_b38_output.maf", "somatic/vcf2maf/test_output.vep_isoforms.maf"])
    func classificationMatchesVcf2maf(_ fixture: String) throws {
        let rows = try Self.rows(fixture)
        #expect(rows.count >= 20)
        var kinds = Set<String>()
        for r in rows {
            let terms = (r["Consequence"] ?? "").split(separator: ",").map(String.init)
            let ref = r["Reference_Allele"]!, alt = r["Tumor_Seq_Allele2"]!
            let type = MAF.variantType(ref: ref, alt: alt)
            #expect(type == r["Variant_Type"], "\(r["Chromosome"]!):\(r["Start_Position"]!) type")
            let change = (ref == "-" ? 0 : ref.count) - (alt == "-" ? 0 : alt.count)
            let mine = MAF.classification(effect: MAF.mostSevere(terms), variantType: type, inframe: change % 3 == 0)
            #expect(mine == r["Variant_Classification"], "\(r["Chromosome"]!):\(r["Start_Position"]!) \(terms): \(mine)")
            #expect(MAF.classifications.contains(mine))
            kinds.insert(mine)
        }
        #expect(kinds.count >= 5)  // the files exercise many classes, not one
    }

    @Test("MAF alleles and positions from VCF alleles, as vcf2maf writes them; HGVSp_Short from HGVSp")
    func allelesAndShortProtein() throws {
        // vcf2maf's test.vcf records and the test.maf rows it made from them.
        #expect(MAF.alleles(position: 11290178, ref: "TA", alt: "T") == (11290179, 11290179, "A", "-"))
        #expect(MAF.alleles(position: 220439700, ref: "G", alt: "GCT") == (220439700, 220439701, "-", "CT"))
        #expect(MAF.alleles(position: 15557977, ref: "TG", alt: "CA") == (15557977, 15557978, "TG", "CA"))
        #expect(MAF.alleles(position: 146728217, ref: "G", alt: "A") == (146728217, 146728217, "G", "A"))
        for r in try Self.rows("somatic/vcf2maf/test_b38_output.maf") {
            guard let p = r["HGVSp"], !p.isEmpty, let short = r["HGVSp_Short"] else { continue }
            #expect(MAF.shortProtein(p) == short, "\(p)")
        }
    }
}
