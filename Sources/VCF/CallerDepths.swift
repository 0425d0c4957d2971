/// Per-sample read depths (REF, each ALT, total) from whichever FORMAT fields the caller wrote, by the
/// rules of MSKCC's vcf2maf (`FixAlleleDepths`), which the field uses to turn somatic VCFs into MAFs:
///
/// | caller | REF depth | ALT depth | total |
/// |---|---|---|---|
/// | GATK, Mutect/Mutect2, VarDict, DRAGEN, Pindel, MuSE, RADIA | AD[0] | AD[k] | DP |
/// | VarScan2 (AD has one value) | RD | AD | DP |
/// | SomaticSniper | BCOUNT of the REF base | BCOUNT of the ALT base | DP |
/// | Strelka SNVs | tier 1 of `{REF}U` | tier 1 of `{ALT}U` | DP |
/// | Strelka indels | TAR tier 1 | TIR tier 1 | DP |
/// | FreeBayes, Ion Torrent | RO | AO[k] | DP |
/// | Delly | RR (junction reads) | RV | RR + RV |
/// | Manta (not in vcf2maf) | PR[0] + SR[0] | PR[1] + SR[1] | sum |
/// | GRIDSS (not in vcf2maf) | REF + REFPAIR | VF | sum |
/// | reads as DP4 | DP4[0] + DP4[1] | DP4[2] + DP4[3] | DP |
/// | cgpPindel | — | PP + NP | PR + NR |
/// | allele fraction only (FA) | — | round(FA × DP) | DP |
/// | bcftools DV | — | DV | DP |
///
/// and, as vcf2maf does, a total below the REF or ALT depth (or their sum) becomes the sum of the allele
/// depths, as does a missing total when REF and ALT depths are known.
public enum CallerDepths {
    /// Which rule produced the depths.
    public enum Rule: String, Sendable, Equatable, CaseIterable {
        case alleleDepths = "AD", varScan = "RD/AD", somaticSniper = "BCOUNT", strelkaSNV = "AU/CU/GU/TU", strelkaIndel = "TAR/TIR"
        case readObservations = "RO/AO", delly = "RR/RV", manta = "PR/SR", gridss = "VF/REF/REFPAIR", dp4 = "DP4"
        case cgpPindel = "PP/NP/PR/NR", alleleFraction = "FA×DP", dv = "DV", altOnly = "AD (ALT only)"
    }

    /// Integer FORMAT values of one tag in one record: `stride` values per sample, `nil` where missing.
    public struct Field: Sendable, Equatable {
        public var values: [Int32?]
        public var stride: Int
        /// Values each sample wrote (before htslib's end-of-vector padding); `nil`: `stride` for all.
        public var written: [Int]?
        public init(values: [Int32?], stride: Int, written: [Int]? = nil) {
            self.values = values
            self.stride = stride
            self.written = written
        }
        func count(_ sample: Int) -> Int { written.map { sample < $0.count ? $0[sample] : 0 } ?? stride }
        func at(_ sample: Int, _ k: Int) -> Int32? {
            guard k < stride, sample * stride + k < values.count else { return nil }
            return values[sample * stride + k]
        }
    }

    public struct Result: Sendable, Equatable {
        /// `alleles` values per sample, REF first; `nil` where unknown.
        public var alleleDepths: [Int32?]
        /// Total depth per sample.
        public var depth: [Int32?]
        public var rule: Rule
    }

    /// The FORMAT tags any rule reads (the reader fetches only those the header declares).
    public static let tags: Set<String> = ["AD", "DP", "RD", "BCOUNT", "AU", "CU", "GU", "TU", "TAR", "TIR", "RO", "AO", "RR", "RV",
                                           "PR", "SR", "VF", "REF", "REFPAIR", "DP4", "PP", "NP", "NR", "FA", "DV"]

    /// Derives the depths of `samples` samples of a record with `alleles` (REF first). `int` returns a
    /// tag's integer values in this record (`nil` when the record lacks it); `float` the same for floats.
    /// Returns `nil` when no rule applies.
    public static func derive(alleles: [String], samples: Int, fixTotals: Bool,
                              int: (String) -> Field?, float: (String) -> (values: [Float?], stride: Int)?) -> Result? {
        let n = alleles.count
        guard n >= 1, samples > 0 else { return nil }
        var ad = [Int32?](repeating: nil, count: samples * n)
        var dp = int("DP").map { f in (0..<samples).map { f.at($0, 0) } } ?? [Int32?](repeating: nil, count: samples)
        func put(_ s: Int, _ k: Int, _ v: Int32?) { if k < n { ad[s * n + k] = v } }
        func sum(_ a: Int32?, _ b: Int32?) -> Int32? {
            guard let a, let b else { return nil }
            return a &+ b
        }
        let baseIndex: [Character: Int] = ["A": 0, "C": 1, "G": 2, "T": 3]
        let rule: Rule
        let adField = int("AD")
        if let f = adField, f.stride >= 2 || n == 1 {
            rule = .alleleDepths
            for s in 0..<samples {
                if f.count(s) == 1 && n == 2 {
                    // One value in this sample's AD (the padding of a longer one elsewhere): the ALT depth, as vcf2maf reads it.
                    put(s, 1, f.at(s, 0))
                } else {
                    for k in 0..<min(n, f.stride) { put(s, k, f.at(s, k)) }
                }
            }
        } else if let f = adField, let rd = int("RD") {
            rule = .varScan
            for s in 0..<samples { put(s, 0, rd.at(s, 0)); put(s, 1, f.at(s, 0)) }
        } else if adField == nil, let b = int("BCOUNT"), b.stride >= 4 {
            rule = .somaticSniper
            for s in 0..<samples {
                for (k, a) in alleles.enumerated() where a.count == 1 { if let i = baseIndex[Character(a.uppercased())] { put(s, k, b.at(s, i)) } }
            }
        } else if adField == nil, let au = int("AU"), let cu = int("CU"), let gu = int("GU"), let tu = int("TU") {
            rule = .strelkaSNV
            let tiers = [au, cu, gu, tu]
            for s in 0..<samples {
                for (k, a) in alleles.enumerated() where a.count == 1 { if let i = baseIndex[Character(a.uppercased())] { put(s, k, tiers[i].at(s, 0)) } }
            }
        } else if adField == nil, let tar = int("TAR"), let tir = int("TIR") {
            rule = .strelkaIndel
            for s in 0..<samples { put(s, 0, tar.at(s, 0)); if n == 2 { put(s, 1, tir.at(s, 0)) } }
        } else if adField == nil, let ro = int("RO"), let ao = int("AO") {
            rule = .readObservations
            for s in 0..<samples { put(s, 0, ro.at(s, 0)); for k in 1..<max(n, 1) { put(s, k, ao.at(s, k - 1)) } }
        } else if adField == nil, let rr = int("RR"), let rv = int("RV") {
            rule = .delly
            for s in 0..<samples { put(s, 0, rr.at(s, 0)); if n == 2 { put(s, 1, rv.at(s, 0)) } }
        } else if adField == nil, int("PP") == nil, let pr = int("PR"), pr.stride >= 2 {
            rule = .manta
            let sr = int("SR")
            for s in 0..<samples {
                let srRef = sr == nil ? 0 : sr!.at(s, 0), srAlt = sr == nil ? 0 : sr!.at(s, 1)
                put(s, 0, sum(pr.at(s, 0), srRef ?? 0))
                if n == 2 { put(s, 1, sum(pr.at(s, 1), srAlt ?? 0)) }
            }
        } else if adField == nil, let vf = int("VF"), let r = int("REF"), let rp = int("REFPAIR") {
            rule = .gridss
            for s in 0..<samples { put(s, 0, sum(r.at(s, 0), rp.at(s, 0))); if n == 2 { put(s, 1, vf.at(s, 0)) } }
        } else if adField == nil, let d4 = int("DP4"), d4.stride == 4 {
            rule = .dp4
            for s in 0..<samples {
                put(s, 0, sum(d4.at(s, 0), d4.at(s, 1)))
                if n == 2 { put(s, 1, sum(d4.at(s, 2), d4.at(s, 3))) }
            }
        } else if adField == nil, let pp = int("PP"), let np = int("NP"), let pr = int("PR"), let nr = int("NR") {
            rule = .cgpPindel
            for s in 0..<samples {
                if n == 2 { put(s, 1, sum(pp.at(s, 0), np.at(s, 0))) }
                dp[s] = sum(pr.at(s, 0), nr.at(s, 0))
            }
        } else if adField == nil, let fa = float("FA"), int("DP") != nil {
            rule = .alleleFraction
            for s in 0..<samples where n == 2 {
                if s * fa.stride < fa.values.count, let f = fa.values[s * fa.stride], let d = dp[s] { put(s, 1, Int32((f * Float(d)).rounded())) }
            }
        } else if adField == nil, let dv = int("DV"), int("DP") != nil {
            rule = .dv
            for s in 0..<samples where n == 2 { put(s, 1, dv.at(s, 0)) }
        } else if let f = adField {
            rule = .altOnly
            for s in 0..<samples where n == 2 { put(s, 1, f.at(s, 0)) }
        } else {
            return nil
        }
        if fixTotals {
            for s in 0..<samples {
                let ref = ad[s * n].map(Int.init) ?? 0
                let alts = (1..<max(n, 1)).compactMap { ad[s * n + $0].map(Int.init) }
                let known = (ad[s * n] != nil) && alts.count > 0
                let total = ad[(s * n)..<(s * n + n)].reduce(0) { $0 + Int($1 ?? 0) }
                if let d = dp[s].map(Int.init) {
                    if ref > d || alts.contains(where: { $0 > d || ref + $0 > d }) { dp[s] = Int32(clamping: total) }
                } else if known {
                    dp[s] = Int32(clamping: total)
                }
            }
        }
        return Result(alleleDepths: ad, depth: dp, rule: rule)
    }
}
