public import VariantCore

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Reads an indexed file (`.tbi` or `.csi`) as non-overlapping region chunks on several workers.
///
/// Each record belongs to the chunk containing its POS, and results come back in chunk order, so the
/// concatenated output equals a single-threaded read of the file.
public enum ParallelReader {
    /// Splits the indexed file into about `count` regions of similar compressed size.
    public static func planChunks(path: String, count: Int) throws(VCFError) -> [Region] {
        let reader = try VariantReader(path: path, options: ReadOptions(genotypes: false, sampleValues: false, annotations: false))
        let contigs = try reader.indexedContigs()
        guard !contigs.isEmpty else { return [] }
        let lengths = Dictionary(reader.header.contigs.map { ($0.name, $0.length) }, uniquingKeysWith: { a, _ in a })
        var st = stat()
        let fileSize = stat(path, &st) == 0 ? UInt64(st.st_size) : UInt64.max
        // Compressed offset where each contig starts; the next contig's start (or EOF) is where it ends.
        var starts: [UInt64] = []
        for c in contigs { starts.append(try reader.compressedOffset(of: Region(contig: c)) ?? 0) }
        var sizes: [UInt64] = []
        for i in contigs.indices {
            let end = i + 1 < contigs.count ? starts[i + 1] : fileSize
            sizes.append(end > starts[i] ? end - starts[i] : 1)
        }
        let total = max(sizes.reduce(0, +), 1)
        var regions: [Region] = []
        for (i, contig) in contigs.enumerated() {
            let share = Int((Double(sizes[i]) / Double(total) * Double(count)).rounded())
            let pieces = max(1, share)
            if pieces == 1 { regions.append(Region(contig: contig)); continue }
            // htslib's index addresses positions up to 2^29 (tabix) or more (CSI); use the declared length.
            let length = (lengths[contig] ?? nil) ?? (1 << 29)
            var boundaries: [Int] = [1]
            for j in 1..<pieces {
                let target = starts[i] + sizes[i] * UInt64(j) / UInt64(pieces)
                // Smallest position whose reading offset reaches the target.
                var lo = boundaries.last! + 1, hi = length
                while lo < hi {
                    let mid = lo + (hi - lo) / 2
                    // A bounded window keeps the query cheap (an open-ended one walks every bin to the contig's end).
                    var off = try reader.compressedOffset(of: Region(contig: contig, start: mid, end: mid + 1_000_000))
                    if off == nil { off = try reader.compressedOffset(of: Region(contig: contig, start: mid, end: nil)) }
                    if (off ?? UInt64.max) >= target { hi = mid } else { lo = mid + 1 }
                }
                if lo > boundaries.last!, lo < length { boundaries.append(lo) }
            }
            for (k, b) in boundaries.enumerated() {
                let end = k + 1 < boundaries.count ? boundaries[k + 1] - 1 : nil
                regions.append(Region(contig: contig, start: b, end: end))
            }
        }
        return regions
    }

    /// Runs `body` on every chunk with at most `workers` readers at once; results in chunk order.
    ///
    /// `body` gets a reader positioned on its chunk (it sees only records whose POS lies in the chunk) and
    /// the chunk itself. Throws ``VCFError`` with code `missing-index` when the file has no index.
    public static func map<T: Sendable>(
        path: String, options: ReadOptions = ReadOptions(), workers: Int, chunksPerWorker: Int = 6,
        _ body: @escaping @Sendable (VariantReader, Region) throws -> T
    ) async throws -> [T] {
        var results: [T] = []
        try await forEachChunk(path: path, options: options, workers: workers, chunks: max(1, workers) * chunksPerWorker,
                               produce: body, consume: { results.append($0) })
        return results
    }
}

extension ParallelReader {
    /// Like ``map(path:options:workers:chunksPerWorker:_:)`` but hands each chunk's result to `consume` in
    /// chunk order as soon as it is ready, keeping at most `workers + 1` results in memory, and sizing
    /// chunks so that none exceeds about `maxChunkBytes` of compressed input. Memory stays flat whatever
    /// the file size.
    /// `chunks` overrides the number of chunks planned.
    public static func forEachChunk<T: Sendable>(
        path: String, options: ReadOptions = ReadOptions(), workers: Int, maxChunkBytes: UInt64 = 4 << 20, chunks requested: Int? = nil,
        produce: @escaping @Sendable (VariantReader, Region) throws -> T,
        consume: (T) throws -> Void
    ) async throws {
        var st = stat()
        let size = stat(path, &st) == 0 ? UInt64(st.st_size) : 0
        // Chunks of at most ~maxChunkBytes compressed input: what a worker holds at once does not grow with the file.
        let count = requested ?? max(max(1, workers) * 2, Int(size / max(maxChunkBytes, 1)) + 1)
        let chunks = try planChunks(path: path, count: count)
        let window = max(1, workers)
        try await withThrowingTaskGroup(of: (Int, T).self) { group in
            var next = 0
            var nextToConsume = 0
            var ready: [Int: T] = [:]
            func launch() {
                let i = next
                let chunk = chunks[i]
                next += 1
                group.addTask {
                    let reader = try VariantReader(path: path, options: options)
                    try reader.seek(to: chunk, startsOnly: true)
                    return (i, try produce(reader, chunk))
                }
            }
            while next < min(window, chunks.count) { launch() }
            while let (i, value) = try await group.next() {
                ready[i] = value
                while let v = ready.removeValue(forKey: nextToConsume) {
                    try consume(v)
                    nextToConsume += 1
                }
                // Launch only within a window past what has been consumed, so finished-but-waiting
                // results cannot pile up behind one slow chunk.
                while next < chunks.count && next - nextToConsume <= window { launch() }
            }
        }
    }
}

extension VariantReader {
    /// Restricts reading to records overlapping `region` (as `bcftools view -r`); needs an index.
    public func query(_ region: Region) throws(VCFError) {
        try seek(to: region, startsOnly: false)
    }

    /// Is there a `.tbi`/`.csi` index beside the file?
    public var isIndexed: Bool {
        do { try loadIndex(); return true } catch { return false }
    }
}
