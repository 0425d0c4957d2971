import Testing
@testable import SegmentCodec

@Suite("Call segments")
struct CallSegmentTests {
    struct LCG {
        var state: UInt64
        mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) / 1_000_000 < p }
    }

    /// Variants as linkage makes them: a few haplotype-like carrier sets, each variant one of them with a few
    /// carriers changed, plus rare variants, no-calls at random, and now and then call exceptions and QC.
    static func linkedEntries(count: Int, span: Int, seed: UInt64) -> [SegmentEntry] {
        var rng = LCG(state: seed)
        let founders: [[Bool]] = (0..<4).map { f in (0..<span).map { _ in rng.chance(0.05 + 0.1 * Double(f)) } }
        var out: [SegmentEntry] = []
        for i in 0..<count {
            var lists = [[UInt32]](repeating: [], count: CallSegment.kinds)
            let common = rng.next() % 3 != 0
            let founder = founders[Int(rng.next() % 4)]
            for s in 0..<span {
                if rng.chance(0.005) { lists[4].append(UInt32(s)); continue }
                let carrier = common ? founder[s] != rng.chance(0.01) : rng.chance(0.0005)
                if carrier { lists[s % 5 == 0 ? 1 : 0].append(UInt32(s)) }   // zygosity follows the haplotypes too
            }
            if i % 97 == 5, span > 2 { lists[2] = [1]; lists[3] = [2] }
            var entry = SegmentEntry(vid: 1_000 + i * 3 - (i % 5 == 0 ? 7 : 0), lists: lists)
            if i % 41 == 3 { entry.exceptions = [0, 2, 1] }
            if i % 13 == 0 {
                let carriers = lists[0].count + lists[1].count + lists[2].count
                entry.qc = (0..<carriers).flatMap { _ in [UInt8(rng.next() & 0xFF), 0, 30, 127] }
            }
            out.append(entry)
        }
        return out
    }

    @Test("entries round-trip whole, with references between linked variants", arguments: [1, 3, 64, 1_000, 5_003])
    func roundTrip(span: Int) throws {
        let entries = Self.linkedEntries(count: 300, span: span, seed: UInt64(span))
        let bytes = CallSegment.encode(entries, span: span)
        #expect(try CallSegment.decode(bytes, span: span) == entries)
        if span >= 1_000 {
            let parsed = try bytes.withUnsafeBytes { try CallSegment.Parsed($0, span: span) }
            #expect(parsed.references.count > 50, "linked variants should refer to each other")
        }
    }

    @Test("references pay: linked variants take under 0.6 of their bytes coded one by one")
    func linkageShrinks() {
        let span = 2_000
        let entries = Self.linkedEntries(count: 400, span: span, seed: 99)
        let together = CallSegment.encode(entries, span: span).count
        let alone = entries.reduce(0) { $0 + CallSegment.encode([$1], span: span).count }
        #expect(Double(together) < 0.6 * Double(alone), "\(together) bytes together, \(alone) one by one")
    }

    @Test("countMembers equals a naive count over the decoded lists, for any masks", arguments: [64, 1_000, 5_003])
    func countMembers(span: Int) throws {
        var rng = LCG(state: UInt64(span) * 3)
        let entries = Self.linkedEntries(count: 250, span: span, seed: UInt64(span) + 1)
        let bytes = CallSegment.encode(entries, span: span)
        for maskBits in [1, span / 3, span + 100] {
            var ref = [UInt64](repeating: 0, count: (maskBits + 63) / 64), missing = ref
            for r in 0..<maskBits {
                let pick = rng.next() % 3
                if pick == 0 { ref[r >> 6] |= 1 << UInt64(r & 63) } else if pick == 1 { missing[r >> 6] |= 1 << UInt64(r & 63) }
            }
            func has(_ m: [UInt64], _ r: UInt32) -> Bool { Int(r >> 6) < m.count && m[Int(r >> 6)] & (1 << UInt64(r & 63)) != 0 }
            let got = try bytes.withUnsafeBytes { try CallSegment.countMembers($0, span: span, ref: ref, missing: missing) }
            #expect(got.vids == entries.map(\.vid))
            #expect(got.exceptional)
            for (i, e) in entries.enumerated() {
                for k in 0..<CallSegment.kinds {
                    #expect(Int(got.ref[i * CallSegment.kinds + k]) == e.lists[k].filter { has(ref, $0) }.count, "entry \(i) kind \(k)")
                    #expect(Int(got.missing[i * CallSegment.kinds + k]) == e.lists[k].filter { has(missing, $0) }.count, "entry \(i) kind \(k)")
                }
            }
        }
    }

    @Test("a list of a fifth of the batch or more is stored as the batch's bitmap, one of less as Rice-coded gaps")
    func denseIsBitmap() throws {
        var rng = LCG(state: 8)
        let span = 10_000
        for (density, bitmap) in [(0.3, true), (0.1, false)] {
            let list = (0..<span).filter { _ in rng.chance(density) }.map(UInt32.init)
            let bytes = CallSegment.encode([SegmentEntry(vid: 1, lists: [list, [], [], [], []])], span: span)
            let parsed = try bytes.withUnsafeBytes { try CallSegment.Parsed($0, span: span) }
            let length = parsed.streams[0].end - parsed.streams[0].start
            // The bitmap, and a few bytes for the list's length (escaped: the length code starts with no history).
            #expect((length >= span / 8 && length <= span / 8 + 8) == bitmap, "density \(density): \(length) bytes")
            #expect(try CallSegment.decode(bytes, span: span)[0].lists[0] == list)
        }
    }

    @Test("gaps too long for a Rice code escape; batches of one sample; empty segments")
    func extremes() throws {
        let wide = 1 << 22
        let sparse = [SegmentEntry(vid: 5, lists: [[0, UInt32(wide - 1)], [], [], [], [UInt32(wide / 2)]]),
                      SegmentEntry(vid: 1 << 40, lists: [[], [UInt32(wide - 2)], [], [], []])]
        #expect(try CallSegment.decode(CallSegment.encode(sparse, span: wide), span: wide) == sparse)
        let single = (0..<50).map { SegmentEntry(vid: $0, lists: [$0 % 3 == 0 ? [0] : [], $0 % 3 == 1 ? [0] : [], [], [], $0 % 7 == 0 ? [0] : []]) }
        #expect(try CallSegment.decode(CallSegment.encode(single, span: 1), span: 1) == single)
        #expect(try CallSegment.decode(CallSegment.encode([], span: 10), span: 10) == [])
    }

    @Test("damaged bytes are an error or a wrong answer, never a crash")
    func damaged() {
        let span = 700
        let bytes = CallSegment.encode(Self.linkedEntries(count: 120, span: span, seed: 3), span: span)
        var rng = LCG(state: 17)
        var errors = 0
        for trial in 0..<3_000 {
            var b = bytes
            if trial % 2 == 0 {
                b.removeLast(Int(rng.next() % UInt64(b.count)))
            } else {
                for _ in 0...(rng.next() % 4) { b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1 << (rng.next() % 8)) }
            }
            do { _ = try CallSegment.decode(b, span: span) } catch { errors += 1 }
            do {
                _ = try b.withUnsafeBytes { try CallSegment.countMembers($0, span: span, ref: [~0, 0, ~0], missing: [0, ~0]) }
            } catch { errors += 1 }
        }
        #expect(errors > 1_500, "most damage should be detected: \(errors) errors in 6,000 reads")
    }

    @Test("a segment holds fewer variants for very large batches, so a reader's bitmaps stay small")
    func maxEntries() {
        #expect(CallSegment.maxEntries(span: 10_000) == 2_048)
        #expect(CallSegment.maxEntries(span: 1_000_000) == 33)
        #expect(CallSegment.maxEntries(span: 100_000_000) == 16)
    }
}
