/// Varint encoding of ``CallException``s: (ordinal delta, zigzag AN delta, alt count) triples.
public enum ExceptionCodec {
    public static func encode(_ items: [CallException], base: UInt32) -> [UInt8] {
        guard !items.isEmpty else { return [] }
        var out: [UInt8] = []
        for e in items {
            putVarint(UInt64(e.ordinal - base), &out)
            putVarint(UInt64(bitPattern: Int64((e.anDelta << 1) ^ (e.anDelta >> 31))), &out)
            putVarint(UInt64(e.altAlleles), &out)
        }
        return out
    }

    public static func decode(_ bytes: [UInt8], base: UInt32) -> [CallException] {
        var i = 0
        var out: [CallException] = []
        while i < bytes.count {
            guard let o = getVarint(bytes, &i), let z = getVarint(bytes, &i), let a = getVarint(bytes, &i) else { break }
            let zz = Int32(truncatingIfNeeded: z)
            out.append(CallException(ordinal: base + UInt32(truncatingIfNeeded: o), anDelta: (zz >> 1) ^ -(zz & 1),
                                     altAlleles: Int32(truncatingIfNeeded: a)))
        }
        return out
    }
}

/// Quantised per-carrier QC, in one of two layouts told apart by length:
/// - 4 bytes a carrier (DP u16 LE, GQ u8, VAF u8): every store before migration 0009, and any entry whose
///   carriers have no allele depths (germline carriers: the loader keeps reads for tumours and normals only);
/// - a byte `2`, then 8 bytes a carrier (those 4, REF depth u16 LE, ALT depth u16 LE): `1 + 8n` bytes, never a
///   multiple of 4, so a reader cannot take one layout for the other.
/// 0xFF.. is missing.
public enum QCCodec {
    static let withAlleleDepths: UInt8 = 2

    public static func encode(_ items: [CarrierQC]) -> [UInt8] {
        guard items.contains(where: { $0.depth != nil || $0.genotypeQuality != nil || $0.vaf != nil || $0.refDepth != nil || $0.altDepth != nil })
        else { return [] }
        let alleles = items.contains { $0.refDepth != nil || $0.altDepth != nil }
        var out: [UInt8] = []
        out.reserveCapacity(items.count * (alleles ? 8 : 4) + 1)
        func u16(_ v: UInt16?) { let d = v ?? 0xFFFF; out.append(UInt8(d & 0xFF)); out.append(UInt8(d >> 8)) }
        if alleles { out.append(withAlleleDepths) }
        for q in items {
            u16(q.depth)
            out.append(q.genotypeQuality ?? 0xFF)
            out.append(q.vaf ?? 0xFF)
            if alleles { u16(q.refDepth); u16(q.altDepth) }
        }
        return out
    }

    public static func decode(_ bytes: [UInt8]) -> [CarrierQC] {
        func u16(_ i: Int) -> UInt16? {
            let d = UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
            return d == 0xFFFF ? nil : d
        }
        let alleles = bytes.count % 4 == 1 && bytes.first == withAlleleDepths
        let width = alleles ? 8 : 4, first = alleles ? 1 : 0
        return stride(from: first, to: bytes.count - (width - 1), by: width).map { i in
            CarrierQC(depth: u16(i), genotypeQuality: bytes[i + 2] == 0xFF ? nil : bytes[i + 2], vaf: bytes[i + 3] == 0xFF ? nil : bytes[i + 3],
                      refDepth: alleles ? u16(i + 4) : nil, altDepth: alleles ? u16(i + 6) : nil)
        }
    }

    public static func quantise(depth: Int32?, gq: Int32?, vaf: Float?, refDepth: Int32? = nil, altDepth: Int32? = nil) -> CarrierQC {
        func reads(_ v: Int32?) -> UInt16? { v.map { UInt16(clamping: min(max($0, 0), 65_534)) } }
        return CarrierQC(depth: reads(depth), genotypeQuality: gq.map { UInt8(clamping: min(max($0, 0), 254)) },
                         vaf: vaf.flatMap { $0.isFinite ? UInt8(clamping: Int((min(max($0, 0), 1) * 254).rounded())) : nil },
                         refDepth: reads(refDepth), altDepth: reads(altDepth))
    }
}

/// Tumour VAFs of a site in ten bins (0–0.1, …, 0.9–1.0), as 10 little-endian UInt32. An empty histogram
/// (every germline site) holds no array: region queries build one per row.
public struct VAFHistogram: Sendable, Equatable {
    private var counts: [UInt32] = []

    public var bins: [UInt32] { counts.isEmpty ? [UInt32](repeating: 0, count: 10) : counts }
    public var isEmpty: Bool { counts.allSatisfy { $0 == 0 } }

    public init(_ bytes: [UInt8]) {
        guard bytes.count == 40 else { return }
        counts = (0..<10).map { i in
            bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian }
        }
    }

    public static func == (a: VAFHistogram, b: VAFHistogram) -> Bool { a.bins == b.bins }

    public mutating func add(_ other: VAFHistogram) {
        guard !other.isEmpty else { return }
        counts = zip(bins, other.bins).map { $0 + $1 }
    }

    public mutating func add(_ vaf: Float) {
        guard vaf.isFinite else { return }
        if counts.isEmpty { counts = [UInt32](repeating: 0, count: 10) }
        counts[min(9, max(0, Int(vaf * 10)))] += 1
    }

    public var bytes: [UInt8] { bins.flatMap { [UInt8($0 & 0xFF), UInt8(($0 >> 8) & 0xFF), UInt8(($0 >> 16) & 0xFF), UInt8($0 >> 24)] } }

    /// The median VAF, to the bin's middle; `nil` when empty.
    public var median: Double? {
        guard !counts.isEmpty else { return nil }
        let total = bins.reduce(0, +)
        guard total > 0 else { return nil }
        var seen: UInt32 = 0
        for (i, n) in bins.enumerated() {
            seen += n
            if seen * 2 >= total { return Double(i) / 10 + 0.05 }
        }
        return nil
    }
}

@inline(__always) func putVarint(_ v: UInt64, _ out: inout [UInt8]) {
    var v = v
    while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
    out.append(UInt8(v))
}

@inline(__always) func getVarint(_ b: [UInt8], _ i: inout Int) -> UInt64? {
    var v: UInt64 = 0
    var shift: UInt64 = 0
    while i < b.count {
        let x = b[i]; i += 1
        v |= UInt64(x & 0x7F) << shift
        if x & 0x80 == 0 { return v }
        shift += 7
        if shift > 63 { return nil }
    }
    return nil
}
