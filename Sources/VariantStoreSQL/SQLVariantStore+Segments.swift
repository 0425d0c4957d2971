import VariantStore

/// The ordinals a segment's lists are relative to: `span` ordinals from `base`. A batch's segments cover the
/// batch's ordinals; a compacted segment covers the ordinals of every batch it merged.
struct SegmentRange: Hashable, Comparable {
    var base: UInt32
    var span: Int

    var upperBound: UInt32 { base + UInt32(span) }
    func contains(_ o: UInt32) -> Bool { o >= base && o < upperBound }
    static func < (a: Self, b: Self) -> Bool { (a.base, a.span) < (b.base, b.span) }
}

/// Collects one batch's calls, variant by variant in the order they come, into ``CallSegment``s, and writes each
/// segment as one `calls_segment` row when it is full: at ``CallSegment/maxEntries(span:)`` variants, at a new
/// contig, or when it would reach over more than ``maxReach`` bases (so a region query finds every segment that
/// can hold its variants by a bounded index range).
final class SegmentWriter {
    static let maxReach = 1 << 20

    private let db: any SQLConnection
    private let batchID: Int
    private let layout: SegmentRange
    /// Writes rows without the range columns (migration 0006 runs before 0008 adds them).
    private let legacy: Bool
    private var entries: [SegmentEntry] = []
    private var indexOfVid: [Int: Int] = [:]
    private var contigID = -1
    private var firstPos = Int.max, lastPos = Int.min
    /// Segments written so far.
    private(set) var written = 0
    /// Variants whose calls met a second occurrence in this batch (another record of the same allele) and are stored
    /// as the union: their counts are recomputed from it when the batch finishes, not added twice.
    private(set) var merged = Set<Int>()

    init(db: any SQLConnection, batchID: Int, layout: SegmentRange, legacy: Bool = false) {
        self.db = db
        self.batchID = batchID
        self.layout = layout
        self.legacy = legacy
    }

    func add(vid: Int, contigID: Int, position: Int, _ calls: StoredCalls) throws(StoreError) {
        if let i = indexOfVid[vid] {
            // A second occurrence in this batch while its segment is still open (another file, a duplicate record).
            entries[i] = StoredCalls(entries[i], base: layout.base).merged(with: calls).entry(vid: vid, base: layout.base)
            merged.insert(vid)
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
        try Self.insert(entries, db: db, batchID: batchID, contigID: contigID, firstPos: firstPos, lastPos: lastPos, range: layout,
                        legacy: legacy)
        written += 1
        entries.removeAll(keepingCapacity: true)
        indexOfVid.removeAll(keepingCapacity: true)
        contigID = -1
        firstPos = .max; lastPos = .min
    }

    static func insert(_ entries: [SegmentEntry], db: any SQLConnection, batchID: Int, contigID: Int, firstPos: Int, lastPos: Int,
                       range: SegmentRange, legacy: Bool = false) throws(StoreError) {
        let data = SQLValue.blob(CallSegment.encode(entries, span: range.span))
        if legacy {
            try db.statement("INSERT INTO calls_segment(batch_id, contig_id, first_pos, last_pos, entries, data) VALUES (?, ?, ?, ?, ?, ?)")
                .run([.int(batchID), .int(contigID), .int(firstPos), .int(lastPos), .int(entries.count), data])
            return
        }
        try db.statement("INSERT INTO calls_segment(batch_id, contig_id, first_pos, last_pos, entries, data, base, span) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .run([.int(batchID), .int(contigID), .int(firstPos), .int(lastPos), .int(entries.count), data,
                  .int(Int(range.base)), .int(range.span)])
    }
}

extension SQLVariantStore {
    /// The segments that can hold variants at positions `?2 ... ?3` of contig `?1` (and start within `?4 ... ?5`, to
    /// share them between connections): each reaches over at most ``SegmentWriter/maxReach`` bases, so the index
    /// range on (contig, first position) is bounded. Columns: segment_id, base, data, span (``range(_:)``).
    static let segmentsSQL = """
        SELECT segment_id, base, data, span FROM calls_segment
        WHERE contig_id = ?1 AND first_pos BETWEEN max(?2 - \(SegmentWriter.maxReach), ?4) AND min(?3, ?5) AND last_pos >= ?2
        """

    /// The ordinal range of a row of ``segmentsSQL``.
    static func range(_ s: any SQLStatement) -> SegmentRange { SegmentRange(base: UInt32(s.int(1)), span: s.int(3)) }

    /// Each batch's ordinals, by batch id (its first ordinal and width).
    func batchRanges() throws(StoreError) -> [Int: SegmentRange] {
        let s = try db.statement("SELECT batch_id, first_ordinal, sample_count FROM batch")
        var out: [Int: SegmentRange] = [:]
        while try s.step() { out[s.int(0)] = SegmentRange(base: UInt32(s.int(1)), span: s.int(2)) }
        return out
    }

    /// The distinct ordinal ranges of the stored segments (an index-only read).
    func segmentRanges() throws(StoreError) -> [SegmentRange] {
        let s = try db.statement("SELECT DISTINCT base, span FROM calls_segment ORDER BY base, span")
        var out: [SegmentRange] = []
        while try s.step() { out.append(SegmentRange(base: UInt32(s.int(0)), span: s.int(1))) }
        return out
    }

    /// Every segment (or those whose range holds one of `ordinals`), decoded, one at a time.
    func forEachSegment(holding ordinals: Set<UInt32>? = nil, _ body: (SegmentRange, [SegmentEntry]) throws(StoreError) -> Void) throws(StoreError) {
        try rewriteSegments(holding: ordinals) { layout, entries throws(StoreError) in
            try body(layout, entries)
            return nil
        }
    }

    /// Every segment (or those whose range holds one of `ordinals`), one at a time: `body` returns the entries to
    /// store instead, or nil to leave the segment as it is. Segments are read by id after listing them, so the table
    /// is never changed under an open cursor, and memory holds one segment.
    func rewriteSegments(holding ordinals: Set<UInt32>? = nil,
                         _ body: (SegmentRange, [SegmentEntry]) throws(StoreError) -> [SegmentEntry]?) throws(StoreError) {
        // From the range index alone (the rows' blobs are not read), then in id order.
        let list = try db.statement("SELECT segment_id, base, span FROM calls_segment INDEXED BY calls_segment_range")
        var ids: [(Int, SegmentRange)] = []
        let wanted = ordinals.map { Array($0).sorted() }
        while try list.step() {
            let r = SegmentRange(base: UInt32(list.int(1)), span: list.int(2))
            if let wanted {
                // Any wanted ordinal in [base, base + span): the first one at or above base decides.
                var lo = 0, hi = wanted.count
                while lo < hi { let m = (lo + hi) / 2; if wanted[m] < r.base { lo = m + 1 } else { hi = m } }
                guard lo < wanted.count, r.contains(wanted[lo]) else { continue }
            }
            ids.append((list.int(0), r))
        }
        list.reset()
        ids.sort { $0.0 < $1.0 }
        let one = try db.statement("SELECT data FROM calls_segment WHERE segment_id = ?")
        for (id, layout) in ids {
            one.reset()
            try one.bind([.int(id)])
            guard try one.step() else { continue }
            let entries = try Self.decodeSegment(one, column: 0, segmentID: id, span: layout.span)
            one.reset()
            if let replaced = try body(layout, entries) { try rewriteSegment(id, entries: replaced, span: layout.span) }
        }
    }

    static func decodeSegment(_ s: any SQLStatement, column: Int32, segmentID: Int, span: Int) throws(StoreError) -> [SegmentEntry] {
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
        let layouts = try batchRanges()
        let rows = try db.statement("""
            SELECT k.vid, v.contig_id, v.pos, k.het, k.hom, k.hemi, k.homref, k.nocall, k.exceptions, k.qc
            FROM calls k JOIN variant v ON v.vid = k.vid WHERE k.batch_id = ? ORDER BY v.contig_id, v.pos, k.vid
            """)
        for (batch, layout) in layouts.sorted(by: { $0.key < $1.key }) {
            let writer = SegmentWriter(db: db, batchID: batch, layout: layout, legacy: true)
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
