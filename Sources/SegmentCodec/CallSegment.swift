/// One variant's calls in one batch, as a segment holds them: five sorted lists of ordinals relative to the batch's
/// first ordinal (het, hom-alt, hemizygous, hom-ref, no-call; hom-ref is usually implied and empty), and the
/// encoded call exceptions and per-carrier QC (``ExceptionCodec``, ``QCCodec``; empty when none).
public struct SegmentEntry: Equatable, Sendable {
    public var vid: Int
    public var lists: [[UInt32]]
    public var exceptions: [UInt8]
    public var qc: [UInt8]

    public init(vid: Int, lists: [[UInt32]], exceptions: [UInt8] = [], qc: [UInt8] = []) {
        precondition(lists.count == CallSegment.kinds)
        self.vid = vid; self.lists = lists; self.exceptions = exceptions; self.qc = qc
    }

    public var isEmpty: Bool { lists.allSatisfy(\.isEmpty) }
    /// Someone carries the ALT (het, hom-alt or hemizygous): a variant no entry carries any more is dropped.
    public var hasCarriers: Bool { !lists[0].isEmpty || !lists[1].isEmpty || !lists[2].isEmpty }
}

/// The calls of up to a few thousand consecutive variants of one batch, stored as one blob.
///
/// Why segments: a national store holds few batches of many samples and many batches of few; either way the
/// per-variant lists are short, and a row or index entry per variant and batch cost more than the lists
/// themselves (28.5 MB store, 15.3 MB of lists, on the 10,000-sample benchmark). Segments also let a variant's
/// het/hom-alt lists be written as the difference from an earlier variant's (linkage: neighbouring variants are
/// carried by nearly the same people), which shrinks those lists to 0.44 of their size on that benchmark.
///
/// Layout (varints LEB128):
///   version byte `1`; entry count `n`; `n` vids as zigzag deltas;
///   references: count, then (entry index delta, distance back) pairs; a referenced entry's het and hom-alt
///   lists are stored as the symmetric difference from the entry `distance` earlier (which may itself refer back);
///   five streams (het, hom-alt, hemi, hom-ref, no-call), each: its entry count and byte length, then for each
///   entry the length of its list (Rice code whose parameter follows the running mean, LOCO-I style) and the
///   list: a bitmap over the batch when it holds a fifth of the batch or more, else its gaps (Rice code with the
///   parameter its length and the batch's width imply: near the entropy of random gaps, with no per-list
///   header); an empty stream has no bits;
///   exceptions and QC: count, then (entry index delta, byte length, bytes).
public enum CallSegment {
    public static let kinds = 5
    /// How far back a reference may point.
    public static let maxDistance = 1023
    /// Lists shorter than this are stored as they are (a reference would not pay for itself).
    static let minReferenced = 8
    static let maxTried = 32

    /// Entries per segment: at most 2,048, fewer for very large batches so a reader's bitmaps stay within 4 MiB.
    public static func maxEntries(span: Int) -> Int { max(16, min(2048, (1 << 25) / max(1, span))) }

    // MARK: Encoding

    public static func encode(_ entries: [SegmentEntry], span: Int) -> [UInt8] {
        let n = entries.count
        let words = (span + 63) >> 6
        // References: for each entry with enough het + hom-alt carriers, the closest earlier such entry among those
        // with a carrier count within a factor of two (at most `maxTried` tried), if it differs in fewer carriers.
        var refOf = [Int](repeating: -1, count: n)
        var bitsIndex = [Int](repeating: -1, count: n)
        var bits: [UInt64] = []
        var candidates: [Int] = []   // entries with bitmaps, in order
        for i in 0..<n {
            let c = entries[i].lists[0].count + entries[i].lists[1].count
            guard c >= minReferenced, words > 0 else { continue }
            let at = bits.count
            bits.append(contentsOf: repeatElement(0, count: 2 * words))
            var best = -1, bestDistance = c * 9 / 10
            bits.withUnsafeMutableBufferPointer { b in
                for (kind, list) in entries[i].lists.prefix(2).enumerated() {
                    for o in list where Int(o) < span { b[at + kind * words + Int(o >> 6)] |= 1 << UInt64(o & 63) }
                }
                var tried = 0
                var p = candidates.count - 1
                while p >= 0, tried < maxTried {
                    let j = candidates[p]
                    p -= 1
                    if i - j > maxDistance { break }
                    let cj = entries[j].lists[0].count + entries[j].lists[1].count
                    guard cj * 2 >= c, cj <= c * 2 else { continue }
                    tried += 1
                    let bj = bitsIndex[j]
                    var d = 0
                    if c < words {
                        // Short lists: |A xor B| = |A| + |B| - 2 |A and B|, probing B's bitmap with A's carriers.
                        d = c + cj
                        for (kind, list) in entries[i].lists.prefix(2).enumerated() {
                            for o in list where Int(o) < span {
                                d &-= 2 &* Int((b[bj + kind * words + Int(o >> 6)] &>> UInt64(o & 63)) & 1)
                            }
                        }
                    } else {
                        for w in 0..<(2 * words) { d &+= (b[at + w] ^ b[bj + w]).nonzeroBitCount }
                    }
                    if d < bestDistance { bestDistance = d; best = j }
                }
            }
            bitsIndex[i] = at
            refOf[i] = best
            candidates.append(i)
        }

        var out: [UInt8] = [1]
        putVarint(UInt64(n), &out)
        var previousVid = 0
        for e in entries {
            let d = e.vid - previousVid
            putVarint(UInt64(bitPattern: Int64((d << 1) ^ (d >> 63))), &out)
            previousVid = e.vid
        }
        let referencing = (0..<n).filter { refOf[$0] >= 0 }
        putVarint(UInt64(referencing.count), &out)
        var previousIndex = 0
        for i in referencing {
            putVarint(UInt64(i - previousIndex), &out)
            putVarint(UInt64(i - refOf[i]), &out)
            previousIndex = i
        }
        var difference: [UInt32] = []
        for kind in 0..<kinds {
            var w = BitWriter()
            var total = 0
            var counts = AdaptiveParameter(mean: 0)
            func put(_ row: UnsafeBufferPointer<UInt32>) {
                w.rice(UInt64(row.count), counts.k)
                counts.update(UInt64(row.count))
                total += row.count
                if isDense(count: row.count, span: span) {
                    // A fifth of the batch or more: the row's bitmap, 64 bits at a time.
                    var word: UInt64 = 0, x = 0
                    for o in row {
                        while Int(o) >> 6 > x { w.bits(word, min(64, span - x * 64)); word = 0; x += 1 }
                        word |= 1 << UInt64(o & 63)
                    }
                    while x < words { w.bits(word, min(64, span - x * 64)); word = 0; x += 1 }
                    return
                }
                let k = rowParameter(count: row.count, span: span)
                var previous: Int64 = -1
                for o in row {
                    w.rice(UInt64(Int64(o) - previous - 1), k)
                    previous = Int64(o)
                }
            }
            for i in 0..<n {
                if kind < 2, refOf[i] >= 0 {
                    difference.removeAll(keepingCapacity: true)
                    let a = bitsIndex[i] + kind * words, b = bitsIndex[refOf[i]] + kind * words
                    for x in 0..<words {
                        var d = bits[a + x] ^ bits[b + x]
                        while d != 0 {
                            difference.append(UInt32(x * 64 + d.trailingZeroBitCount))
                            d &= d - 1
                        }
                    }
                    difference.withUnsafeBufferPointer(put)
                } else {
                    entries[i].lists[kind].withUnsafeBufferPointer(put)
                }
            }
            let bytes = total == 0 ? [] : w.finish()
            putVarint(UInt64(total), &out)
            putVarint(UInt64(bytes.count), &out)
            out += bytes
        }
        for side in [entries.map(\.exceptions), entries.map(\.qc)] {
            let present = side.indices.filter { !side[$0].isEmpty }
            putVarint(UInt64(present.count), &out)
            var previous = 0
            for i in present {
                putVarint(UInt64(i - previous), &out)
                putVarint(UInt64(side[i].count), &out)
                out += side[i]
                previous = i
            }
        }
        return out
    }

    // MARK: Decoding

    /// Everything in a segment.
    public static func decode(_ bytes: [UInt8], span: Int) throws(SegmentError) -> [SegmentEntry] {
        // Array.withUnsafeBytes rethrows untyped: carry the typed error out in a Result.
        let result = bytes.withUnsafeBytes { b in Result { () throws(SegmentError) in try decode(b, span: span) } }
        return try result.get()
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, span: Int) throws(SegmentError) -> [SegmentEntry] {
        let r = try Parsed(bytes, span: span)
        let n = r.vids.count
        var lists = [[[UInt32]]](repeating: [[UInt32]](repeating: [], count: kinds), count: n)
        for kind in 0..<kinds {
            try r.forEach(kind: kind) { (i: Int, o: Int) throws(SegmentError) in lists[i][kind].append(UInt32(o)) }
        }
        for (i, ref) in r.references {
            for kind in 0..<2 { lists[i][kind] = symmetricDifference(lists[ref][kind], lists[i][kind]) }
        }
        var out: [SegmentEntry] = []
        out.reserveCapacity(n)
        for i in 0..<n { out.append(SegmentEntry(vid: r.vids[i], lists: lists[i])) }
        for (i, bytes) in r.exceptions { out[i].exceptions = bytes }
        for (i, bytes) in r.qc { out[i].qc = bytes }
        return out
    }

    /// Per entry and kind, how many of its listed ordinals are set in `ref` and in `missing` (bit `r % 64` of word
    /// `r / 64` for relative ordinal `r`): what a cohort count needs, without building any list. Entries with call
    /// exceptions are flagged (`exceptional`): their contributions depend on more than the list, so the caller
    /// decodes those segments whole.
    /// `carriersOnly` counts het, hom-alt and hemizygous lists and leaves hom-ref and no-call at 0.
    public static func countMembers(_ bytes: UnsafeRawBufferPointer, span: Int, ref: [UInt64], missing: [UInt64],
                                    carriersOnly: Bool = false) throws(SegmentError) -> MemberCounts {
        let r = try Parsed(bytes, span: span)
        let n = r.vids.count
        let words = (span + 63) >> 6
        var out = MemberCounts(vids: r.vids, ref: [Int32](repeating: 0, count: n * kinds), missing: [Int32](repeating: 0, count: n * kinds),
                               exceptional: !r.exceptions.isEmpty)
        guard n > 0 else { return out }
        // Masks padded to the batch's width, so an entry is two loads and no bounds check.
        var refMask = [UInt64](repeating: 0, count: words + 1), missingMask = refMask
        for w in 0..<min(words, ref.count) { refMask[w] = ref[w] }
        for w in 0..<min(words, missing.count) { missingMask[w] = missing[w] }
        let hasMissing = missingMask.contains { $0 != 0 }
        var refTarget = [Int](repeating: -1, count: n)
        var referenced = [Bool](repeating: false, count: n)
        for (i, t) in r.references { refTarget[i] = t; referenced[t] = true }
        // Bitmaps of the het / hom-alt lists of entries others refer to, built as the streams go by.
        var slot = [Int](repeating: -1, count: n)
        var slots = 0
        for i in 0..<n where referenced[i] { slot[i] = slots; slots += 1 }
        var bitmaps = [UInt64](repeating: 0, count: slots * words + 1)   // + an empty padding word
        let ok = refMask.withUnsafeBufferPointer { refM in
            missingMask.withUnsafeBufferPointer { missM in
                bitmaps.withUnsafeMutableBufferPointer { maps in
                    slot.withUnsafeBufferPointer { slotP in
                        refTarget.withUnsafeBufferPointer { targetP in
                            out.ref.withUnsafeMutableBufferPointer { outRef in
                                out.missing.withUnsafeMutableBufferPointer { outMissing in
                                    for kind in 0..<(carriersOnly ? 3 : kinds) {
                                        let stream = r.streams[kind]
                                        guard stream.count > 0 else { continue }
                                        let withReferences = kind < 2 && slots > 0
                                        if withReferences { maps.update(repeating: 0) }
                                        let counted = countStream(
                                            UnsafeRawBufferPointer(rebasing: bytes[stream.start..<stream.end]), kind: kind, entries: n,
                                            span: span, words: words, refMask: refM.baseAddress!, missingMask: missM.baseAddress!,
                                            maps: maps.baseAddress!, slots: withReferences ? slots : 0, slot: slotP.baseAddress!,
                                            target: targetP.baseAddress!, outRef: outRef.baseAddress!, outMissing: outMissing.baseAddress!,
                                            hasMissing: hasMissing)
                                        guard counted == stream.count else { return false }
                                    }
                                    return true
                                }
                            }
                        }
                    }
                }
            }
        }
        guard ok else { throw SegmentError("a list stream is damaged (it ends early, leaves its batch, or miscounts)") }
        // A referring entry's counts are its reference's plus its own (signed) difference; references point back,
        // so one pass in entry order completes every chain.
        for i in 0..<n where refTarget[i] >= 0 {
            let t = refTarget[i]
            for kind in 0..<2 {
                out.ref[i * kinds + kind] += out.ref[t * kinds + kind]
                out.missing[i * kinds + kind] += out.missing[t * kinds + kind]
            }
        }
        return out
    }

    /// One stream's member counts into `outRef` / `outMissing` (`[entry * kinds + kind]`), and the bitmaps of the
    /// entries others refer to (`slots` > 0: het and hom-alt). Returns the entries read, or -1 when the stream is
    /// damaged. Plain pointers and locals only, so the bit reader's state stays in registers.
    @inline(never)
    static func countStream(_ bytes: UnsafeRawBufferPointer, kind: Int, entries n: Int, span: Int, words: Int,
                            refMask refM: UnsafePointer<UInt64>, missingMask missM: UnsafePointer<UInt64>,
                            maps: UnsafeMutablePointer<UInt64>, slots: Int, slot: UnsafePointer<Int>, target targets: UnsafePointer<Int>,
                            outRef: UnsafeMutablePointer<Int32>, outMissing: UnsafeMutablePointer<Int32>, hasMissing: Bool) -> Int {
        var reader = BitReader(bytes)
        // The reader's state lives in `fast` (registers) for the whole stream; the reader itself only serves codes
        // that do not fit the buffer.
        var fast = FastGaps(reader)
        var counts = AdaptiveParameter(mean: 0)
        var seen = 0
        let lastWord = UInt(words)
        let padding = slots * words   // an empty word after the bitmaps
        // Row parameters of short lists, without a division each.
        var small = [Int](repeating: 0, count: 64)
        for c in 1..<64 { small[c] = rowParameter(count: c, span: span) }
        for i in 0..<n {
            let c64 = fast.next(&reader, k: counts.k)
            counts.update(c64)
            guard c64 <= UInt64(span) else { return -1 }
            let c = Int(c64)
            seen += c
            // A referenced entry starts from its own reference's bitmap (complete: references point back).
            let own = slots > 0 ? slot[i] : -1
            let target = slots > 0 ? targets[i] : -1
            if own >= 0, target >= 0 {
                (maps + own * words).update(from: maps + slot[target] * words, count: words)
            }
            guard c > 0 else { continue }
            if isDense(count: c, span: span) {
                // A bitmap row: AND with the masks a word at a time (with a reference: its own set bits are
                // removals, the others additions).
                let from = target >= 0 ? slot[target] * words : padding
                let mine = own >= 0 ? own * words : padding
                var nRef = 0, nMissing = 0, found = 0
                for x in 0..<words {
                    let word = fast.bits(&reader, width: min(64, span - x * 64))
                    found &+= word.nonzeroBitCount
                    let r = maps[min(from + x, padding)]
                    nRef &+= (word & ~r & refM[x]).nonzeroBitCount &- (word & r & refM[x]).nonzeroBitCount
                    if hasMissing { nMissing &+= (word & ~r & missM[x]).nonzeroBitCount &- (word & r & missM[x]).nonzeroBitCount }
                    if own >= 0 { maps[mine + x] ^= word }
                }
                maps[padding] = 0
                guard !reader.failed, found == c else { return -1 }
                outRef[i * kinds + kind] += Int32(truncatingIfNeeded: nRef)
                outMissing[i * kinds + kind] += Int32(truncatingIfNeeded: nMissing)
                continue
            }
            let k = c < 64 ? small[c] : rowParameter(count: c, span: span)
            // No check per entry: ordinals are clamped to the masks' padding word, and a stream that ran short or
            // an ordinal past the batch is caught at the list's end.
            var o = UInt.max
            var nRef: Int32 = 0, nMissing: Int32 = 0
            if own < 0 && target < 0 {
                // The hot loop of a cohort query: a gap is a count of trailing ones and two shifts; membership is
                // branch-free (the predictor cannot learn it).
                if hasMissing {
                    for _ in 0..<c {
                        o = o &+ UInt(truncatingIfNeeded: fast.next(&reader, k: k)) &+ 1
                        let w = Int(min(o &>> 6, lastWord)), shift = o & 63
                        nRef &+= Int32(truncatingIfNeeded: (refM[w] &>> shift) & 1)
                        nMissing &+= Int32(truncatingIfNeeded: (missM[w] &>> shift) & 1)
                    }
                } else {
                    // The usual store: every sample counts hom-ref when absent, so no second mask.
                    for _ in 0..<c {
                        o = o &+ UInt(truncatingIfNeeded: fast.next(&reader, k: k)) &+ 1
                        nRef &+= Int32(truncatingIfNeeded: (refM[Int(min(o &>> 6, lastWord))] &>> (o & 63)) & 1)
                    }
                }
            } else {
                let from = target >= 0 ? slot[target] * words : padding
                let mine = own >= 0 ? own * words : padding
                for _ in 0..<c {
                    o = o &+ UInt(truncatingIfNeeded: fast.next(&reader, k: k)) &+ 1
                    let w = Int(min(o &>> 6, lastWord)), shift = o & 63
                    // In the reference's list: the difference removes it.
                    let inReference = Int32(truncatingIfNeeded: (maps[min(from + w, padding)] &>> shift) & 1)
                    let sign = 1 - 2 * inReference
                    nRef &+= sign * Int32(truncatingIfNeeded: (refM[w] &>> shift) & 1)
                    nMissing &+= sign * Int32(truncatingIfNeeded: (missM[w] &>> shift) & 1)
                    if own >= 0 { maps[min(mine + w, padding)] ^= 1 << UInt64(shift) }
                }
                maps[padding] = 0
            }
            guard !reader.failed, o < UInt(span) else { return -1 }
            outRef[i * kinds + kind] += nRef
            outMissing[i * kinds + kind] += nMissing
        }
        return reader.failed ? -1 : seen
    }

    public struct MemberCounts: Sendable {
        public var vids: [Int]
        /// `[entry * kinds + kind]`.
        public var ref: [Int32]
        public var missing: [Int32]
        public var exceptional: Bool
    }

    static func symmetricDifference(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count, j < b.count {
            if a[i] < b[j] { out.append(a[i]); i += 1 } else if b[j] < a[i] { out.append(b[j]); j += 1 } else { i += 1; j += 1 }
        }
        out += a[i...]
        out += b[j...]
        return out
    }

    /// A segment's header and the positions of its streams.
    struct Parsed {
        let bytes: UnsafeRawBufferPointer
        let span: Int
        var vids: [Int]
        var references: [(Int, Int)] = []
        var streams: [(count: Int, start: Int, end: Int)] = []
        var exceptions: [(Int, [UInt8])] = []
        var qc: [(Int, [UInt8])] = []

        init(_ bytes: UnsafeRawBufferPointer, span: Int) throws(SegmentError) {
            self.bytes = bytes
            self.span = span
            var c = Cursor(bytes)
            guard try c.byte() == 1 else { throw SegmentError("unknown segment version") }
            vids = try c.vids()
            let n = vids.count
            let refs = try c.count(limit: n)
            var i = 0
            for _ in 0..<refs {
                i += try c.count(limit: n)
                let d = try c.count(limit: n)
                guard i < n, d >= 1, d <= i else { throw SegmentError("a reference points outside the segment") }
                references.append((i, i - d))
            }
            for _ in 0..<kinds {
                let count = try c.count(limit: Int(Int32.max))
                let length = try c.length()
                streams.append((count, c.at, c.at + length))
                c.at += length
            }
            for side in 0..<2 {
                let present = try c.count(limit: n)
                var i = 0
                for _ in 0..<present {
                    i += try c.count(limit: n)
                    let length = try c.length()
                    guard i < n else { throw SegmentError("a side record lies past the segment's last variant") }
                    let value = Array(bytes[c.at..<(c.at + length)])
                    c.at += length
                    if side == 0 { exceptions.append((i, value)) } else { qc.append((i, value)) }
                }
            }
        }

        /// Calls `body(entry, ordinal)` for each listed ordinal of one stream, in order.
        func forEach(kind: Int, _ body: (Int, Int) throws(SegmentError) -> Void) throws(SegmentError) {
            let s = streams[kind]
            guard s.count > 0 else { return }
            var reader = BitReader(UnsafeRawBufferPointer(rebasing: bytes[s.start..<s.end]))
            var counts = AdaptiveParameter(mean: 0)
            var seen = 0
            for i in 0..<vids.count {
                guard let c64 = reader.rice(counts.k) else { throw SegmentError("a list stream ends early") }
                counts.update(c64)
                guard c64 <= UInt64(span), seen + Int(c64) <= s.count else { throw SegmentError("a list is longer than its batch") }
                let c = Int(c64)
                seen += c
                if isDense(count: c, span: span) {
                    var found = 0
                    for x in 0..<((span + 63) >> 6) {
                        guard var word = reader.bits(min(64, span - x * 64)) else { throw SegmentError("a list stream ends early") }
                        while word != 0 {
                            try body(i, x * 64 + word.trailingZeroBitCount)
                            found += 1
                            word &= word - 1
                        }
                    }
                    guard found == c else { throw SegmentError("a bitmap holds \(found) samples where its list says \(c)") }
                    continue
                }
                let k = rowParameter(count: c, span: span)
                var o = -1
                for _ in 0..<c {
                    guard let g = reader.rice(k), g < UInt64(span) else { throw SegmentError("a list stream ends early or leaves its batch") }
                    o += Int(g) + 1
                    guard o < span else { throw SegmentError("an ordinal lies outside its batch") }
                    try body(i, o)
                }
            }
            guard seen == s.count else { throw SegmentError("a stream's lists do not add up to its count") }
        }
    }

    struct Cursor {
        let bytes: UnsafeRawBufferPointer
        var at = 0
        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func byte() throws(SegmentError) -> UInt8 {
            guard at < bytes.count else { throw SegmentError("the segment ends early") }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func varint() throws(SegmentError) -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                let b = try byte()
                v |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return v }
                shift += 7
                guard shift < 64 else { throw SegmentError("a varint is too long") }
            }
        }

        mutating func count(limit: Int) throws(SegmentError) -> Int {
            let v = try varint()
            guard v <= UInt64(max(0, limit)) else { throw SegmentError("a count or length is out of range") }
            return Int(v)
        }

        /// A byte length, checked against what is left after it.
        mutating func length() throws(SegmentError) -> Int {
            let v = try varint()
            guard v <= UInt64(bytes.count - at) else { throw SegmentError("a length runs past the segment's end") }
            return Int(v)
        }

        mutating func vids() throws(SegmentError) -> [Int] {
            let n = try count(limit: bytes.count)
            var out: [Int] = []
            out.reserveCapacity(n)
            var previous = 0
            for _ in 0..<n {
                let z = try varint()
                let d = Int(bitPattern: UInt(z >> 1)) ^ -Int(z & 1)
                previous &+= d
                out.append(previous)
            }
            return out
        }
    }
}

public struct SegmentError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ d: String) { description = "corrupt calls segment: " + d }
}

/// LSB-first bit output with Rice codes: a quotient of 32 or more escapes to the value's bit width (7 bits) and
/// its bits, so no input can make a code long.
struct BitWriter {
    private(set) var out: [UInt8] = []
    private var acc: UInt64 = 0
    private var filled = 0

    /// Appends the low `width` bits of `value` (`width` ≤ 64).
    @inline(__always) mutating func bits(_ value: UInt64, _ width: Int) {
        guard width > 0 else { return }
        let v = width == 64 ? value : value & ((1 << UInt64(width)) - 1)
        acc |= v << UInt64(filled)
        if filled + width >= 64 {
            withUnsafeBytes(of: acc.littleEndian) { out.append(contentsOf: $0) }
            let spilled = filled + width - 64
            acc = spilled == 0 ? 0 : v >> UInt64(width - spilled)
            filled = spilled
        } else {
            filled += width
        }
    }

    @inline(__always) mutating func rice(_ g: UInt64, _ k: Int) {
        let q = g >> UInt64(k)
        if q < 32 {
            let width = Int(q) + 1 + k
            if width <= 64 {
                // q ones, a zero, then the k-bit remainder: one append.
                let remainder = k == 0 ? 0 : (g & ((1 << UInt64(k)) - 1)) << (q + 1)
                bits(((1 << q) - 1) | remainder, width)
            } else {
                bits((1 << q) - 1, Int(q))
                bits(0, 1)
                bits(g, k)
            }
        } else {
            bits(0xFFFF_FFFF, 32)
            let width = 64 - g.leadingZeroBitCount
            bits(UInt64(width), 7)
            bits(g, width)
        }
    }

    mutating func finish() -> [UInt8] {
        var rest = filled
        var a = acc
        while rest > 0 { out.append(UInt8(a & 0xFF)); a >>= 8; rest -= 8 }
        acc = 0; filled = 0
        return out
    }
}

/// A list of a fifth of the batch or more is stored as the batch's bitmap (no denser than Rice there, and a cohort
/// count ANDs it a word at a time).
@inline(__always) func isDense(count c: Int, span: Int) -> Bool { c > 0 && c * 5 >= span }

/// The Rice parameter of a row's gaps, from its entry count: near log2 of 0.69 × the mean gap, the best Rice
/// parameter for geometric gaps.
@inline(__always) func rowParameter(count c: Int, span: Int) -> Int {
    guard c > 0, span > c else { return 0 }
    let m = ((span - c) &* 11) / (16 &* (c + 1))
    return m > 0 ? min(40, 63 - m.leadingZeroBitCount) : 0
}

/// A Rice parameter that follows the running mean of the values coded so far (halved every 32), as in LOCO-I:
/// for the per-row entry counts, which run in stretches.
struct AdaptiveParameter {
    private var sum: UInt64, n: UInt64 = 1
    private(set) var k = 0

    init(mean: Int) {
        sum = UInt64(max(0, mean))
        k = 0
        settle()
    }

    @inline(__always) mutating func update(_ g: UInt64) {
        sum &+= min(g, 1 << 40)
        n += 1
        if n == 32 { sum >>= 1; n >>= 1 }
        settle()
    }

    @inline(__always) private mutating func settle() {
        let target = (sum * 11) >> 4
        while k < 40, (n << UInt64(k + 1)) <= target { k += 1 }
        while k > 0, (n << UInt64(k)) > target { k -= 1 }
    }
}

struct BitReader {
    fileprivate let base: UnsafeRawPointer?
    fileprivate let end: Int
    fileprivate var next8 = 0
    fileprivate var buffer: UInt64 = 0
    fileprivate var have = 0
    /// Set when a code ran past the end (``riceOrZero(_:)`` then returns 0).
    private(set) var failed = false
    mutating func markFailed() { failed = true }

    init(_ bytes: UnsafeRawBufferPointer) {
        base = bytes.baseAddress
        end = bytes.count
    }

    @inline(__always) private mutating func refill() {
        guard let base, have <= 56 else { return }
        if next8 + 8 <= end {
            // Bits above `have` are the next bytes' own bits, so OR-ing them in again is harmless.
            buffer |= UInt64(littleEndian: base.loadUnaligned(fromByteOffset: next8, as: UInt64.self)) << UInt64(have)
            let taken = (63 - have) >> 3
            next8 += taken
            have += taken << 3
        } else {
            while have <= 56, next8 < end {
                buffer |= UInt64(base.load(fromByteOffset: next8, as: UInt8.self)) << UInt64(have)
                next8 += 1
                have += 8
            }
        }
    }

    @inline(__always) private mutating func take(_ width: Int) -> UInt64? {
        if width == 0 { return 0 }
        if have < width { refill() }
        guard have >= width else { return nil }
        let v = width == 64 ? buffer : buffer & ((1 << UInt64(width)) - 1)
        buffer = width == 64 ? 0 : buffer >> UInt64(width)
        have -= width
        return v
    }

    @inline(__always) mutating func rice(_ k: Int) -> UInt64? {
        if have < 40 { refill() }
        let ones = (~buffer).trailingZeroBitCount
        let used = ones + 1 + k
        if ones < 32, used <= have {
            // The common case: the quotient and remainder are in the buffer.
            let r = k == 0 ? 0 : (buffer >> UInt64(ones + 1)) & ((1 << UInt64(k)) - 1)
            buffer = used >= 64 ? 0 : buffer >> UInt64(used)
            have -= used
            return UInt64(ones) << UInt64(k) | r
        }
        return slowRice(k)
    }

    /// The next `width` bits (1...64), or nil at the end.
    mutating func bits(_ width: Int) -> UInt64? {
        guard width > 32 else { return take(width) }
        guard let low = take(32), let high = take(width - 32) else { return nil }
        return low | high << 32
    }

    @inline(__always) mutating func riceOrZero(_ k: Int) -> UInt64 {
        if let v = rice(k) { return v }
        failed = true
        return 0
    }

    /// A code that runs past the buffer, or the escape.
    @inline(never) private mutating func slowRice(_ k: Int) -> UInt64? {
        var q = 0
        while q < 32 {
            guard let b = take(1) else { return nil }
            if b == 0 { break }
            q += 1
        }
        if q < 32 {
            guard let r = take(k) else { return nil }
            return UInt64(q) << UInt64(k) | r
        }
        guard let w = take(7), w <= 64, let v = take(Int(w)) else { return nil }
        return v
    }
}

/// The hot loop's view of a ``BitReader``: its state in locals (registers), refilled 32 bits at a time, so a
/// gap is a count of trailing ones and two shifts. Codes that do not fit the buffer, and the escape, go through
/// the reader (state handed over and back).
struct FastGaps {
    private var buffer: UInt64, have: Int, next: Int
    private let end: Int, base: UnsafeRawPointer?

    @inline(__always) init(_ r: BitReader) {
        buffer = r.buffer; have = r.have; next = r.next8; end = r.end; base = r.base
    }

    @inline(__always) mutating func next(_ r: inout BitReader, k: Int) -> UInt64 {
        if have < 32, next &+ 4 <= end, let base {
            buffer |= UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: next, as: UInt32.self))) &<< UInt64(have)
            next &+= 4
            have &+= 32
        }
        let q = (~buffer).trailingZeroBitCount
        let length = q &+ 1 &+ k
        if q < 32, length <= have {
            let g = UInt64(q) &<< UInt64(k) | (buffer &>> UInt64(q &+ 1)) & ((1 &<< UInt64(k)) &- 1)
            buffer = buffer &>> UInt64(length)
            have &-= length
            return g
        }
        return slow(&r, k: k)
    }

    /// The next `width` bits (a bitmap row's word), through the reader; 0 and `failed` at the end.
    @inline(never) mutating func bits(_ r: inout BitReader, width: Int) -> UInt64 {
        r.buffer = buffer; r.have = have; r.next8 = next
        let v = r.bits(width)
        buffer = r.buffer; have = r.have; next = r.next8
        if v == nil { r.markFailed() }
        return v ?? 0
    }

    @inline(never) private mutating func slow(_ r: inout BitReader, k: Int) -> UInt64 {
        r.buffer = buffer; r.have = have; r.next8 = next
        let g = r.riceOrZero(k)
        buffer = r.buffer; have = r.have; next = r.next8
        return g
    }
}
