import Testing
@testable import SegmentCodec

/// Per-carrier QC: the 4-byte layout every store before migration 0009 holds, and the 8-byte layout with REF/ALT
/// read depths, told apart by length alone.
@Suite("Carrier QC layouts")
struct QCCodecTests {
    /// The bytes the encoder wrote before 0009 (DP u16 LE, GQ, VAF): (DP 2, GQ 99, VAF 127), (DP 300, GQ -, VAF 254).
    /// A first byte of 2 is the new layout's marker, so this old blob is the one a length-blind reader would misread.
    static let oldLayout: [UInt8] = [0x02, 0x00, 99, 127, 0x2C, 0x01, 0xFF, 254]

    @Test("a blob written before 0009 decodes as it always did, with no allele depths, even when its first byte is 2")
    func oldLayoutReads() {
        let qc = QCCodec.decode(Self.oldLayout)
        #expect(qc == [CarrierQC(depth: 2, genotypeQuality: 99, vaf: 127), CarrierQC(depth: 300, genotypeQuality: nil, vaf: 254)])
        #expect(qc.allSatisfy { $0.refDepth == nil && $0.altDepth == nil })
    }

    @Test("carriers without allele depths still take 4 bytes each: the old layout, byte for byte")
    func withoutAlleleDepthsKeepsOldLayout() {
        let qc = QCCodec.decode(Self.oldLayout)
        #expect(QCCodec.encode(qc) == Self.oldLayout)
    }

    @Test("REF and ALT depths round-trip in 1 + 8 bytes a carrier, missing values stay missing, large depths are capped")
    func alleleDepthsRoundTrip() {
        let items = [QCCodec.quantise(depth: 54, gq: nil, vaf: 0.087, refDepth: 49, altDepth: 5),
                     QCCodec.quantise(depth: nil, gq: 40, vaf: nil, refDepth: nil, altDepth: 17),
                     QCCodec.quantise(depth: 100_000, gq: 300, vaf: 1.5, refDepth: 70_000, altDepth: 0)]
        let bytes = QCCodec.encode(items)
        #expect(bytes.count == 1 + 8 * items.count)
        #expect(bytes.count % 4 != 0)
        let back = QCCodec.decode(bytes)
        #expect(back == items)
        #expect(back.map(\.altDepth) == [5, 17, 0])
        #expect(back.map(\.refDepth) == [49, nil, 65_534])
        #expect(back[2].depth == 65_534 && back[2].genotypeQuality == 254 && back[2].vaf == 254)
        #expect(back[0].vaf == 22)  // 0.087 × 254 = 22.1
    }

    @Test("an entry with no QC at all stores nothing")
    func nothingStored() {
        #expect(QCCodec.encode([CarrierQC(depth: nil, genotypeQuality: nil, vaf: nil)]).isEmpty)
        #expect(QCCodec.decode([]).isEmpty)
    }
}
