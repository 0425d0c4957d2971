import Foundation
import Prometheus
public import VariantStore
import Synchronization

/// The service's Prometheus metrics (`/metrics`, text format 0.0.4): requests and their latency per route family,
/// data answers per tier, suppression hits, budget refusals and failed sign-ins, readiness, and the store's own
/// record of loads, compactions and erasures (read from the store at scrape time, so loads run by other processes
/// count; cached for ``storeCacheSeconds``: `/metrics` is outside the budgets, so a client scraping in a loop costs a few small queries every 5 s, no more).
/// docs/operations.md lists them with the example alert rules.
public final class ServiceMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// Counts withheld below k, by kind; given to every ``Disclosure`` of this service.
    let suppression = SuppressionTally()
    /// The native API's and web UI's recent selections (paging reads them), with their hit and miss counts.
    let selections: SelectionCache
    static let storeCacheSeconds = 5.0
    private let cachedActivity = Mutex<(at: Date, activity: StoreActivity)?>(nil)

    /// The refusal and sign-in counters exist at 0 from the start, so `increase()` sees the first burst after a
    /// restart. `selectionCacheEntries`: how many recent selections paging may read (0: none).
    public init(selectionCacheEntries: Int = 16) {
        selections = SelectionCache(capacity: selectionCacheEntries)
        for budget in ["address", "token", "sign_in"] { _ = registry.makeCounter(name: "varde_budget_refusals_total", labels: [("budget", budget)]) }
        _ = registry.makeCounter(name: "varde_auth_failures_total")
    }

    /// A refused request: `address`, `token` or `sign_in` budget.
    func refused(budget: String) {
        registry.makeCounter(name: "varde_budget_refusals_total", labels: [("budget", budget)]).increment()
    }

    /// A bearer token or session that is not known (or malformed).
    func authFailed() { registry.makeCounter(name: "varde_auth_failures_total").increment() }

    /// A data answer given (a request that was audited with status 200).
    func answered(route: String, tier: AccessTier) {
        registry.makeCounter(name: "varde_queries_total", labels: [("route", route), ("tier", tier.name)]).increment()
    }

    /// The exposition: the registry's series, then readiness, suppression and the store's activity.
    func exposition(pool: StorePool) async -> [UInt8] {
        var out: [UInt8] = []
        registry.emit(into: &out)
        var text = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for s in samples { text += "\(name)\(s.labels) \(Self.number(s.value))\n" }
        }
        metric("varde_selection_cache_total", "counter", "Variant selections asked for, by whether a recent one answered (paging) or the store was read.",
               [("{result=\"hit\"}", Double(selections.hits.load(ordering: .relaxed))),
                ("{result=\"miss\"}", Double(selections.misses.load(ordering: .relaxed)))])
        let ready = pool.readiness == .ready && !pool.restoring
        metric("varde_ready", "gauge", "1 when the store is open and answering (not migrating, not being restored).", [("", ready ? 1 : 0)])
        metric("varde_suppressed_total", "counter", "Answers where a count or a variant was withheld below the minimum count k.",
               [("{kind=\"masked_variant\"}", Double(suppression.masked.load(ordering: .relaxed))),
                ("{kind=\"withheld_count\"}", Double(suppression.withheld.load(ordering: .relaxed)))])
        if ready, let a = await activity(pool) {
            func time(_ iso: String?) -> Double { iso.flatMap { ISO8601DateFormatter().date(from: $0) }?.timeIntervalSince1970 ?? 0 }
            metric("varde_store_loaded_batches_total", "counter", "Batches committed to the store (one per varde load).", [("", Double(a.batches))])
            metric("varde_store_loaded_records_total", "counter", "VCF/MAF records read by the committed batches.", [("", Double(a.recordsLoaded))])
            metric("varde_store_samples", "gauge", "Samples in the store (erased ones excluded).", [("", Double(a.samples))])
            metric("varde_store_last_load_timestamp_seconds", "gauge", "When the newest batch committed (Unix time; 0: none).", [("", time(a.lastLoad))])
            metric("varde_store_compactions_total", "counter", "Compactions run on the store (varde compact and automatic ones).", [("", Double(a.compactions))])
            metric("varde_store_last_compaction_timestamp_seconds", "gauge", "When the newest compaction committed (Unix time; 0: none).", [("", time(a.lastCompaction))])
            metric("varde_store_compaction_pending_batches", "gauge", "Small batches an automatic compaction would merge now.", [("", Double(a.compactionPending))])
            metric("varde_store_erasures_total", "counter", "Consent withdrawals carried out (varde erase).", [("", Double(a.erasures))])
        }
        out.append(contentsOf: Array(text.utf8))
        return out
    }

    private func activity(_ pool: StorePool) async -> StoreActivity? {
        if let c = cachedActivity.withLock({ $0 }), Date().timeIntervalSince(c.at) < Self.storeCacheSeconds { return c.activity }
        guard let a = try? await pool.read({ try $0.activity() }) else { return nil }
        cachedActivity.withLock { $0 = (Date(), a) }
        return a
    }

    static func number(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v) }
}

/// How often small-count protection withheld something: a variant masked (not shown at all) or a count withheld
/// (shown as k, or null with its frequency).
final class SuppressionTally: Sendable {
    let masked = Atomic<Int>(0)
    let withheld = Atomic<Int>(0)
}
