internal import Foundation
public import VariantStore
internal import NIOPosix
internal import Synchronization

/// A few store connections for concurrent requests. A connection is used by one request at a time, on NIO's
/// blocking-work thread pool (never on the event loops), and each request's reads run in one snapshot.
///
/// `varde serve` opens the pool in the background (``init(opening:file:make:)``): the first open runs the store's
/// pending migrations, which on a national store can take minutes, and meanwhile the service answers `/health`,
/// and `/ready` and every data request with 503. When the store is an SQLite file, a connection whose file was
/// replaced (by `varde restore`) is opened again before its next request, so a restore takes effect without a
/// restart and no request reads half of each.
public final class StorePool: Sendable {
    /// Where the pool stands: opening (migrations running), open, or failed to open.
    public enum Readiness: Sendable, Equatable {
        case opening, ready, failed(String)
    }

    /// A connection handed between threads, never used by two at once (the pool's lock guarantees it).
    final class Box: @unchecked Sendable {
        var store: any VariantStore
        /// The file the connection has open (device, inode), to notice it being replaced.
        var identity: FileIdentity?
        /// Connections to a file that was replaced, kept open for the process's life: closing the last connection
        /// to a WAL database unlinks its `-wal` and `-shm` files by name, and after the rename those names are the
        /// restored store's.
        var retired: [any VariantStore] = []
        init(_ store: any VariantStore, identity: FileIdentity?) {
            self.store = store
            self.identity = identity
        }
    }

    struct FileIdentity: Equatable {
        var device: UInt64, inode: UInt64
        init?(_ path: String) {
            guard let a = try? FileManager.default.attributesOfItem(atPath: path),
                  let device = (a[.systemNumber] as? NSNumber)?.uint64Value, let inode = (a[.systemFileNumber] as? NSNumber)?.uint64Value else { return nil }
            self.device = device
            self.inode = inode
        }
    }

    private let idle = Mutex<[Box]>([])
    private let waiters = Mutex<[CheckedContinuation<Box, Never>]>([])
    private let state = Mutex<Readiness>(.opening)
    private let failure = Mutex<(any Error)?>(nil)
    private let make: @Sendable () throws -> any VariantStore
    /// The SQLite store file, when there is one.
    public let file: String?

    /// Opens `size` connections with `make` (e.g. `{ try SQLiteVariantStore(path: path) }`) before returning.
    public init(size: Int, file: String? = nil, make: @escaping @Sendable () throws -> any VariantStore) throws {
        self.make = make
        self.file = file
        let boxes = try Self.open(size, file: file, make: make)
        idle.withLock { $0 = boxes }
        state.withLock { $0 = .ready }
    }

    /// Returns at once and opens the connections on a thread of its own; until they are open, ``readiness`` is
    /// `.opening` and ``read(_:)`` throws ``StoreUnavailable``.
    public init(opening size: Int, file: String? = nil, make: @escaping @Sendable () throws -> any VariantStore) {
        self.make = make
        self.file = file
        let thread = Thread { [self] in
            do {
                let boxes = try Self.open(size, file: file, make: make)
                idle.withLock { $0 = boxes }
                state.withLock { $0 = .ready }
            } catch {
                failure.withLock { $0 = error }
                state.withLock { $0 = .failed("\(error)") }
            }
        }
        thread.name = "varde-store-open"
        thread.start()
    }

    private static func open(_ size: Int, file: String?, make: () throws -> any VariantStore) throws -> [Box] {
        try (0..<max(1, size)).map { _ in
            let identity = file.flatMap(FileIdentity.init)
            return Box(try make(), identity: identity)
        }
    }

    /// Returns when the connections are open; throws the store's own error if they cannot be (a store written by a
    /// newer Varde, a server that refuses): `varde serve` then stops with that message instead of serving 503s.
    public func opened() async throws {
        while true {
            switch readiness {
            case .ready: return
            case .failed: throw failure.withLock { $0 } ?? StoreUnavailable(message: "the store cannot be opened")
            case .opening: try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Whether the pool can answer: `.opening` while the store's migrations run.
    public var readiness: Readiness { state.withLock { $0 } }

    /// Whether `varde restore` is putting a backup in place of the store right now (its staging copy exists).
    public var restoring: Bool { file.map { FileManager.default.fileExists(atPath: $0 + ".restoring") } ?? false }

    /// Runs `body` with a connection, inside one read snapshot, on the blocking thread pool.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any VariantStore) throws -> T) async throws -> T {
        switch readiness {
        case .opening: throw StoreUnavailable(message: "the store is being opened (its migrations are running); try again shortly")
        case .failed: throw StoreUnavailable(message: "the store cannot be opened; the service log has the details")
        case .ready: break
        }
        let box = await checkout()
        defer { checkin(box) }
        let file = self.file, make = self.make
        return try await NIOThreadPool.singleton.runIfActive {
            if let file, let now = FileIdentity(file), now != box.identity {
                // `varde restore` renamed a verified copy over the store: read the new file from now on.
                box.retired.append(box.store)
                box.store = try make()
                box.identity = now
            }
            return try box.store.readSnapshot { try body(box.store) }
        }
    }

    private func checkoutNow() -> Box? { idle.withLock { $0.popLast() } }

    private func checkout() async -> Box {
        if let b = checkoutNow() { return b }
        return await withCheckedContinuation { c in
            // Re-check under the waiters' lock order: idle first, then enqueue.
            let ready: Box? = idle.withLock { list in
                if let b = list.popLast() { return b }
                waiters.withLock { $0.append(c) }
                return nil
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    private func checkin(_ box: Box) {
        let waiter: CheckedContinuation<Box, Never>? = idle.withLock { list in
            if let w = waiters.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return w }
            list.append(box)
            return nil
        }
        waiter?.resume(returning: box)
    }
}

/// The store cannot answer yet (opening, migrating) or at all: 503 with Retry-After, never a 500.
public struct StoreUnavailable: Error, Sendable {
    public var message: String
}
