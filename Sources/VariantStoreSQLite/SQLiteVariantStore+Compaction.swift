internal import CSQLite
public import VariantStore

extension SQLiteVariantStore {
    /// The units the store's segments are grouped by: every distinct segment range, marked `merged` when no batch
    /// has exactly that range (an earlier compaction wrote it).
    func compactionUnits() throws(StoreError) -> [CompactionPlanner.Unit] {
        let batches = Set(try batchRanges().values)
        return try segmentRanges().map { CompactionPlanner.Unit(base: $0.base, span: $0.span, merged: !batches.contains($0)) }
    }

    /// Merges the segments of small batches (``CompactionPolicy``) into segments over all their samples, range by
    /// range, in one transaction: it waits for a running load and makes loads wait for it (the write lock), readers
    /// keep the snapshot they have, and a kill at any moment leaves the store as it was. `automatic` merges only what
    /// a load's automatic compaction would (``CompactionPlanner/automatic(_:)``). No answer changes: the merged
    /// lists hold the same calls, relative to the range's first ordinal.
    public func compact(_ policy: CompactionPolicy, automatic: Bool, progress: ((String) -> Void)?) throws -> CompactionReport {
        db.resetAll()
        return try db.transaction {
            let planner = CompactionPlanner(policy: policy)
            let units = try compactionUnits()
            let groups = automatic ? planner.automatic(units) : planner.full(units)
            var report = CompactionReport()
            guard !groups.isEmpty else { return report }
            report.segmentsBefore = try db.scalarInt("SELECT count(*) FROM calls_segment") ?? 0
            for (i, group) in groups.enumerated() {
                let range = SegmentRange(base: group[0].base, span: Int(group[group.count - 1].upperBound - group[0].base))
                progress?("compacting range \(i + 1) of \(groups.count): \(group.count) batches, samples \(range.base)-\(range.upperBound - 1)")
                let (read, written) = try mergeSegments(into: range)
                report.rangesWritten += 1
                report.unitsMerged += group.count
                report.entriesRead += read
                report.entriesWritten += written
            }
            report.segmentsAfter = try db.scalarInt("SELECT count(*) FROM calls_segment") ?? 0
            // An audit row: every change to the calls comes with a batch or an audit row, which is how two connections
            // of one query know they read one state (committedState).
            try db.statement("INSERT INTO audit(at, action, subject, details) VALUES (?, 'compact', 'store', ?)")
                .run([.text(Clock.now()),
                      .text("ranges=\(report.rangesWritten) units=\(report.unitsMerged) segments_before=\(report.segmentsBefore) segments_after=\(report.segmentsAfter)")])
            return report
        }
    }

    /// How many small batches a load's automatic compaction would merge now.
    public func automaticCompactionPending(_ policy: CompactionPolicy) throws -> Int {
        CompactionPlanner(policy: policy).automatic(try compactionUnits()).reduce(0) { $0 + $1.count }
    }

    /// Rewrites every segment whose range lies inside `range` as segments over `range`, contig by contig in position
    /// order. Segments are swept by first position; a segment's variants start at or after its first position, so
    /// once a segment starting at `p` is read, every variant before `p` has all its entries and is written. Memory
    /// holds the variants of about one segment reach (1 Mb), not the range.
    private func mergeSegments(into range: SegmentRange) throws(StoreError) -> (read: Int, written: Int) {
        let list = try db.statement("""
            SELECT segment_id, batch_id, contig_id, first_pos FROM calls_segment INDEXED BY calls_segment_range
            WHERE base >= ? AND base < ?
            """)
        try list.bind([.int(Int(range.base)), .int(Int(range.upperBound))])
        var segments: [(id: Int, batch: Int, contig: Int, first: Int)] = []
        while try list.step() { segments.append((list.int(0), list.int(1), list.int(2), list.int(3))) }
        list.reset()
        guard segments.count > 1 else { return (0, 0) }
        segments.sort { ($0.contig, $0.first, $0.id) < ($1.contig, $1.first, $1.id) }
        let firstBatch = segments.map(\.batch).min() ?? 0
        let one = try db.statement("SELECT data, base, span FROM calls_segment WHERE segment_id = ?")
        let position = try db.statement("SELECT pos FROM variant WHERE vid = ?")
        let writer = SegmentWriter(db: db, batchID: firstBatch, layout: range)
        // A variant's occurrences (one per unit holding it), merged once when written; the variants waiting, by
        // position, in a min-heap (a sweep over hundreds of batches holds many thousands at once).
        var pending: [Int: (pos: Int, parts: [StoredCalls])] = [:]
        var order = MinHeap<PendingKey>()
        var contig = -1
        var read = 0, written = 0
        func flush(below limit: Int) throws(StoreError) {
            while let top = order.peek, top.pos < limit {
                _ = order.pop()
                guard let v = pending.removeValue(forKey: top.vid) else { continue }
                try writer.add(vid: top.vid, contigID: contig, position: v.pos, StoredCalls.union(v.parts))
                written += 1
            }
        }
        for seg in segments {
            if seg.contig != contig {
                try flush(below: .max)
                contig = seg.contig
            } else {
                try flush(below: seg.first)
            }
            one.reset()
            try one.bind([.int(seg.id)])
            guard try one.step() else { continue }
            let from = SegmentRange(base: UInt32(one.int(1)), span: one.int(2))
            let entries = try Self.decodeSegment(one, column: 0, segmentID: seg.id, span: from.span)
            one.reset()
            for e in entries {
                read += 1
                let calls = StoredCalls(e, base: from.base)
                if pending[e.vid] != nil {
                    pending[e.vid]!.parts.append(calls)
                    continue
                }
                position.reset()
                try position.bind([.int(e.vid)])
                guard try position.step() else {
                    throw StoreError(.corrupt, "calls segment \(seg.id) holds variant \(e.vid), which the store lacks",
                                     fix: "restore the store from a backup")
                }
                let pos = position.int(0)
                position.reset()
                pending[e.vid] = (pos, [calls])
                order.push(PendingKey(pos: pos, vid: e.vid))
            }
        }
        try flush(below: .max)
        try writer.flush()
        let delete = try db.statement("DELETE FROM calls_segment WHERE segment_id = ?")
        for seg in segments { try delete.run([.int(seg.id)]) }
        return (read, written)
    }
}

/// A variant waiting to be written by the compaction sweep: written in (position, vid) order.
struct PendingKey: Comparable {
    var pos: Int
    var vid: Int
    static func < (a: Self, b: Self) -> Bool { (a.pos, a.vid) < (b.pos, b.vid) }
}

/// A binary min-heap (the standard library has none, and swift-collections is not a dependency of the store).
struct MinHeap<Element: Comparable> {
    private var items: [Element] = []
    var peek: Element? { items.first }
    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ e: Element) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i] < items[parent] else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < items.count, items[l] < items[m] { m = l }
            if r < items.count, items[r] < items[m] { m = r }
            guard m != i else { break }
            items.swapAt(i, m)
            i = m
        }
        return top
    }
}
