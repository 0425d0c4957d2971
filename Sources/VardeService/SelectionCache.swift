import Foundation
import Synchronization
import VariantStore

/// The last few selections the native API and the web UI answered (the variants a tier may see, and the cohort cells
/// withheld), so that paging through a gene or region (`offset=100`, `200`, …) reads the page from memory instead of
/// running the whole query, and its cohort guard, again for each page. An entry is keyed by the tier, the selector
/// and cohort, and the store's ``VariantReading/generation()``: a new batch, an erasure, a compaction or a cohort
/// change makes every older entry unreachable, so a page never mixes two states of the store. Entries live
/// ``lifetime`` seconds; at most `capacity` (`selectionCacheEntries`) are kept, and a selection of more than ``largest`` variants is not kept.
final class SelectionCache: Sendable {
    let capacity: Int
    static let largest = 50_000
    static let lifetime: TimeInterval = 120

    private struct Entry { var key: String; var at: Date; var value: NativeAPI.Selected }
    private let entries = Mutex<[Entry]>([])
    let hits = Atomic<Int>(0)
    let misses = Atomic<Int>(0)

    init(capacity: Int) { self.capacity = capacity }

    /// What a selection depends on: the tier, the selector, the cohort, and the store's state.
    static func key(_ q: [String: String], tier: AccessTier, generation: String) -> String {
        let parts = (NativeAPI.selectors + ["cohort"]).compactMap { k in q[k].map { "\(k)=\($0)" } }
        return ([tier.name, generation] + parts).joined(separator: "\u{1F}")
    }

    func value(_ key: String) -> NativeAPI.Selected? {
        let now = Date()
        let found: NativeAPI.Selected? = entries.withLock { list in
            list.removeAll { now.timeIntervalSince($0.at) > Self.lifetime }
            return list.first { $0.key == key }?.value
        }
        if found == nil { misses.add(1, ordering: .relaxed) } else { hits.add(1, ordering: .relaxed) }
        return found
    }

    func store(_ key: String, _ value: NativeAPI.Selected) {
        guard value.found.count <= Self.largest else { return }
        entries.withLock { list in
            list.removeAll { $0.key == key }
            list.append(Entry(key: key, at: Date(), value: value))
            if list.count > capacity { list.removeFirst(list.count - capacity) }
        }
    }
}
