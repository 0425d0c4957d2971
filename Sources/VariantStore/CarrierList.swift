/// A sorted set of sample ordinals stored as bytes: delta-varint when sparse, a bitmap over the batch's
/// ordinal range when that is smaller (dense). Hom-ref is never stored; it is what is not listed.
///
/// Layout: one tag byte (`0` = varint deltas, `1` = bitmap), then the payload. Ordinals are relative
/// to the batch's first ordinal, so a bitmap is `ceil(span / 8)` bytes.
public enum CarrierList {
    /// Encodes sorted, distinct `ordinals` (each in `base ..< base + span`).
    public static func encode(_ ordinals: [UInt32], base: UInt32, span: Int) -> [UInt8] {
        precondition(zip(ordinals, ordinals.dropFirst()).allSatisfy { $0 < $1 }, "ordinals must be sorted and distinct")
        var varint: [UInt8] = [0]
        varint.reserveCapacity(ordinals.count * 2 + 1)
        var previous: UInt32 = 0
        var first = true
        for o in ordinals {
            let rel = o - base
            var d = first ? rel : rel - previous - 1
            first = false
            previous = rel
            while d >= 0x80 { varint.append(UInt8(d & 0x7F) | 0x80); d >>= 7 }
            varint.append(UInt8(d))
        }
        let bitmapSize = 1 + (span + 7) / 8
        guard bitmapSize < varint.count else { return varint }
        var bitmap = [UInt8](repeating: 0, count: bitmapSize)
        bitmap[0] = 1
        for o in ordinals {
            let rel = Int(o - base)
            bitmap[1 + rel >> 3] |= 1 << UInt8(rel & 7)
        }
        return bitmap
    }

    /// Decodes what ``encode(_:base:span:)`` wrote. Malformed bytes decode to what could be read.
    public static func decode(_ bytes: UnsafeRawBufferPointer, base: UInt32) -> [UInt32] {
        guard let tag = bytes.first else { return [] }
        var out: [UInt32] = []
        if tag == 1 {
            for i in 1..<bytes.count where bytes[i] != 0 {
                let b = bytes[i]
                for bit in 0..<8 where b & (1 << UInt8(bit)) != 0 {
                    out.append(base + UInt32((i - 1) * 8 + bit))
                }
            }
            return out
        }
        var i = 1
        var previous: UInt32 = 0
        var first = true
        while i < bytes.count {
            var value: UInt32 = 0
            var shift: UInt32 = 0
            while i < bytes.count {
                let b = bytes[i]; i += 1
                value |= UInt32(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
                if shift > 28 { return out }
            }
            let rel = first ? value : previous + value + 1
            first = false
            previous = rel
            out.append(base + rel)
        }
        return out
    }

    public static func decode(_ bytes: [UInt8], base: UInt32) -> [UInt32] {
        bytes.withUnsafeBytes { decode($0, base: base) }
    }
}
