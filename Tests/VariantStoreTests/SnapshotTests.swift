import Foundation
import Testing
import TestSupport
import VariantCore
import VariantStore
import VariantStoreSQLite

/// A cohort query reads variants on one connection and counts calls on a second, at once: both must read
/// one state of the store.
@Suite("Snapshots")
struct SnapshotTests {
    @Test("a cohort query inside a read snapshot counts that snapshot's calls though a write commits meanwhile")
    func cohortCountsStayInTheSnapshot() async throws {
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([BatchTests.cohort])
        let cohort = Set(try t.store.ordinals(samples: Array(BatchTests.people.prefix(3))).values)
        try #require(cohort.count == 3)
        let region = Region(contig: "22")
        let before = try t.store.aggregates(in: region, cohort: cohort).map(\.cohort)
        #expect(before.contains { ($0?.ac ?? 0) > 0 })
        let during = try t.store.readSnapshot { () throws -> [CohortCounts?] in
            _ = try t.store.assembly()   // the snapshot starts at the first read
            // Another process drops every het call and records it, as a batch or an erasure would.
            let r = try Shell.run(["sqlite3", t.path, "UPDATE calls SET het = NULL; INSERT INTO audit(at, action, subject, details) VALUES ('now', 'test', 'test', 'test');"])
            try #require(r.status == 0, "\(r.stderr)")
            return try t.store.aggregates(in: region, cohort: cohort).map(\.cohort)
        }
        let sameAsBefore = during == before   // (a Bool: the arrays are too long for a readable failure)
        #expect(sameAsBefore, "cohort AC within the snapshot: \(during.map { $0?.ac ?? 0 }.reduce(0, +)), before: \(before.map { $0?.ac ?? 0 }.reduce(0, +))")
        // The change is there for a new read: the second connection would have seen it.
        let after = try t.store.aggregates(in: region, cohort: cohort).map(\.cohort)
        let changed = after != before
        #expect(changed)
    }
}
