import Synchronization

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Progress on stderr for long work: records, records/s and the current locus, at most once a second.
/// Thread-safe, so parallel workers report into one meter. Prints nothing for work under a second.
public final class ProgressMeter: Sendable {
    private struct State { var records = 0; var lastPrint: Double; var locus: String?; var printed = false; var expected: Int? }
    private let state: Mutex<State>
    private let label: String
    private let start: Double

    public init(label: String) {
        self.label = label
        let now = ProgressMeter.now()
        self.start = now
        self.state = Mutex(State(lastPrint: now))
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Sets the number of records expected (from an index), so progress shows an ETA.
    public func expect(records: Int?) {
        state.withLock { $0.expected = records }
    }

    public func advance(by n: Int, locus: String?) {
        let t = ProgressMeter.now()
        let line: String? = state.withLock { s in
            s.records += n
            if let locus { s.locus = locus }
            guard t - s.lastPrint >= 1 else { return nil }
            s.lastPrint = t
            s.printed = true
            return render(s, at: t)
        }
        if let line { writeStderr("\r" + line) }
    }

    public func finish() {
        let t = ProgressMeter.now()
        let line: String? = state.withLock { s in s.printed ? render(s, at: t) : nil }
        if let line { writeStderr("\r" + line + "\n") }
    }

    private func render(_ s: State, at t: Double) -> String {
        let elapsed = max(t - start, 1e-9)
        let rate = Double(s.records) / elapsed
        var eta = ""
        if let expected = s.expected, rate > 0, expected > s.records {
            let left = Int(Double(expected - s.records) / rate)
            eta = ", ETA \(left / 60)m\(left % 60)s"
        }
        return "\(label): \(s.records) records, \(Int(rate)) records/s" + (s.locus.map { ", at \($0)" } ?? "") + eta + "   "
    }
}

/// Writes to file descriptor 2 directly (the C `stderr` global is not concurrency-safe in Swift 6).
func writeStderr(_ s: String) {
    var s = s
    s.withUTF8 { buf in _ = write(2, buf.baseAddress, buf.count) }
}
