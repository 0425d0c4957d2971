public import Foundation
internal import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// An append-only JSON-lines file of who asked what and how much was returned. Opened with O_APPEND, never
/// truncated or rewritten; each line is written with one write(2). Holds principals' names and request
/// parameters, never a person key or a sample name.
public final class AuditLog: Sendable {
    private let fd: Mutex<Int32>

    public init(path: String) throws {
        let f = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard f >= 0 else {
            throw ServiceError("cannot open the audit log \(path): \(String(cString: strerror(errno)))", fix: "check that its folder exists and is writable")
        }
        fd = Mutex(f)
    }

    deinit { fd.withLock { _ = close($0) } }

    /// A client-supplied string as audited: at most 200 characters, so no request can write a large line.
    public static func clip(_ s: String) -> String { s.count > 200 ? String(s.prefix(200)) + "…" : s }

    /// One event: `who` (principal name or "anonymous"), tier, client address, method and path, query parameters,
    /// HTTP status, granularity returned and the number of results.
    public func record(_ event: JSON) {
        var line = ""
        event.write(into: &line)
        line += "\n"
        fd.withLock { f in
            _ = line.utf8CString.withUnsafeBufferPointer { write(f, $0.baseAddress, $0.count - 1) }
        }
    }
}

/// What a controlled answer handed out about individuals, for the audit log: carriers (sample, zygosity pairs)
/// and distinct sample or individual IDs.
struct Disclosed: Sendable {
    var carriers = 0
    var sampleIDs = 0
}
