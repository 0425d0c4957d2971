import VariantStore
import Synchronization

/// Small-count protection for everything shown below the controlled tier (spec §11.4 item 2, option a):
/// any count 0 < n < k is shown as k, zero stays zero, and totals go through the same rule, so no total minus
/// its parts recovers a suppressed cell. The controlled tier sees true counts.
struct Disclosure: Sendable {
    var k: Int
    var tier: AccessTier
    /// Where withheld answers are counted (the service's `varde_suppressed_total`).
    var tally: SuppressionTally? = nil

    var active: Bool { tier < .controlled && k > 1 }

    /// A count as this tier may see it.
    func count(_ n: Int) -> Int {
        guard active, n > 0, n < k else { return n }
        tally?.withheld.add(1, ordering: .relaxed)
        return k
    }

    /// Whether this tier may learn that the variant exists at all (rare-variant masking, in exact, range, gene and
    /// ID queries alike): below controlled only when k or more alleles carry it in the whole store, or (somatic
    /// calls, never in AC) k or more tumours. A variant carried by fewer is one person's or a family's: a yes for
    /// it tells whoever holds that person's genome that the person is in the store (Shringarpure & Bustamante 2015).
    func shows(_ a: VariantAggregate) -> Bool {
        let shown = !active || a.ac >= k || a.tumours >= k
        if !shown { tally?.masked.add(1, ordering: .relaxed) }
        return shown
    }

    /// Whether a cell is below k (and so hidden, or shown as k).
    func isSmall(_ n: Int) -> Bool { active && n > 0 && n < k }

    /// Allele counts and frequency as this tier may see them: a small AC, hom-alt or hemizygous count is
    /// withheld (null) with the frequency, never rounded into a wrong AF. AN (alleles observed) is shown as is
    /// unless itself small.
    func frequency(ac: Int, an: Int, nHomAlt: Int, nHemi: Int) -> JSON {
        let acSmall = isSmall(ac), anSmall = isSmall(an)
        var o: [String: JSON] = [
            "ac": acSmall || anSmall ? .null : .int(ac),
            "an": anSmall ? .null : .int(an),
            "nhomalt": isSmall(nHomAlt) || acSmall ? .null : .int(nHomAlt),
            "nhemi": isSmall(nHemi) || acSmall ? .null : .int(nHemi),
            "af": acSmall || anSmall || an == 0 ? .null : .double(Double(ac) / Double(an)),
        ]
        if acSmall || anSmall || isSmall(nHomAlt) || isSmall(nHemi) {
            tally?.withheld.add(1, ordering: .relaxed)
            o["suppressed"] = .string("counts below \(k) are withheld at the \(tier.name) tier")
        }
        return .object(o)
    }
}
