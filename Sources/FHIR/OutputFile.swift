internal import Foundation

/// An append-only file written through a buffer (a FileHandle per write would cost a syscall per resource).
final class OutputFile {
    let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private(set) var bytes = 0
    private let capacity: Int

    init(path: String, bufferSize: Int = 1 << 20) throws(FHIRError) {
        self.path = path
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw FHIRError("cannot create \(path)", fix: "check that the output folder is writable")
        }
        handle = h
        capacity = bufferSize
        buffer.reserveCapacity(bufferSize)
    }

    func write(_ b: [UInt8]) throws(FHIRError) {
        buffer += b
        bytes += b.count
        if buffer.count >= capacity { try flush() }
    }

    func write(_ s: String) throws(FHIRError) { try write(Array(s.utf8)) }

    func flush() throws(FHIRError) {
        guard !buffer.isEmpty else { return }
        do { try handle.write(contentsOf: buffer) } catch {
            throw FHIRError("cannot write \(path): \(error)", fix: "check the free space of the output folder")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws(FHIRError) {
        try flush()
        try? handle.close()
    }

    /// Copies another file's bytes onto this one, 1 MiB at a time.
    func append(contentsOf other: String) throws(FHIRError) {
        try flush()
        guard let h = FileHandle(forReadingAtPath: other) else { throw FHIRError("cannot read back \(other)") }
        defer { try? h.close() }
        while true {
            let chunk: Data
            do { chunk = try h.read(upToCount: 1 << 20) ?? Data() } catch { throw FHIRError("cannot read back \(other): \(error)") }
            if chunk.isEmpty { break }
            try write(Array(chunk))
        }
    }
}
