import Foundation
import Testing
import TestSupport
import VariantCore
import VariantStore
@testable import VariantStoreSQL
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
        t.store.parallelFrom = 1   // the fixture's region is small: read it on two connections all the same
        let before = try t.store.aggregates(in: region, cohort: cohort).map(\.cohort)
        #expect(before.contains { ($0?.ac ?? 0) > 0 })
        let during = try t.store.readSnapshot { () throws -> [CohortCounts?] in
            _ = try t.store.assembly()   // the snapshot starts at the first read
            // Another process drops every het call and records it, as a batch or an erasure would.
            let r = try Shell.run(["sqlite3", t.path, "DELETE FROM calls_segment; INSERT INTO audit(at, action, subject, details) VALUES ('now', 'test', 'test', 'test');"])
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

/// A large region is read on two connections at once; a small one on one. Both must give the same rows.
@Suite("Two connections")
struct TwoConnectionTests {
    @Test("a region read on two connections (variants beside cohort counts, or two halves) equals the read on one")
    func parallelEqualsSerial() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let t = try TestStore()
        defer { t.remove() }
        // Six batches: each adds its own variants, so positions and vids interleave and the output is permuted.
        for f in try BatchTests.singleSampleFiles(in: dir) { _ = try await t.load([f]) }
        let cohort = Set(try t.store.ordinals(samples: Array(BatchTests.people.prefix(4))).values)
        try #require(cohort.count == 4)
        let region = Region(contig: "22")
        t.store.parallelFrom = .max
        let serialCohort = try t.store.aggregates(in: region, cohort: cohort), serialAll = try t.store.aggregates(in: region, cohort: nil)
        t.store.parallelFrom = 1
        let parallelCohort = try t.store.aggregates(in: region, cohort: cohort), parallelAll = try t.store.aggregates(in: region, cohort: nil)
        #expect(serialCohort.count > 20)
        #expect(serialCohort.contains { ($0.cohort?.ac ?? 0) > 0 })
        let sameCohort = parallelCohort == serialCohort, sameAll = parallelAll == serialAll
        #expect(sameCohort)
        #expect(sameAll)
    }
}
