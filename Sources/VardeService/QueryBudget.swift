public import Foundation
internal import Synchronization

/// Requests allowed per key (a token's name or a client address) in a fixed window. Thread-safe.
public final class QueryBudget: Sendable {
    struct Window { var start: ContinuousClock.Instant; var used: Int }
    private let state = Mutex<[String: Window]>([:])
    let windowSeconds: Int

    public init(windowSeconds: Int) { self.windowSeconds = windowSeconds }

    /// Whether `key` has spent its budget in the current window (without counting a request): the seconds until
    /// the window ends, or nil if requests are still allowed.
    public func exhausted(_ key: String, limit: Int, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { windows in
            let length = Duration.seconds(windowSeconds)
            guard let w = windows[key], now - w.start < length, w.used >= limit else { return nil }
            let left = length - (now - w.start)
            return max(1, Int((Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18).rounded(.up)))
        }
    }

    /// Counts one request against `key`; nil if allowed, else the seconds until the window ends (for Retry-After).
    public func spend(_ key: String, limit: Int, now: ContinuousClock.Instant = .now) -> Int? {
        state.withLock { windows in
            let length = Duration.seconds(windowSeconds)
            var w = windows[key] ?? Window(start: now, used: 0)
            if now - w.start >= length { w = Window(start: now, used: 0) }
            guard w.used < limit else {
                let left = length - (now - w.start)
                return max(1, Int((Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18).rounded(.up)))
            }
            w.used += 1
            windows[key] = w
            if windows.count > 100_000 { windows = windows.filter { now - $0.value.start < length } }
            return nil
        }
    }
}
