/// The per-variant list encoding of stores before migration 0006 (one `calls` row per variant and batch), kept
/// so that migration can read them; ``CallSegment`` replaced it. A sorted set of sample ordinals as bytes: a
/// bitmap over the batch's ordinal range when dense (a fifth of the range or more), else whichever is smallest
/// of delta-varint, Rice-coded gaps or the bitmap.
///
/// Layout: one tag byte (`0` = varint deltas, `1` = bitmap, `2` = Rice: then `k`, a varint count and the
/// bit stream of unary quotients and `k`-bit remainders, LSB first), then the payload. Ordinals are
/// relative to the batch's first ordinal, so a bitmap is `ceil(span / 8)` bytes.
public enum CarrierList {
    /// Encodes sorted, distinct `ordinals` (each in `base ..< base + span`).
    public static func encode(_ ordinals: [UInt32], base: UInt32, span: Int) -> [UInt8] {
        precondition(zip(ordinals, ordinals.dropFirst()).allSatisfy { $0 < $1 }, "ordinals must be sorted and distinct")
        if span > 0, ordinals.count * 5 >= span { return bitmap(ordinals, base: base, span: span) }
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
        var best = varint
        if let rice = rice(ordinals, base: base), rice.count < best.count { best = rice }
        guard 1 + (span + 7) / 8 < best.count else { return best }
        return bitmap(ordinals, base: base, span: span)
    }

    static func bitmap(_ ordinals: [UInt32], base: UInt32, span: Int) -> [UInt8] {
        var bitmap = [UInt8](repeating: 0, count: 1 + (span + 7) / 8)
        bitmap[0] = 1
        for o in ordinals {
            let rel = Int(o - base)
            bitmap[1 + rel >> 3] |= 1 << UInt8(rel & 7)
        }
        return bitmap
    }

    /// Rice coding of the gaps with the best `k` near log2(mean gap); `nil` for an empty list.
    static func rice(_ ordinals: [UInt32], base: UInt32) -> [UInt8]? {
        guard let last = ordinals.last else { return nil }
        var gaps: [UInt32] = []
        gaps.reserveCapacity(ordinals.count)
        var previous: Int64 = -1
        for o in ordinals {
            let rel = Int64(o - base)
            gaps.append(UInt32(rel - previous - 1))
            previous = rel
        }
        let mean = Double(last - base + 1) / Double(ordinals.count)
        let guess = max(0, Int(mean.rounded(.down)).bitWidthLog2 - 1)
        var bestK = 0, bestBits = Int.max
        for k in max(0, guess - 1)...min(30, guess + 2) {
            var bits = 0
            for g in gaps { bits += k + 1 + Int(g >> UInt32(k)) }
            if bits < bestBits { bestBits = bits; bestK = k }
        }
        var out: [UInt8] = [2, UInt8(bestK)]
        var n = UInt64(ordinals.count)
        while n >= 0x80 { out.append(UInt8(n & 0x7F) | 0x80); n >>= 7 }
        out.append(UInt8(n))
        var acc: UInt64 = 0, filled = 0
        func put(_ value: UInt64, _ width: Int) {
            var v = value, w = width
            while w > 0 {
                let take = min(w, 64 - filled)
                let mask: UInt64 = take == 64 ? ~0 : (1 << UInt64(take)) - 1
                acc |= (v & mask) << UInt64(filled)
                filled += take; w -= take
                v = take == 64 ? 0 : v >> UInt64(take)
                while filled >= 8 { out.append(UInt8(acc & 0xFF)); acc >>= 8; filled -= 8 }
            }
        }
        for g in gaps {
            var q = Int(g >> UInt32(bestK))
            while q >= 32 { put(0xFFFF_FFFF, 32); q -= 32 }
            put((1 << UInt64(q)) - 1, q)   // q ones
            put(0, 1)                        // the terminating zero
            if bestK > 0 { put(UInt64(g) & ((1 << UInt64(bestK)) - 1), bestK) }
        }
        if filled > 0 { out.append(UInt8(acc & 0xFF)) }
        return out
    }

    /// Calls `body` with each ordinal ``encode(_:base:span:)`` wrote, in order, without building an array.
    /// Malformed bytes yield what could be read.
    public static func forEach(_ bytes: UnsafeRawBufferPointer, base: UInt32, _ body: (UInt32) -> Void) {
        guard let tag = bytes.first else { return }
        if tag == 2 {
            guard bytes.count >= 3 else { return }
            let k = Int(bytes[1])
            var i = 2
            var count: UInt64 = 0, shift: UInt64 = 0
            while i < bytes.count {
                let b = bytes[i]; i += 1
                count |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { break }
                shift += 7
                if shift > 35 { return }
            }
            forEachRice(bytes, from: i, count: count, k: k, base: base, body)
            return
        }
        if tag == 1 {
            for i in 1..<bytes.count where bytes[i] != 0 {
                let b = bytes[i]
                for bit in 0..<8 where b & (1 << UInt8(bit)) != 0 {
                    body(base + UInt32((i - 1) * 8 + bit))
                }
            }
            return
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
                if shift > 28 { return }
            }
            let rel = first ? value : previous + value + 1
            first = false
            previous = rel
            body(base + rel)
        }
        return
    }

    /// The Rice bit stream from byte `start`: `count` gaps, each a unary quotient (ones, then a zero) and a `k`-bit
    /// remainder, LSB first. While eight bytes remain, one unaligned 64-bit load serves a whole gap (a count of
    /// trailing ones and a shift); the last bytes, and quotients too long for one load, go bit by bit.
    @inline(__always)
    static func forEachRice(_ bytes: UnsafeRawBufferPointer, from start: Int, count: UInt64, k: Int, base: UInt32,
                            _ body: (UInt32) -> Void) {
        guard k < 32 else { return }
        var remaining = count
        var bitPos = start << 3
        var previous: Int64 = -1
        let limit = Int64(UInt32.max - base)
        let remainderMask: UInt64 = (1 << UInt64(k)) - 1
        let fastEnd = bytes.count - 8
        while remaining > 0 {
            let byte = bitPos >> 3
            guard byte <= fastEnd else { break }
            let w = bytes.loadUnaligned(fromByteOffset: byte, as: UInt64.self).littleEndian >> UInt64(bitPos & 7)
            let q = (~w).trailingZeroBitCount
            guard q + 1 + k <= 57 else { break }
            let gap = Int64(q << k) | Int64((w >> UInt64(q + 1)) & remainderMask)
            bitPos += q + 1 + k
            let rel = previous + gap + 1
            guard rel <= limit else { return }
            body(base + UInt32(rel))
            previous = rel
            remaining -= 1
        }
        guard remaining > 0 else { return }
        // The tail: a 64-bit window refilled a byte at a time.
        var next = bitPos >> 3
        guard next < bytes.count else { return }
        var acc = UInt64(bytes[next]) >> UInt64(bitPos & 7), have = 8 - (bitPos & 7)
        next += 1
        func refill() {
            while have <= 56 && next < bytes.count { acc |= UInt64(bytes[next]) << UInt64(have); have += 8; next += 1 }
        }
        for _ in 0..<remaining {
            var q = 0
            while true {
                refill()
                guard have > 0 else { return }
                let ones = (~acc).trailingZeroBitCount
                if ones < have {
                    q += ones
                    acc = ones + 1 >= 64 ? 0 : acc >> UInt64(ones + 1)
                    have -= ones + 1
                    break
                }
                q += have
                acc = 0
                have = 0
            }
            var r = 0
            if k > 0 {
                refill()
                guard have >= k else { return }
                r = Int(acc & remainderMask)
                acc >>= UInt64(k)
                have -= k
            }
            guard q < (1 << 40) else { return }
            let rel = previous + Int64(q << k | r) + 1
            guard rel >= 0, rel <= limit else { return }
            body(base + UInt32(rel))
            previous = rel
        }
    }

    /// Decodes what ``encode(_:base:span:)`` wrote. Malformed bytes decode to what could be read.
    public static func decode(_ bytes: UnsafeRawBufferPointer, base: UInt32) -> [UInt32] {
        var out: [UInt32] = []
        forEach(bytes, base: base) { out.append($0) }
        return out
    }

    public static func decode(_ bytes: [UInt8], base: UInt32) -> [UInt32] {
        bytes.withUnsafeBytes { decode($0, base: base) }
    }
}

extension Int {
    /// ⌊log2(self)⌋ + 1 for positive values (the number of significant bits); 0 for 0.
    var bitWidthLog2: Int { self <= 0 ? 0 : Int.bitWidth - leadingZeroBitCount }
}
