import Foundation
import Testing
import TestSupport
import VariantCore
import VariantStore
import VariantStoreSQLite
import Loader

@Suite("Schema and coverage options")
struct SchemaTests {
    @Test("migrations are named, run once, and reopening a store runs none again")
    func migrations() throws {
        let t = try TestStore()
        defer { t.remove() }
        let first = try t.store.appliedMigrations()
        // Every migration, once, in order: named NNNN-what, numbered from 0001 without gaps.
        #expect(first.prefix(3) == ["0001-variant-store", "0002-named-cohorts", "0003-filters-annotations"])
        #expect(first.enumerated().allSatisfy { i, id in id.hasPrefix(String(format: "%04d-", i + 1)) })
        let again = try SQLiteVariantStore(path: t.path)
        #expect(try again.appliedMigrations() == first)
    }

    @Test("--min-gq: gVCF reference blocks below the threshold do not count toward AN")
    func minGQ() async throws {
        let file = Fixtures.path("gvcf/NA12878.prod.chr20snippet.head2000.g.vcf.gz")
        let all = try TestStore(), strict = try TestStore()
        defer { all.remove(); strict.remove() }
        let a = try await all.load([file])
        let b = try await strict.load([file]) { $0.minBlockGQ = 99 }
        #expect(a.coverageBlocks > b.coverageBlocks)
        #expect(b.coverageBlocks > 0)
        let anAll = try all.store.aggregates(in: Region(contig: "20")).map(\.an).reduce(0, +)
        let anStrict = try strict.store.aggregates(in: Region(contig: "20")).map(\.an).reduce(0, +)
        #expect(anStrict <= anAll)
        #expect(try strict.store.verifyAggregates().isEmpty)
    }
}
