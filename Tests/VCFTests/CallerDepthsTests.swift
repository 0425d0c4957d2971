import Foundation
import Testing
import TestSupport
import VCF
import VariantCore

/// Depths per caller against MSKCC vcf2maf's own output for the same records
/// (`fixtures/somatic/vcf2maf-depths.tsv`, made by `fixtures/somatic/vcf2maf-depths.sh` running vcf2maf.pl;
/// its `vcf2maf/test.vcf` rows equal upstream's expected `test.maf`, which the first test checks).
@Suite("Somatic callers' depths equal vcf2maf's")
struct CallerDepthsTests {
    /// fixture → (tumour column, normal column, the rule its records should use).
    static let files: [String: (tumour: String, normal: String, rule: CallerDepths.Rule)] = [
        "vcf2maf/test.vcf": ("TUMOR", "NORMAL", .alleleDepths),
        "test_strelka.vcf": ("TUMOR", "NORMAL", .strelkaSNV),
        "vcf2maf/test_varscan.vcf": ("TUMOR", "NORMAL", .varScan),
        "vcf2maf/test_mutect.vcf": ("TUMOR", "NORMAL", .alleleDepths),
        "vcf2maf/test_pindel.vcf": ("TUMOR", "NORMAL", .alleleDepths),
        "vcf2maf/test_delly.vcf": ("TUMOR", "NORMAL", .delly),
        "vcf2maf/test_muse.vcf": ("TUMOR", "NORMAL", .alleleDepths),
        "vcf2maf/test_sniper.vcf": ("TUMOR", "NORMAL", .somaticSniper),
        "vcf2maf/test_radia.vcf": ("DNA_TUMOR", "DNA_NORMAL", .alleleDepths),
        "strelka.grch38_admix_pass_snvs.head300.vcf.gz": ("NA12878_c40", "NA12877_c100", .strelkaSNV),
        "strelka.grch38_admix_pass_indels.head300.vcf.gz": ("NA12878_c40", "NA12877_c100", .strelkaIndel),
        "bcbio.mutect-pedigree.vcf": ("c-tumor2", "c-normal", .alleleDepths),
        "mutect2.NA12878.head300.vcf": ("SM-612V3", "SM-612V6", .alleleDepths),
        "mutect2.cfdna-unfiltered.vcf": ("TUMOR", "NORMAL", .alleleDepths),
        "vardict.threeIndels.paired.vcf": ("threeIndels_zero_deletion_tumor", "threeIndels_zero_deletion_normal", .alleleDepths),
    ]

    struct Expected: Equatable { var t: [String]; var n: [String] }

    /// (fixture, chrom, vcf_pos) → depths as vcf2maf wrote them ("" = blank), for positions with one MAF row.
    static let oracle: [String: Expected] = {
        let text = (try? String(contentsOfFile: Fixtures.path("somatic/vcf2maf-depths.tsv"), encoding: .utf8)) ?? ""
        var rows: [String: [Expected]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 11 else { continue }
            // vcf2maf writes an unknown depth as "" or, where AD had holes, "."; both are "unknown" here.
            let d = f.map { $0 == "." ? "" : $0 }
            rows["\(f[0]) \(f[1]) \(f[2])", default: []].append(Expected(t: Array(d[5...7]), n: Array(d[8...10])))
        }
        return rows.compactMapValues { $0.count == 1 ? $0[0] : nil }
    }()

    @Test("the oracle file reproduces vcf2maf's committed test.maf, row by row")
    func oracleMatchesUpstream() throws {
        let maf = try String(contentsOfFile: Fixtures.path("somatic/vcf2maf/test.maf"), encoding: .utf8)
        let upstream = maf.split(separator: "\n").dropFirst(2).map { line in
            Array(line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)[34...39])
        }
        let tsv = try String(contentsOfFile: Fixtures.path("somatic/vcf2maf-depths.tsv"), encoding: .utf8)
        let ours = tsv.split(separator: "\n").filter { $0.hasPrefix("vcf2maf/test.vcf\t") }.map { line in
            Array(line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)[5...10])
        }
        #expect(upstream.count == 20)
        #expect(ours == upstream)
    }

    @Test("REF, ALT and total depths of tumour and normal equal vcf2maf's, record by record",
          arguments: files.keys.sorted())
    func depthsMatchVcf2maf(_ fixture: String) throws {
        let (tumour, normal, rule) = Self.files[fixture]!
        let reader = try VariantReader(path: Fixtures.path("somatic/" + fixture))
        let t = try #require(reader.header.samples.firstIndex(of: tumour))
        let nm = try #require(reader.header.samples.firstIndex(of: normal))
        var compared = 0, withDepth = 0, byRule = 0
        func text(_ v: Int32?) -> String { v.map { String($0) } ?? "" }
        while let v = try reader.next() {
            guard v.alts.count == 1, let e = Self.oracle["\(fixture) \(v.contig) \(v.position)"] else { continue }
            let n = 2
            let ad = v.sampleValues.alleleDepths ?? []
            let dp = v.sampleValues.depth ?? []
            func depths(_ s: Int) -> [String] {
                [s < dp.count ? text(dp[s]) : "", ad.count >= n * (s + 1) ? text(ad[n * s]) : "", ad.count >= n * (s + 1) ? text(ad[n * s + 1]) : ""]
            }
            // vcf2maf writes a blank depth as "" and so does this; a "." it never writes.
            let mine = Expected(t: depths(t), n: depths(nm))
            if mine != e { Issue.record("\(fixture) \(v.locus) \(v.ref)>\(v.alts[0]): Varde \(mine), vcf2maf \(e)") }
            compared += 1
            if !e.t[2].isEmpty { withDepth += 1 }
            if reader.lastDepthRule == rule { byRule += 1 }
        }
        #expect(compared >= 5, "records compared: \(compared)")
        #expect(withDepth > 0)
        // The caller's own fields were read (test_strelka.vcf also holds indels, read by TAR/TIR).
        #expect(byRule * 2 > compared, "\(byRule) of \(compared) records by \(rule.rawValue)")
    }

    @Test("rules on values: Manta PR/SR, GRIDSS VF/REF/REFPAIR, FreeBayes RO/AO, totals fixed as vcf2maf fixes them")
    func rulesOnValues() {
        func field(_ values: [Int32?], _ stride: Int) -> CallerDepths.Field { .init(values: values, stride: stride) }
        // Manta: PR=ref,alt and SR=ref,alt per sample (normal 30,0 / 12,0; tumour 20,9 / 8,6); no DP.
        let manta = CallerDepths.derive(alleles: ["A", "<DEL>"], samples: 2, fixTotals: true, int: { tag in
            switch tag {
            case "PR": field([30, 0, 20, 9], 2)
            case "SR": field([12, 0, 8, 6], 2)
            default: nil
            }
        }, float: { _ in nil })
        #expect(manta?.rule == .manta)
        #expect(manta?.alleleDepths == [42, 0, 28, 15])
        #expect(manta?.depth == [42, 43])
        let gridss = CallerDepths.derive(alleles: ["A", "A[2:100["], samples: 1, fixTotals: true, int: { tag in
            switch tag {
            case "VF": field([7], 1)
            case "REF": field([10], 1)
            case "REFPAIR": field([5], 1)
            default: nil
            }
        }, float: { _ in nil })
        #expect(gridss?.alleleDepths == [15, 7])
        #expect(gridss?.depth == [22])
        // FreeBayes: RO and AO (Number=A); DP 7 is below RO + AO[0] = 8, so the total becomes the sum, 10 (vcf2maf's check).
        let fb = CallerDepths.derive(alleles: ["C", "T", "G"], samples: 1, fixTotals: true, int: { tag in
            switch tag {
            case "RO": field([5], 1)
            case "AO": field([3, 2], 2)
            case "DP": field([7], 1)
            default: nil
            }
        }, float: { _ in nil })
        #expect(fb?.rule == .readObservations)
        #expect(fb?.alleleDepths == [5, 3, 2])
        #expect(fb?.depth == [10])
        // Without the somatic corrections the caller's DP is kept.
        let kept = CallerDepths.derive(alleles: ["C", "T"], samples: 1, fixTotals: false, int: { tag in
            switch tag {
            case "AD": field([5, 6], 2)
            case "DP": field([9], 1)
            default: nil
            }
        }, float: { _ in nil })
        #expect(kept?.depth == [9])
    }
}
