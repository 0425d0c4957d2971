internal import CSQLite
import VariantStore

/// Where a batch's ordinals start and how many it reserved: a segment's lists are relative to `base`, `span` wide.
struct BatchLayout {
    var base: UInt32
    var span: Int
}

/// Collects one batch's calls, variant by variant in the order they come, into ``CallSegment``s, and writes each
/// segment as one `calls_segment` row when it is full: at ``CallSegment/maxEntries(span:)`` variants, at a new
/// contig, or when it would reach over more than ``maxReach`` bases (so a region query finds every segment that
/// can hold its variants by a bounded index range).
final class SegmentWriter {
    static let maxReach = 1 << 20

    private let db: SQLiteDatabase
    private let batchID: Int
    private let layout: BatchLayout
    private var entries: [SegmentEntry] = []
    private var indexOfVid: [Int: Int] = [:]
    private var contigID = -1
    private var firstPos = Int.max, lastPos = Int.min
    /// Segments written so far.
    private(set) var written = 0

    init(db: SQLiteDatabase, batchID: Int, layout: BatchLayout) {
        self.db = db
        self.batchID = batchID
        self.layout = layout
    }

    func add(vid: Int, contigID: Int, position: Int, _ calls: StoredCalls) throws(StoreError) {
        if let i = indexOfVid[vid] {
            // A second occurrence in this batch while its segment is still open (another file, a duplicate record).
            entries[i] = StoredCalls(entries[i], base: layout.base).merged(with: calls).entry(vid: vid, base: layout.base)
            return
        }
        if !entries.isEmpty, contigID != self.contigID || entries.count >= CallSegment.maxEntries(span: layout.span)
            || max(lastPos, position) - min(firstPos, position) > Self.maxReach {
            try flush()
        }
        self.contigID = contigID
        firstPos = min(firstPos, position)
        lastPos = max(lastPos, position)
        indexOfVid[vid] = entries.count
        entries.append(calls.entry(vid: vid, base: layout.base))
    }

    func flush() throws(StoreError) {
        guard !entries.isEmpty else { return }
        try Self.insert(entries, db: db, batchID: batchID, contigID: contigID, firstPos: firstPos, lastPos: lastPos, span: layout.span)
        written += 1
        entries.removeAll(keepingCapacity: true)
        indexOfVid.removeAll(keepingCapacity: true)
        contigID = -1
        firstPos = .max; lastPos = .min
    }

    static func insert(_ entries: [SegmentEntry], db: SQLiteDatabase, batchID: Int, contigID: Int, firstPos: Int, lastPos: Int,
                       span: Int) throws(StoreError) {
        try db.statement("INSERT INTO calls_segment(batch_id, contig_id, first_pos, last_pos, entries, data) VALUES (?, ?, ?, ?, ?, ?)")
            .run([.int(batchID), .int(contigID), .int(firstPos), .int(lastPos), .int(entries.count),
                  .blob(CallSegment.encode(entries, span: span))])
    }
}

extension StoredCalls {
    init(_ e: SegmentEntry, base: UInt32, decodeQC: Bool = true) {
        func absolute(_ l: [UInt32]) -> [UInt32] { l.map { $0 + base } }
        self.init(het: absolute(e.lists[0]), homAlt: absolute(e.lists[1]), hemi: absolute(e.lists[2]), homRef: absolute(e.lists[3]),
                  noCall: absolute(e.lists[4]), exceptions: ExceptionCodec.decode(e.exceptions, base: base),
                  qc: decodeQC ? QCCodec.decode(e.qc) : [])
    }

    func entry(vid: Int, base: UInt32) -> SegmentEntry {
        SegmentEntry(vid: vid, lists: [het, homAlt, hemi, homRef, noCall].map { $0.map { $0 - base } },
                     exceptions: ExceptionCodec.encode(exceptions.sorted { $0.ordinal < $1.ordinal }, base: base),
                     qc: QCCodec.encode(qc))
    }
}

extension SQLiteVariantStore {
    /// The segments that can hold variants at positions `?2 ... ?3` of contig `?1` (and start within `?4 ... ?5`, to
    /// share them between connections): each reaches over at most ``SegmentWriter/maxReach`` bases, so the index
    /// range on (contig, first position) is bounded.
    static let segmentsSQL = """
        SELECT segment_id, batch_id, data FROM calls_segment
        WHERE contig_id = ?1 AND first_pos BETWEEN max(?2 - \(SegmentWriter.maxReach), ?4) AND min(?3, ?5) AND last_pos >= ?2
        """

    /// Each batch's first ordinal and width, by batch id.
    func batchLayouts() throws(StoreError) -> [Int: BatchLayout] {
        let s = try db.statement("SELECT batch_id, first_ordinal, sample_count FROM batch")
        var out: [Int: BatchLayout] = [:]
        while try s.step() { out[s.int(0)] = BatchLayout(base: UInt32(s.int(1)), span: s.int(2)) }
        return out
    }

    /// Every segment (or those of one batch), decoded, one at a time.
    func forEachSegment(batch: Int? = nil, _ body: (BatchLayout, [SegmentEntry]) throws(StoreError) -> Void) throws(StoreError) {
        try rewriteSegments(batch: batch) { layout, entries throws(StoreError) in
            try body(layout, entries)
            return nil
        }
    }

    /// Every segment (or those of one batch), one at a time: `body` returns the entries to store instead, or nil
    /// to leave the segment as it is. Segments are read by id after listing them, so the table is never changed
    /// under an open cursor, and memory holds one segment.
    func rewriteSegments(batch: Int? = nil, _ body: (BatchLayout, [SegmentEntry]) throws(StoreError) -> [SegmentEntry]?) throws(StoreError) {
        let layouts = try batchLayouts()
        let list = try db.statement(batch == nil ? "SELECT segment_id, batch_id FROM calls_segment ORDER BY segment_id"
                                                 : "SELECT segment_id, batch_id FROM calls_segment WHERE batch_id = ? ORDER BY segment_id")
        if let batch { try list.bind([.int(batch)]) }
        var ids: [(Int, Int)] = []
        while try list.step() { ids.append((list.int(0), list.int(1))) }
        list.reset()
        let one = try db.statement("SELECT data FROM calls_segment WHERE segment_id = ?")
        for (id, b) in ids {
            guard let layout = layouts[b] else { throw StoreError(.database, "calls segment \(id) names batch \(b), which the store lacks") }
            one.reset()
            try one.bind([.int(id)])
            guard try one.step() else { continue }
            let entries = try Self.decodeSegment(one, column: 0, segmentID: id, span: layout.span)
            one.reset()
            if let replaced = try body(layout, entries) { try rewriteSegment(id, entries: replaced, span: layout.span) }
        }
    }

    static func decodeSegment(_ s: Statement, column: Int32, segmentID: Int, span: Int) throws(StoreError) -> [SegmentEntry] {
        try withSegment(segmentID) { () throws(SegmentError) in
            try s.withBlob(column) { bytes throws(SegmentError) in try CallSegment.decode(bytes, span: span) }
        }
    }

    /// Runs `body` on segment `id`'s bytes; a damaged segment becomes a store error that names it.
    static func withSegment<T>(_ id: Int, _ body: () throws(SegmentError) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw StoreError(.database, "calls segment \(id): \(error)", fix: "restore the store from a backup") }
    }

    /// Replaces a segment's entries (dropping empty ones), or deletes it when none is left.
    func rewriteSegment(_ id: Int, entries: [SegmentEntry], span: Int) throws(StoreError) {
        let kept = entries.filter { !$0.isEmpty }
        if kept.isEmpty {
            try db.statement("DELETE FROM calls_segment WHERE segment_id = ?").run([.int(id)])
        } else {
            try db.statement("UPDATE calls_segment SET entries = ?, data = ? WHERE segment_id = ?")
                .run([.int(kept.count), .blob(CallSegment.encode(kept, span: span)), .int(id)])
        }
    }

    /// Migration 0007: hex pseudonyms become their bytes.
    func convertPseudonymsToBlobs() throws(StoreError) {
        let s = try db.statement("SELECT person_id, pseudonym FROM person WHERE typeof(pseudonym) = 'text'")
        var rows: [(Int, String)] = []
        while try s.step() { rows.append((s.int(0), s.text(1) ?? "")) }
        s.reset()
        let update = try db.statement("UPDATE person SET pseudonym = ? WHERE person_id = ?")
        for (id, hex) in rows { try update.run([.pseudonym(hex), .int(id)]) }
    }

    /// Migration 0006: the per-variant `calls` rows of each batch, in position order, become segments.
    func convertCallsToSegments() throws(StoreError) {
        let layouts = try batchLayouts()
        let rows = try db.statement("""
            SELECT k.vid, v.contig_id, v.pos, k.het, k.hom, k.hemi, k.homref, k.nocall, k.exceptions, k.qc
            FROM calls k JOIN variant v ON v.vid = k.vid WHERE k.batch_id = ? ORDER BY v.contig_id, v.pos, k.vid
            """)
        for (batch, layout) in layouts.sorted(by: { $0.key < $1.key }) {
            let writer = SegmentWriter(db: db, batchID: batch, layout: layout)
            rows.reset()
            try rows.bind([.int(batch)])
            while try rows.step() {
                let calls = StoredCalls(columns: rows, base: layout.base, offset: 3)
                try writer.add(vid: rows.int(0), contigID: rows.int(1), position: rows.int(2), calls)
            }
            try writer.flush()
        }
        rows.reset()
        try db.execute("DROP TABLE calls")
    }
}
