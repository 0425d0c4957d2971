/// When and how far `varde compact` (and the compaction a load runs by itself) merges the call segments of small
/// batches into segments over many samples.
///
/// The store is fed one genome per file, so most batches hold one or two samples, and each adds its own segments to
/// every region it touches: a cohort count reads one segment per batch. Compaction merges neighbouring small
/// batches' segments, range by genomic range, into segments whose lists cover all their samples (as if they had been
/// loaded as one batch), leaving large batches as they are.
public struct CompactionPolicy: Sendable, Equatable {
    /// Batches with fewer samples than this are "small": their segments are merged. Larger batches already have
    /// segments over many samples and are never rewritten.
    public var smallBatch: Int
    /// A merged range covers at most this many sample ordinals (the segment codec stores up to 2,048 variants a
    /// segment at this width; a cohort count reads one segment per range).
    public var rangeSamples: Int
    /// Automatic compaction after a load merges this many neighbouring units of one size tier at a time (single
    /// batches into ranges of ~`fanout` samples, those into ranges of ~`fanout`² ≤ `rangeSamples`), so each sample's
    /// calls are rewritten about twice over its life instead of once per later load.
    public var fanout: Int

    public init(smallBatch: Int = 64, rangeSamples: Int = 1024, fanout: Int = 32) {
        self.smallBatch = smallBatch
        self.rangeSamples = rangeSamples
        self.fanout = fanout
    }
}

/// What a compaction did.
public struct CompactionReport: Sendable, Equatable {
    /// Merged ranges written, and the batch or range units they replaced.
    public var rangesWritten: Int
    public var unitsMerged: Int
    public var segmentsBefore: Int
    public var segmentsAfter: Int
    /// Variant entries read and written (entries of one variant in several units become one).
    public var entriesRead: Int
    public var entriesWritten: Int
    /// Variant rows put back in genomic order (a full compaction of a store whose rows were scattered by many
    /// loads; 0 when they were in order).
    public var variantsReordered: Int = 0

    public init(rangesWritten: Int = 0, unitsMerged: Int = 0, segmentsBefore: Int = 0, segmentsAfter: Int = 0,
                entriesRead: Int = 0, entriesWritten: Int = 0) {
        self.rangesWritten = rangesWritten
        self.unitsMerged = unitsMerged
        self.segmentsBefore = segmentsBefore
        self.segmentsAfter = segmentsAfter
        self.entriesRead = entriesRead
        self.entriesWritten = entriesWritten
    }

    public var didWork: Bool { rangesWritten > 0 || variantsReordered > 0 }
}

/// The ordinal units a store's segments are grouped by (a batch, or a range compaction merged), and which of them
/// to merge: the backend-neutral half of compaction.
public struct CompactionPlanner: Sendable {
    /// One unit: `span` ordinals from `base`; `merged` when it is a range an earlier compaction wrote.
    public struct Unit: Sendable, Equatable, Comparable {
        public var base: UInt32
        public var span: Int
        public var merged: Bool
        public init(base: UInt32, span: Int, merged: Bool) {
            self.base = base
            self.span = span
            self.merged = merged
        }
        public var upperBound: UInt32 { base + UInt32(span) }
        public static func < (a: Self, b: Self) -> Bool { a.base < b.base }
    }

    public var policy: CompactionPolicy
    public init(policy: CompactionPolicy) { self.policy = policy }

    /// A unit compaction may rewrite: a small batch, or a merged range with room left.
    public func mergeable(_ u: Unit) -> Bool {
        u.span < policy.rangeSamples && (u.span < policy.smallBatch || u.merged)
    }

    /// Size tier for automatic compaction: below `fanout` samples, below `fanout`², and full.
    public func tier(_ u: Unit) -> Int {
        u.span < policy.fanout ? 0 : u.span < policy.fanout * policy.fanout && u.span < policy.rangeSamples ? 1 : 2
    }

    /// Runs of neighbouring mergeable units (no unmergeable unit between them), in ordinal order.
    func chains(_ units: [Unit]) -> [[Unit]] {
        var out: [[Unit]] = []
        var current: [Unit] = []
        for u in units.sorted() {
            if mergeable(u) { current.append(u) } else {
                if current.count > 1 { out.append(current) }
                current = []
            }
        }
        if current.count > 1 { out.append(current) }
        return out
    }

    /// Everything there is to merge now (`varde compact`): each chain cut into groups of at most `rangeSamples`
    /// ordinals; groups of one unit are left alone.
    public func full(_ units: [Unit]) -> [[Unit]] {
        var out: [[Unit]] = []
        for chain in chains(units) {
            var group: [Unit] = []
            for u in chain {
                if let first = group.first, Int(u.upperBound - first.base) > policy.rangeSamples {
                    if group.count > 1 { out.append(group) }
                    group = []
                }
                group.append(u)
            }
            if group.count > 1 { out.append(group) }
        }
        return out
    }

    /// What a load should merge by itself: `fanout` neighbouring units of one tier (or as many as fit in
    /// `rangeSamples`, when that is at least half full). Nothing until enough small batches have piled up.
    public func automatic(_ units: [Unit]) -> [[Unit]] {
        var out: [[Unit]] = []
        for chain in chains(units) {
            var group: [Unit] = []
            func close() {
                if let first = group.first, let last = group.last, group.count > 1,
                   group.count >= policy.fanout || Int(last.upperBound - first.base) * 2 >= policy.rangeSamples {
                    out.append(group)
                }
                group = []
            }
            for u in chain {
                if let first = group.first,
                   tier(u) != tier(first) || Int(u.upperBound - first.base) > policy.rangeSamples || group.count == policy.fanout {
                    close()
                }
                group.append(u)
            }
            close()
        }
        return out
    }
}
