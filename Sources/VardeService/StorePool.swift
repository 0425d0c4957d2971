public import VariantStore
internal import NIOPosix
internal import Synchronization

/// A few store connections for concurrent requests. A connection is used by one request at a time, on NIO's
/// blocking-work thread pool (never on the event loops), and each request's reads run in one snapshot.
public final class StorePool: Sendable {
    /// A connection handed between threads, never used by two at once (the pool's lock guarantees it).
    final class Box: @unchecked Sendable {
        let store: any VariantStore
        init(_ store: any VariantStore) { self.store = store }
    }

    private let idle: Mutex<[Box]>
    private let waiters = Mutex<[CheckedContinuation<Box, Never>]>([])
    private let make: @Sendable () throws -> any VariantStore

    /// Opens `size` connections with `make` (e.g. `{ try SQLiteVariantStore(path: path) }`).
    public init(size: Int, make: @escaping @Sendable () throws -> any VariantStore) throws {
        self.make = make
        var boxes: [Box] = []
        for _ in 0..<max(1, size) { boxes.append(Box(try make())) }
        idle = Mutex(boxes)
    }

    /// Runs `body` with a connection, inside one read snapshot, on the blocking thread pool.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any VariantStore) throws -> T) async throws -> T {
        let box = await checkout()
        defer { checkin(box) }
        return try await NIOThreadPool.singleton.runIfActive {
            try box.store.readSnapshot { try body(box.store) }
        }
    }

    private func checkout() async -> Box {
        if let b = idle.withLock({ $0.popLast() }) { return b }
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
