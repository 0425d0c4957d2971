import Testing
@testable import VariantStoreSQL
import VariantStoreSQLite

/// How a region query finds its rows: the variant IDs' runs (one range scan each) and each ID's output slot.
@Suite("Region rows by vid range")
struct VidSlotsTests {
    @Test("runs cover every vid once, gaps over 64 start a new run, and each vid finds its slot (dense and sparse)",
          arguments: [[10, 11, 12, 80, 81, 13], [5, 1_000_000, 3, 999_999, 70], Array(stride(from: 100, to: 10_100, by: 3))])
    func runsAndSlots(_ vids: [Int]) {
        let slots = VidSlots(vids)
        #expect(slots.count == vids.count)
        for (slot, vid) in vids.enumerated() { #expect(slots[vid] == slot) }
        #expect(slots[vids.max()! + 1] == nil && slots[vids.min()! - 1] == nil)
        // Every vid lies in exactly one run; runs are ordered and separated by gaps of more than 64.
        for vid in vids { #expect(slots.runs.filter { $0.contains(vid) }.count == 1) }
        for (a, b) in zip(slots.runs, slots.runs.dropFirst()) { #expect(b.lowerBound - a.upperBound > 64) }
        // The two halves split the runs without losing or repeating a vid, about evenly.
        let (first, second) = slots.halves()
        let inFirst = vids.filter { v in first.contains { $0.contains(v) } }, inSecond = vids.filter { v in second.contains { $0.contains(v) } }
        #expect(inFirst.count + inSecond.count == vids.count)
        #expect(Set(inFirst).isDisjoint(with: inSecond))
        #expect(abs(inFirst.count - inSecond.count) <= 1)
    }
}
