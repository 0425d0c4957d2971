public import VariantStore

extension SQLVariantStore {
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
            // A full compaction also puts the variant rows back in genomic order when loads have scattered them.
            var reorder = false
            if !automatic {
                let scattered = try variantsOutOfOrder(), variants = try db.scalarInt("SELECT count(*) FROM variant") ?? 0
                reorder = scattered * 100 > variants
            }
            guard !groups.isEmpty || reorder else { return report }
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
            if reorder {
                progress?("putting the variant rows in genomic order")
                report.variantsReordered = try reorderVariants()
            }
            report.segmentsAfter = try db.scalarInt("SELECT count(*) FROM calls_segment") ?? 0
            // An audit row: every change to the calls comes with a batch or an audit row, which is how two connections
            // of one query know they read one state (committedState).
            try db.statement("INSERT INTO audit(at, action, subject, details) VALUES (?, 'compact', 'store', ?)")
                .run([.text(Clock.now()),
                      .text("ranges=\(report.rangesWritten) units=\(report.unitsMerged) segments_before=\(report.segmentsBefore) segments_after=\(report.segmentsAfter) variants_reordered=\(report.variantsReordered)")])
            return report
        }
    }

    /// Variants whose row comes before the previous variant's in genomic order: each batch appends the variants it
    /// is the first to meet, so after many per-genome loads a region's rows are spread over the whole table, and a
    /// region query reads several times the rows it needs (1,000 single-sample loads: 95,838 rows read for 19,840).
    func variantsOutOfOrder() throws(StoreError) -> Int {
        let s = try db.statement("SELECT vid FROM variant INDEXED BY variant_allele ORDER BY contig_id, pos, ref, alt")
        defer { s.reset() }
        var last = Int.min, out = 0
        while try s.step() {
            let v = s.int(0)
            if v < last { out += 1 }
            last = v
        }
        return out
    }

    /// Renumbers every variant in genomic order (contig, position, REF, ALT), so the table, which is clustered by
    /// variant id, holds a region's rows together again: the variant and annotation tables are rewritten in that
    /// order and every segment's entries get the new ids (their order in a segment, and so the linkage coding, stays).
    /// Inside the compaction's transaction. Returns the variants renumbered.
    private func reorderVariants() throws(StoreError) -> Int {
        let mapTable: String
        switch db.engine {
        case .sqlite:
            mapTable = "temp.vid_map"
            try db.execute("""
                DROP TABLE IF EXISTS temp.vid_map;
                CREATE TEMP TABLE vid_map(old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
                INSERT INTO vid_map(old, new) SELECT vid, row_number() OVER (ORDER BY contig_id, pos, ref, alt) FROM variant;
                """)
            func rebuild(_ table: String, orderBy: String) throws(StoreError) {
                let ddl = try db.statement("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
                try ddl.bind([.text(table)])
                guard try ddl.step(), let create = ddl.text(0) else { throw StoreError(.database, "the store has no \(table) table") }
                ddl.reset()
                var indexes: [String] = []
                let idx = try db.statement("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
                try idx.bind([.text(table)])
                while try idx.step() { indexes.append(idx.text(0) ?? "") }
                idx.reset()
                var columns: [String] = []
                let info = try db.statement("SELECT name FROM pragma_table_info(?)")
                try info.bind([.text(table)])
                while try info.step() { columns.append(info.text(0) ?? "") }
                info.reset()
                let select = columns.map { $0 == "vid" ? "m.new" : "t.\($0)" }.joined(separator: ", ")
                guard let open = create.firstIndex(of: "(") else { throw StoreError(.database, "cannot read the \(table) table's definition") }
                try db.execute("""
                    CREATE TABLE \(table)_ordered\(create[open...]);
                    INSERT INTO \(table)_ordered(\(columns.joined(separator: ", "))) SELECT \(select) FROM \(table) t JOIN temp.vid_map m ON m.old = t.vid ORDER BY \(orderBy);
                    DROP TABLE \(table);
                    ALTER TABLE \(table)_ordered RENAME TO \(table);
                    """)
                for sql in indexes { try db.execute(sql) }
            }
            db.resetAll()
            try rebuild("variant", orderBy: "m.new")
            try rebuild("annotation", orderBy: "m.new")
        case .postgres:
            // PostgreSQL keeps no clustered order to restore (a table is a heap); the ids are renumbered in place,
            // through negative values so that no two rows ever share one.
            mapTable = "vid_map"
            db.resetAll()
            try db.execute("""
                DROP TABLE IF EXISTS vid_map;
                CREATE TEMP TABLE vid_map AS SELECT vid AS old, row_number() OVER (ORDER BY contig_id, pos, ref, alt) AS new FROM variant;
                CREATE UNIQUE INDEX vid_map_old ON vid_map(old);
                UPDATE variant SET vid = -m.new FROM vid_map m WHERE m.old = variant.vid;
                UPDATE variant SET vid = -vid;
                UPDATE annotation SET vid = -m.new FROM vid_map m WHERE m.old = annotation.vid;
                UPDATE annotation SET vid = -vid;
                """)
        }
        let map = try db.statement("SELECT new FROM \(mapTable) WHERE old = ?")
        try rewriteSegments { _, entries throws(StoreError) in
            var out = entries
            for i in out.indices {
                map.reset()
                try map.bind([.int(out[i].vid)])
                guard try map.step() else { throw StoreError(.corrupt, "a calls segment names variant \(out[i].vid), which the store lacks", fix: "restore the store from a backup") }
                out[i].vid = map.int(0)
            }
            map.reset()
            return out
        }
        let n = try db.scalarInt("SELECT count(*) FROM \(mapTable)") ?? 0
        db.resetAll()
        try db.execute("DROP TABLE \(mapTable)")
        return n
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
