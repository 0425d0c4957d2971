import Crypto
import Foundation
public import VariantCore
public import VariantStore

extension SQLVariantStore {
    typealias Totals = VariantTotals

    /// Recomputes every aggregate from the stored calls, samples and coverage, using the same rules the
    /// loader applies (``Contribution/rule(_:policy:)`` and the stored exceptions).
    func recompute() throws(StoreError) -> (perVariant: [Int: Totals], defaults: [ContigClass: Int]) {
        let samples = try activeSamples()
        let defaults = samples.defaultAN
        var totals: [Int: Totals] = [:]
        let vids = try db.statement("SELECT vid FROM variant")
        while try vids.step() { totals[vids.int(0)] = Totals() }
        try forEachSegment { layout, entries in
            for e in entries {
                var t = totals[e.vid] ?? Totals()
                t.add(StoredCalls(e, base: layout.base), samples: samples)
                totals[e.vid] = t
            }
        }
        // gVCF reference blocks of counted samples: every variant they cover is called hom-ref for them.
        let blocks = try db.statement("SELECT contig_lo, start, \"end\", ordinal, ploidy FROM coverage")
        var list: [(Int, Int, Int, UInt32, Int)] = []
        while try blocks.step() { list.append((blocks.int(0), blocks.int(1), blocks.int(2), UInt32(blocks.int(3)), blocks.int(4))) }
        let covered = try db.statement("SELECT vid FROM variant WHERE contig_id = ? AND pos BETWEEN ? AND ?")
        for (cid, start, end, ordinal, ploidy) in list where samples[ordinal]?.counted == true {
            covered.reset()
            try covered.bind([.int(cid), .int(start), .int(end)])
            while try covered.step() { totals[covered.int(0), default: Totals()].anDelta += ploidy }
        }
        return (totals, defaults)
    }

    /// `ordinals` as bit masks relative to the segment range holding them (bit `r` of word `r / 64` is ordinal
    /// `base + r`), keyed by the range's base, for each range holding any of them: a list is counted against its
    /// segment's mask, a bitmap list word by word. Ranges never overlap (a compacted range replaces its batches').
    static func masksByRange(_ ordinals: some Sequence<UInt32>, ranges: [SegmentRange]) -> [UInt32: [UInt64]] {
        let sorted = ranges.sorted()
        var out: [UInt32: [UInt64]] = [:]
        for o in ordinals {
            var lo = 0, hi = sorted.count
            while lo < hi { let m = (lo + hi) / 2; if sorted[m].upperBound <= o { lo = m + 1 } else { hi = m } }
            guard lo < sorted.count, sorted[lo].contains(o) else { continue }
            let base = sorted[lo].base
            let rel = Int(o - base), w = rel >> 6
            let have = out[base, default: []].count
            if have <= w { out[base, default: []] += [UInt64](repeating: 0, count: w + 1 - have) }
            out[base, default: []][w] |= 1 << UInt64(rel & 63)
        }
        return out
    }

    /// Recomputes and either writes the result (`write`) or only returns it.
    @discardableResult
    func recomputeAggregates(write: Bool) throws(StoreError) -> [String] {
        let (totals, defaults) = try recompute()
        guard write else { return [] }
        for cls in ContigClass.allCases {
            try db.statement("UPDATE default_an SET alleles = ? WHERE class = ?").run([.int(defaults[cls] ?? 0), .int(cls.rawValue)])
        }
        try db.execute("UPDATE variant SET ac = 0, an_delta = 0, nhomalt = 0, nhemi = 0, tumours = 0, vaf_hist = NULL")
        let set = try db.statement("UPDATE variant SET ac = ?, an_delta = ?, nhomalt = ?, nhemi = ?, tumours = ?, vaf_hist = ? WHERE vid = ?")
        for (vid, t) in totals {
            try set.run([.int(t.ac), .int(t.anDelta), .int(t.nHomAlt), .int(t.nHemi), .int(t.tumours),
                         t.tumours > 0 && !t.hist.isEmpty ? .blob(t.hist.bytes) : .null, .int(vid)])
        }
        return []
    }

    /// Recomputes the aggregates of a few variants from their stored calls and the coverage, as ``recompute()`` does
    /// for all: for a variant that met one batch twice (two records of one allele), whose calls are stored as their
    /// union, so that its counts are the union's too.
    func recomputeVariants(_ vids: Set<Int>) throws(StoreError) {
        guard !vids.isEmpty else { return }
        let samples = try activeSamples()
        let locus = try db.statement("SELECT contig_id, pos FROM variant WHERE vid = ?")
        let segments = try db.statement(Self.segmentsSQL)
        let covered = try db.statement("SELECT ordinal, ploidy FROM coverage WHERE contig_lo <= ?1 AND contig_hi >= ?1 AND start <= ?2 AND \"end\" >= ?2")
        let set = try db.statement("UPDATE variant SET ac = ?, an_delta = ?, nhomalt = ?, nhemi = ?, tumours = ?, vaf_hist = ? WHERE vid = ?")
        for vid in vids.sorted() {
            locus.reset()
            try locus.bind([.int(vid)])
            guard try locus.step() else { continue }
            let (cid, pos) = (locus.int(0), locus.int(1))
            locus.reset()
            var t = VariantTotals()
            segments.reset()
            try segments.bind([.int(cid), .int(pos), .int(pos), .int(Int.min), .int(Int.max)])
            while try segments.step() {
                let range = Self.range(segments)
                for e in try Self.decodeSegment(segments, column: 2, segmentID: segments.int(0), span: range.span) where e.vid == vid {
                    t.add(StoredCalls(e, base: range.base), samples: samples)
                }
            }
            segments.reset()
            covered.reset()
            try covered.bind([.int(cid), .int(pos)])
            while try covered.step() {
                if samples[UInt32(covered.int(0))]?.counted == true { t.anDelta += covered.int(1) }
            }
            covered.reset()
            try set.run([.int(t.ac), .int(t.anDelta), .int(t.nHomAlt), .int(t.nHemi), .int(t.tumours),
                         t.tumours > 0 && !t.hist.isEmpty ? .blob(t.hist.bytes) : .null, .int(vid)])
        }
    }

    public func verifyAggregates() throws -> [String] {
        let (totals, defaults) = try recompute()
        var problems: [String] = []
        let stored = try defaultAN()
        for cls in ContigClass.allCases where (stored[cls] ?? 0) != (defaults[cls] ?? 0) {
            problems.append("default AN for \(cls): stored \(stored[cls] ?? 0), recomputed \(defaults[cls] ?? 0)")
        }
        let s = try db.statement("SELECT vid, ac, an_delta, nhomalt, nhemi, tumours FROM variant")
        var seen = 0
        while try s.step() {
            seen += 1
            let t = totals[s.int(0)] ?? Totals()
            let got = (s.int(1), s.int(2), s.int(3), s.int(4), s.int(5))
            if got != (t.ac, t.anDelta, t.nHomAlt, t.nHemi, t.tumours) {
                problems.append("variant \(s.int(0)): stored ac/an/hom/hemi/tumours \(got), recomputed \((t.ac, t.anDelta, t.nHomAlt, t.nHemi, t.tumours))")
            }
        }
        if seen != totals.count { problems.append("\(seen) variants stored, \(totals.count) with calls") }
        return problems
    }

    /// Removes samples from every calls row and from coverage; marks them inactive. Inside a transaction.
    func removeSamples(_ ordinals: Set<UInt32>) throws(StoreError) -> (rows: Int, blocks: Int) {
        guard !ordinals.isEmpty else { return (0, 0) }
        var rewritten = 0
        try rewriteSegments(holding: ordinals) { layout, entries in
            var after = entries
            var touched = 0
            for i in after.indices {
                let calls = StoredCalls(after[i], base: layout.base)
                let removed = calls.removing(ordinals)
                if removed.het.count != calls.het.count || removed.homAlt.count != calls.homAlt.count || removed.hemi.count != calls.hemi.count
                    || removed.homRef.count != calls.homRef.count || removed.noCall.count != calls.noCall.count
                    || removed.exceptions.count != calls.exceptions.count {
                    after[i] = removed.entry(vid: after[i].vid, base: layout.base)
                    touched += 1
                }
            }
            rewritten += touched
            return touched > 0 ? after : nil
        }
        var blocks = 0
        for o in ordinals {
            try db.statement("DELETE FROM coverage WHERE id IN (SELECT id FROM coverage WHERE ordinal = ?)").run([.int(Int(o))])
            blocks += try db.changes
            try db.statement("UPDATE sample SET active = 0, counted = 0 WHERE ordinal = ?").run([.int(Int(o))])
        }
        return (rewritten, blocks)
    }

    public func erase(_ target: ErasureTarget) throws -> ErasureReport {
        db.resetAll()
        try db.beginErasure()
        try db.begin(.write)
        do {
            var ordinals = Set<UInt32>()
            var names: [String] = []
            var people = Set<Int>()
            let q: any SQLStatement
            switch target {
            case let .person(pseudonym):
                q = try db.statement("SELECT s.ordinal, s.name, s.person_id FROM sample s JOIN person p ON p.person_id = s.person_id WHERE p.pseudonym = ? AND s.active = 1")
                try q.bind([.pseudonym(pseudonym)])
            case let .sample(name):
                q = try db.statement("SELECT ordinal, name, person_id FROM sample WHERE name = ? AND active = 1")
                try q.bind([.text(name)])
            }
            while try q.step() { ordinals.insert(UInt32(q.int(0))); names.append(q.text(1) ?? ""); people.insert(q.int(2)) }
            var pseudonyms: [String] = []
            for pid in people {
                let ps = try db.statement("SELECT pseudonym FROM person WHERE person_id = ?")
                try ps.bind([.int(pid)])
                if try ps.step() { pseudonyms.append(ps.pseudonym(0)) }
                ps.reset()
            }
            guard !ordinals.isEmpty else {
                throw StoreError(.notFound, "no sample of that \(target.isPerson ? "person" : "name") is in the store",
                                 fix: target.isPerson ? "check the person key and the pseudonym secret (VARDE_PSEUDONYM_KEY)" : "list samples with 'varde samples'")
            }
            let (rows, blocks) = try removeSamples(ordinals)
            // File paths and command lines can carry sample names: scrub those of files and batches with no sample
            // left. The checksum stays, so the same file is not silently loaded again.
            try db.execute("""
                UPDATE source_file SET path = '(erased)' WHERE NOT EXISTS (SELECT 1 FROM sample s WHERE s.batch_id = source_file.batch_id
                    AND s.file_index = source_file.file_index AND s.active = 1);
                UPDATE batch SET command = '(erased)' WHERE NOT EXISTS (SELECT 1 FROM sample s WHERE s.batch_id = batch.batch_id AND s.active = 1);
                """)
            // Erased samples leave no row naming them; their person goes when no sample is left.
            for o in ordinals {
                try db.statement("DELETE FROM sample WHERE ordinal = ?").run([.int(Int(o))])
                try db.statement("DELETE FROM cohort_member WHERE ordinal = ?").run([.int(Int(o))])
            }
            try scrubCohortDefinitions(naming: names)
            for pid in people {
                // Another germline/normal sample of the same person now counts in their place.
                if try db.scalarInt("SELECT count(*) FROM sample WHERE person_id = ? AND counted = 1 AND active = 1", [.int(pid)]) == 0 {
                    let left = try db.statement("SELECT ordinal, role FROM sample WHERE person_id = ? AND active = 1")
                    try left.bind([.int(pid)])
                    var remaining: [(ordinal: UInt32, role: SampleRole)] = []
                    while try left.step() { remaining.append((UInt32(left.int(0)), SampleRole(rawValue: left.text(1) ?? "") ?? .germline)) }
                    left.reset()
                    if let next = CountingRule.next(among: remaining) {
                        try db.statement("UPDATE sample SET counted = 1 WHERE ordinal = ?").run([.int(Int(next))])
                    }
                }
                try db.statement("DELETE FROM person WHERE person_id = ? AND NOT EXISTS (SELECT 1 FROM sample WHERE person_id = ?)").run([.int(pid), .int(pid)])
            }
            try recomputeAggregates(write: true)
            // Variants that no remaining sample carries are dropped (gnomAD's "dead alleles"), with their calls.
            var carried = Set<Int>()
            try forEachSegment { _, entries in
                for e in entries where e.hasCarriers { carried.insert(e.vid) }
            }
            var dead = Set<Int>()
            let all = try db.statement("SELECT vid FROM variant")
            while try all.step() { if !carried.contains(all.int(0)) { dead.insert(all.int(0)) } }
            if !dead.isEmpty {
                try rewriteSegments { _, entries in
                    let kept = entries.filter { !dead.contains($0.vid) }
                    return kept.count != entries.count ? kept : nil
                }
                for vid in dead.sorted() {
                    for table in ["annotation", "variant"] {
                        try db.statement("DELETE FROM \(table) WHERE vid = ?").run([.int(vid)])
                    }
                }
            }
            let dropped = dead.count
            // The audit keeps a tombstone of the person, never a raw key, sample name or the pseudonym itself: the
            // SHA-256 of the pseudonym's hex, so an erasure can be matched to a person in an older backup (whose
            // pseudonym is there) while the erased store holds nothing that is the person's pseudonym.
            let tombstones = pseudonyms.map { "sha256:" + SHA256.hash(data: Data($0.utf8)).map { String(format: "%02x", $0) }.joined() }
            let subject = (target.isPerson ? "person:" : "sample of person:") + tombstones.sorted().joined(separator: ",")
            try db.statement("INSERT INTO audit(at, action, subject, details) VALUES (?, 'erase', ?, ?)")
                .run([.text(Clock.now()), .text(subject),
                      .text("samples=\(ordinals.count) call_rows_rewritten=\(rows) coverage_blocks_deleted=\(blocks) variants_dropped=\(dropped)")])
            db.resetAll()
            try db.commit()
            // Reclaim the space: nothing of theirs may stay in free pages, the WAL or the file.
            try db.finishErasure(committed: true)
            return ErasureReport(samples: names, callRowsRewritten: rows, variantsDropped: dropped, coverageBlocksDeleted: blocks)
        } catch {
            db.rollback()
            try? db.finishErasure(committed: false)
            throw error
        }
    }
}

extension ErasureTarget {
    var isPerson: Bool { if case .person = self { true } else { false } }
}

/// Counts within a cohort, GQT-style: the cohort's default AN per contig class once, then only the
/// stored carrier lists of each variant, intersected with the cohort.
struct CohortContext {
    let store: SQLVariantStore
    let members: Set<UInt32>
    let samples: SampleTable
    let defaults: [ContigClass: Int]
    let gvcfMembers: Bool
    let mask: [UInt64]
    /// Per segment range (by base): counted members by absent policy, as masks relative to the range's base.
    let rangeMasks: [UInt32: (ref: [UInt64], missing: [UInt64])]

    init(store: SQLVariantStore, members: Set<UInt32>) throws(StoreError) {
        self.store = store
        self.members = members
        let samples = try store.activeSamples(among: members)
        self.samples = samples
        var d: [ContigClass: Int] = [:]
        var gvcf = false
        for o in members {
            guard let s = samples[o], s.counted else { continue }
            if s.policy == .ref { for (cls, n) in s.ploidy.pairs { d[cls, default: 0] += n } } else { gvcf = true }
        }
        defaults = d
        // Membership as a bitmap over ordinals: one AND per stored carrier.
        let words = Int((members.max() ?? 0) >> 6) + 1
        var m = [UInt64](repeating: 0, count: words)
        for o in members { m[Int(o >> 6)] |= 1 << UInt64(o & 63) }
        mask = m
        // Counted members by absent policy (what each list entry adds depends on it), for every batch with a member.
        let ranges = try store.segmentRanges()
        let counted = members.filter { samples[$0]?.counted == true }
        let ref = SQLVariantStore.masksByRange(counted.filter { samples[$0]?.policy == .ref }, ranges: ranges)
        let missing = SQLVariantStore.masksByRange(counted.filter { samples[$0]?.policy == .missing }, ranges: ranges)
        rangeMasks = Dictionary(uniqueKeysWithValues: SQLVariantStore.masksByRange(members, ranges: ranges).keys.map {
            ($0, (ref: ref[$0] ?? [], missing: missing[$0] ?? []))
        })
        gvcfMembers = gvcf
    }

    /// Cohort contributions of `slots`' variants (on contig `contigID`, at positions `from ... to`), by slot: the
    /// segments that can hold them and start within `share` (`segments`, prepared from
    /// ``SQLVariantStore/segmentsSQL`` on whichever connection reads them), in the ranges with a member,
    /// counted without building lists.
    func totals(_ slots: VidSlots, contigID: Int, from: Int, to: Int, share: ClosedRange<Int> = Int.min...Int.max,
                segments: any SQLStatement) throws(StoreError) -> [SQLVariantStore.Totals] {
        var out = [SQLVariantStore.Totals](repeating: SQLVariantStore.Totals(), count: slots.count)
        defer { segments.reset() }
        try segments.bind([.int(contigID), .int(from), .int(to), .int(share.lowerBound), .int(share.upperBound)])
        while try segments.step() {
            let layout = SQLVariantStore.range(segments)
            guard let masks = rangeMasks[layout.base] else { continue }
            let id = segments.int(0)
            let counts = try SQLVariantStore.withSegment(id) { () throws(SegmentError) in
                try segments.withBlob(2) { bytes throws(SegmentError) in
                    try CallSegment.countMembers(bytes, span: layout.span, ref: masks.ref, missing: masks.missing)
                }
            }
            if counts.exceptional {
                // Call exceptions change what an entry adds per sample: decode the segment and apply the loader's rules.
                let mask = self.mask
                for e in try SQLVariantStore.decodeSegment(segments, column: 2, segmentID: id, span: layout.span) {
                    guard let i = slots[e.vid] else { continue }
                    out[i].add(StoredCalls(e, base: layout.base, decodeQC: false), samples: samples, include: { o in
                        let w = Int(o >> 6)
                        return w < mask.count && mask[w] & (1 << UInt64(o & 63)) != 0
                    })
                }
                continue
            }
            for (entry, vid) in counts.vids.enumerated() {
                guard let i = slots[vid] else { continue }
                out[i].add(counts, entry: entry)
            }
        }
        return out
    }

    func counts(_ t: SQLVariantStore.Totals, contigClass: ContigClass, contigID cid: Int, position: Int) throws(StoreError) -> CohortCounts {
        var covered = 0
        if gvcfMembers {
            let cov = try store.db.statement("SELECT ordinal, ploidy FROM coverage WHERE contig_lo <= ?1 AND contig_hi >= ?1 AND start <= ?2 AND \"end\" >= ?2")
            try cov.bind([.int(cid), .int(position)])
            while try cov.step() {
                let o = UInt32(cov.int(0))
                if members.contains(o), samples[o]?.counted == true { covered += cov.int(1) }
            }
        }
        return CohortCounts(ac: t.ac, an: (defaults[contigClass] ?? 0) + t.anDelta + covered, nHomAlt: t.nHomAlt)
    }
}

/// The variants of a region query by vid: their runs of nearby vids (one range scan each) and each vid's slot in
/// output order. Dense when the vids are (as one load writes them) mostly consecutive.
struct VidSlots {
    let count: Int
    let runs: [ClosedRange<Int>]
    private let sortedVids: [Int]
    private let low: Int
    private let dense: [Int32]
    private let sparse: [Int: Int]

    init(_ vids: [Int]) {
        count = vids.count
        let sorted = vids.sorted()
        var runs: [ClosedRange<Int>] = []
        var start = sorted[0], last = sorted[0]
        for v in sorted.dropFirst() {
            // A gap of up to 64 other vids is cheaper to step over than a new range scan.
            if v - last > 64 { runs.append(start...last); start = v }
            last = v
        }
        runs.append(start...last)
        self.runs = runs
        sortedVids = sorted
        low = sorted[0]
        let span = sorted[sorted.count - 1] - low + 1
        if span <= 4 * vids.count + 1024 {
            var d = [Int32](repeating: -1, count: span)
            for (i, v) in vids.enumerated() { d[v - low] = Int32(i) }
            dense = d
            sparse = [:]
        } else {
            dense = []
            sparse = Dictionary(vids.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        }
    }

    /// The runs split at the median vid: two halves with as many variants each.
    func halves() -> ([ClosedRange<Int>], [ClosedRange<Int>]) {
        let median = sortedVids[sortedVids.count / 2]
        var first: [ClosedRange<Int>] = [], second: [ClosedRange<Int>] = []
        for run in runs {
            if run.upperBound < median { first.append(run) } else if run.lowerBound >= median { second.append(run) } else {
                first.append(run.lowerBound...(median - 1))
                second.append(median...run.upperBound)
            }
        }
        return (first, second)
    }

    subscript(vid: Int) -> Int? {
        if dense.isEmpty { return sparse[vid] }
        let r = vid - low
        guard r >= 0, r < dense.count, dense[r] >= 0 else { return nil }
        return Int(dense[r])
    }
}
