/// Counts over all calls of one record, computed in one pass without per-call allocation.
public struct GenotypeTally: Sendable, Equatable {
    /// Samples with at least one allele slot (a call, possibly missing).
    public var calls = 0
    /// Calls whose every allele is missing (`./.`, `.`).
    public var missing = 0
    /// Calls with some but not all alleles missing (`1/.`).
    public var halfMissing = 0
    public var phased = 0
    /// `byPloidy[p]` = calls with ploidy `p`.
    public var byPloidy: [Int] = []
    /// An allele index beyond the record's alleles, if any call names one (a corrupt record).
    public var firstOutOfRangeAllele: Int?
}

extension Genotypes {
    /// Tallies the calls; `alleleCount` is REF plus ALTs, to detect out-of-range allele indexes.
    public func tally(alleleCount: Int) -> GenotypeTally {
        var t = GenotypeTally()
        var byPloidy = [Int](repeating: 0, count: maxPloidy + 1)
        let limit = Int16(clamping: alleleCount)
        alleles.withUnsafeBufferPointer { a in
            phased.withUnsafeBufferPointer { ph in
                for s in 0..<sampleCount {
                    var ploidy = 0, miss = 0
                    let base = s &* maxPloidy
                    for k in 0..<maxPloidy {
                        let x = a[base &+ k]
                        if x == Genotypes.absent { break }
                        ploidy &+= 1
                        if x < 0 { miss &+= 1 } else if x >= limit, t.firstOutOfRangeAllele == nil { t.firstOutOfRangeAllele = Int(x) }
                    }
                    guard ploidy > 0 else { continue }
                    t.calls &+= 1
                    byPloidy[ploidy] &+= 1
                    if miss == ploidy { t.missing &+= 1 } else if miss > 0 { t.halfMissing &+= 1 }
                    if ph[s] { t.phased &+= 1 }
                }
            }
        }
        t.byPloidy = byPloidy
        return t
    }
}
