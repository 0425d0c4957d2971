import VariantCore
import VariantStore

/// The defence against tracker (differencing) attacks, below the controlled tier: query-set-size control closed
/// under subtraction. A caller who may ask about groups A and B ⊂ A also learns about A \ B, and about N \ A (N:
/// every counted person), and so on. So an answer about a group is given only when **no group that can be worked
/// out by adding and subtracting the groups one may ask about** (the λ-system they generate: closed under
/// complement, difference of nested groups and union of disjoint ones) holds 1 to m − 1 people (m =
/// `minimumCohortSize`); and a count over a group (AC, homozygotes) is shown only when every such worked-out
/// group's count is 0 or at least k (`minimumCount`); otherwise it is withheld, in every group of that family
/// alike, while the population's own counts stay.
///
/// Which groups one "may ask about" alongside a request: the population; every cohort shown below the controlled
/// tier; and every combination of the request's terms (each filter and the dataset's cohort) where each term is
/// left out or replaced by one of its alternatives: the other sex for a sex filter, and for an ICD-10 prefix, at
/// each level of its code, the asked-for child, its other answerable siblings together, and the siblings too small
/// to answer pooled (a small sibling makes one more sibling unanswerable when needed, so the pool is never 1 to m − 1
/// people: complementary suppression). Cohorts are shown in the order they were created, each only if it keeps the
/// cohort family safe, so a cohort made later can never hide an earlier one.
struct QuerySetGuard {
    /// m: the smallest group (cohort, filtered group, or one worked out by subtraction) shown below controlled.
    let minimumGroup: Int
    /// k: the smallest non-zero count shown below controlled.
    let minimumCount: Int

    /// The most groups one family may hold, and the most worked-out groups followed before falling back to the
    /// stricter test (every class of people the family separates must itself be safe).
    static let maxGroups = 512
    static let maxDerived = 4096

    /// A set of groups over the population, cut into its atoms (people the groups do not tell apart), with the
    /// groups derivable from it.
    struct Family {
        var atoms: [Set<UInt32>]
        /// Derivable groups, each as a set of atom indices; the atoms themselves when the closure was too large.
        var derived: [Bits]
        var exhaustive: Bool

        func size(_ b: Bits) -> Int { b.indices.reduce(0) { $0 + atoms[$1].count } }
    }

    /// Atom indices as a bit set.
    struct Bits: Hashable {
        var words: [UInt64]
        init(count: Int) { words = [UInt64](repeating: 0, count: max(1, (count + 63) / 64)) }
        mutating func insert(_ i: Int) { words[i >> 6] |= 1 << UInt64(i & 63) }
        var isEmpty: Bool { words.allSatisfy { $0 == 0 } }
        func isSubset(of o: Bits) -> Bool { zip(words, o.words).allSatisfy { $0 & ~$1 == 0 } }
        func subtracting(_ o: Bits) -> Bits { var r = self; for i in r.words.indices { r.words[i] &= ~o.words[i] }; return r }
        var indices: [Int] {
            var out: [Int] = []
            for (w, word) in words.enumerated() where word != 0 {
                for b in 0..<64 where word & (1 << UInt64(b)) != 0 { out.append(w * 64 + b) }
            }
            return out
        }
    }

    /// Cuts `population` by `groups` and closes the groups under nested difference (with the population in the
    /// family, that also yields complements and disjoint unions).
    static func family(population: Set<UInt32>, groups: [Set<UInt32>]) -> Family {
        var index: [[UInt64]: Int] = [:]
        var atoms: [Set<UInt32>] = []
        let words = max(1, (groups.count + 63) / 64)
        var signatures: [[UInt64]] = []
        for o in population.sorted() {
            var sig = [UInt64](repeating: 0, count: words)
            for (i, g) in groups.enumerated() where g.contains(o) { sig[i >> 6] |= 1 << UInt64(i & 63) }
            if let a = index[sig] { atoms[a].insert(o) } else {
                index[sig] = atoms.count
                atoms.append([o])
                signatures.append(sig)
            }
        }
        func bits(_ i: Int) -> Bits {
            var b = Bits(count: atoms.count)
            for (a, sig) in signatures.enumerated() where sig[i >> 6] & (1 << UInt64(i & 63)) != 0 { b.insert(a) }
            return b
        }
        var all = Bits(count: atoms.count)
        for a in atoms.indices { all.insert(a) }
        var seen: Set<Bits> = all.isEmpty ? [] : [all]
        var list: [Bits] = Array(seen)
        for i in groups.indices {
            let b = bits(i)
            if !b.isEmpty, seen.insert(b).inserted { list.append(b) }
        }
        var next = 0
        var exhaustive = true
        closing: while next < list.count {
            let a = list[next]
            for j in 0...next {
                let b = list[j]
                for d in [b.isSubset(of: a) ? a.subtracting(b) : nil, a.isSubset(of: b) ? b.subtracting(a) : nil] {
                    guard let d, !d.isEmpty, seen.insert(d).inserted else { continue }
                    list.append(d)
                    if list.count > maxDerived { exhaustive = false; break closing }
                }
            }
            next += 1
        }
        if !exhaustive {
            list = atoms.indices.map { a in var b = Bits(count: atoms.count); b.insert(a); return b }
        }
        return Family(atoms: atoms, derived: list, exhaustive: exhaustive)
    }

    /// The smallest non-empty group derivable in `family` when it is below m, else nil.
    func smallestUnsafeGroup(_ family: Family) -> Int? {
        let small = family.derived.map(family.size).filter { $0 > 0 && $0 < minimumGroup }
        return small.min()
    }

    /// For each variant the selection finds, whether its counts may be shown in groups of `family`: every derivable
    /// group's allele count and homozygote count is 0 or at least k. Reads the counts once per atom.
    func unsafeCells(_ family: Family, fetch: (Set<UInt32>?) throws -> [VariantAggregate]) throws -> Set<VariantID> {
        guard minimumCount > 1, family.atoms.count > 1 else { return [] }
        var ac: [VariantID: [Int]] = [:], hom: [VariantID: [Int]] = [:]
        for (i, atom) in family.atoms.enumerated() {
            for a in try fetch(atom) {
                let c = a.cohort
                ac[a.variantID, default: Array(repeating: 0, count: family.atoms.count)][i] = c?.ac ?? 0
                hom[a.variantID, default: Array(repeating: 0, count: family.atoms.count)][i] = c?.nHomAlt ?? 0
            }
        }
        let members = family.derived.map(\.indices)
        var unsafe = Set<VariantID>()
        for (id, counts) in ac {
            let h = hom[id] ?? []
            for m in members {
                let n = m.reduce(0) { $0 + counts[$1] }, nh = m.reduce(0) { $0 + h[$1] }
                if (n > 0 && n < minimumCount) || (nh > 0 && nh < minimumCount) { unsafe.insert(id); break }
            }
        }
        return unsafe
    }
}
