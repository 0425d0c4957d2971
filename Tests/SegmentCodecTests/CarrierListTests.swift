import Testing
@testable import SegmentCodec

@Suite("Carrier-list encodings (the pre-0006 layout migration 0006 reads)")
struct CarrierListTests {
    struct LCG { var state: UInt64; mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 } }

    @Test("every encoding round-trips, for sparse, clustered and dense lists", arguments: [0.0005, 0.005, 0.05, 0.3, 0.9])
    func roundTrip(density: Double) {
        var rng = LCG(state: UInt64(density * 1e6) + 7)
        for span in [1, 7, 100, 10_000] {
            let base: UInt32 = 123_456
            var list: [UInt32] = []
            for i in 0..<span where Double(rng.next() % 1_000_000) / 1_000_000 < density { list.append(base + UInt32(i)) }
            let bytes = CarrierList.encode(list, base: base, span: span)
            #expect(CarrierList.decode(bytes, base: base) == list)
        }
    }

    @Test("a list holding a fifth of the batch or more is a bitmap, though Rice would be a little smaller")
    func denseIsBitmap() {
        var rng = LCG(state: 5)
        var list: [UInt32] = []
        for i in 0..<10_000 where rng.next() % 100 < 21 { list.append(UInt32(i)) }
        let bytes = CarrierList.encode(list, base: 0, span: 10_000)
        #expect(bytes.first == 1)
        #expect(CarrierList.rice(list, base: 0)!.count < bytes.count)
        #expect(CarrierList.decode(bytes, base: 0) == list)
    }

    @Test("the smallest encoding is chosen: Rice for random gaps, bitmap when dense")
    func choice() {
        var rng = LCG(state: 42)
        var sparse: [UInt32] = []
        for i in 0..<10_000 where rng.next() % 200 == 0 { sparse.append(UInt32(i)) }
        let s = CarrierList.encode(sparse, base: 0, span: 10_000)
        #expect(s.first == 2)
        #expect(s.count < sparse.count * 2)
        let dense = (0..<10_000).filter { $0 % 3 != 0 }.map(UInt32.init)
        #expect(CarrierList.encode(dense, base: 0, span: 10_000).first == 1)
        #expect(CarrierList.decode(CarrierList.encode([5], base: 5, span: 10), base: 5) == [5])
        #expect(CarrierList.decode([UInt8](), base: 0).isEmpty)
    }

    @Test("truncated or garbage bytes decode to what could be read, without crashing",
          arguments: [[UInt8]([2]), [2, 3], [2, 40, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F, 1], [0, 0x80], [1, 0xFF], [9, 1, 2]])
    func garbage(_ bytes: [UInt8]) {
        // Every ordinal read lies in the batch's range or just past it: nothing wraps around.
        #expect(CarrierList.decode(bytes, base: 10).allSatisfy { $0 >= 10 })
    }
}
