/// The genotype calls of one record for all samples, stored flat (one allocation, not one per sample).
///
/// Sample `s` owns the slots `s * maxPloidy ..< (s + 1) * maxPloidy` of ``alleles``. Each slot holds an
/// allele index (0 = REF, 1… = ALT), ``missing`` for a no-call allele (`.`), or ``absent`` where the
/// sample's ploidy is lower than `maxPloidy` (haploid chrX calls in a diploid file). Phasing is kept per
/// sample: htslib stores it per allele, but VCF writes it per separator, and `0|1/2` is not valid VCF.
public struct Genotypes: Sendable, Equatable {
    public static let missing: Int16 = -1
    public static let absent: Int16 = -2

    public let sampleCount: Int
    public let maxPloidy: Int
    public var alleles: [Int16]
    /// `phased[s]` is true when every separator of sample `s` is `|`.
    public var phased: [Bool]

    public init(sampleCount: Int, maxPloidy: Int, alleles: [Int16], phased: [Bool]) {
        precondition(alleles.count == sampleCount * maxPloidy && phased.count == sampleCount)
        self.sampleCount = sampleCount
        self.maxPloidy = maxPloidy
        self.alleles = alleles
        self.phased = phased
    }

    /// The allele slots of sample `s`, without the `absent` padding.
    public func call(_ s: Int) -> ArraySlice<Int16> {
        let base = s * maxPloidy
        var end = base + maxPloidy
        while end > base && alleles[end - 1] == Genotypes.absent { end -= 1 }
        return alleles[base..<end]
    }

    /// The sample's call written as VCF writes it: `0/1`, `1|0`, `./.`, `1`, `.`; `.` when it has no allele.
    public func vcfString(_ s: Int) -> String {
        let c = call(s)
        if c.isEmpty { return "." }
        let sep = phased[s] ? "|" : "/"
        return c.map { $0 < 0 ? "." : String($0) }.joined(separator: sep)
    }
}

/// The zygosity of one sample's call with respect to one ALT allele.
public enum Zygosity: String, Sendable, Hashable, Codable {
    case homRef, het, homAlt, hemizygous, noCall
}

extension Genotypes {
    /// Classifies sample `s` for ALT allele `alt` (1-based allele index), the way aggregate counts do:
    /// a haploid carrier is hemizygous; any missing allele with no ALT copy is a no-call.
    public func zygosity(_ s: Int, alt: Int16 = 1) -> Zygosity {
        let c = call(s)
        if c.isEmpty { return .noCall }
        var altCopies = 0
        var missing = 0
        for a in c {
            if a == alt { altCopies += 1 } else if a < 0 { missing += 1 }
        }
        if altCopies == 0 { return missing > 0 ? .noCall : .homRef }
        if c.count == 1 { return .hemizygous }
        return altCopies == c.count ? .homAlt : .het
    }
}
