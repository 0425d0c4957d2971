import Foundation
import Testing
import TestSupport
import VardeService

/// Paging through a region as a client of the native API does (100 rows a page): the pages together are exactly
/// the region's variants, pages after the first are read from the service's recent selections instead of running
/// the query again (the cache counter in /metrics says so), and a batch loaded between two pages is never mixed
/// with the state before it: the next page is computed afresh.
@Suite("paging the native API", .serialized)
struct PagingTests {
    static let region = "22:16050000-16061300"

    func page(_ server: LiveServer, offset: Int) async throws -> JSON {
        let r = try await server.call("/api/v1/variants?region=\(Self.region)&limit=100&offset=\(offset)", token: ServiceFixture.controlledToken)
        #expect(r.status == 200)
        return r.json
    }

    func cache(_ server: LiveServer, _ result: String) async throws -> Double {
        let text = String(decoding: try await server.call("/metrics").body, as: UTF8.self)
        return ObservabilityTests.value(text, "varde_selection_cache_total{result=\"\(result)\"}")
    }

    @Test("pages equal the region, later pages come from memory, and a new batch is seen whole on the next page")
    func pagesFromMemory() async throws {
        try #require(Shell.has("bcftools"))
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, ServiceFixture.vcf], environment: ServiceFixture.env).status == 0)
        let server = try await LiveServer(store: store, environment: ServiceFixture.env)

        let first = try await page(server, offset: 0)
        let total = try #require(first["total"]?.intValue)
        #expect(total > 300, "the slice has 418 sites")
        let (hits0, misses0) = (try await cache(server, "hit"), try await cache(server, "miss"))
        var ids = first["variants"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        for offset in stride(from: 100, to: total, by: 100) {
            ids += (try await page(server, offset: offset))["variants"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        }
        let pages = (total + 99) / 100
        #expect(try await cache(server, "hit") - hits0 == Double(pages - 1), "every page after the first from memory")
        #expect(try await cache(server, "miss") == misses0)
        // The same variants as varde query lists for the region, in the same order.
        let cli = try Shell.run([Shell.varde, "query", "--store", store, "--region", Self.region, "--format", "json"], environment: ServiceFixture.env)
        let expected = try cli.stdout.split(separator: "\n").map { try JSON(parsing: Data($0.utf8))["variantId"]?.stringValue ?? "" }
        #expect(ids == expected)

        // A second lab's batch (the same genomes renamed): every count doubles, and page 2 shows it.
        let before = try #require((try await page(server, offset: 100))["variants"]?.arrayValue?.first)
        let second = dir.appendingPathComponent("lab2.vcf.gz").path
        let renamed = try Shell.run(["bash", "-c", "bcftools reheader -s <(bcftools query -l '\(ServiceFixture.vcf)' | sed 's/^/LAB2_/') '\(ServiceFixture.vcf)' > '\(second)'"])
        try #require(renamed.status == 0, "\(renamed.stderr)")
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, second], environment: ServiceFixture.env).status == 0)
        let misses1 = try await cache(server, "miss")
        let after = try #require((try await page(server, offset: 100))["variants"]?.arrayValue?.first)
        #expect(try await cache(server, "miss") == misses1 + 1, "the new batch made the cached selection stale")
        #expect(after["id"] == before["id"])
        #expect(after["population"]?["an"]?.intValue == 2 * (before["population"]?["an"]?.intValue ?? -1))
    }
}
