import Foundation
import Testing
import TestSupport
import VardeService

/// Several `varde serve` processes on one PostgreSQL store, as a region runs them behind a load balancer: they answer
/// as the SQLite store loaded with the same file answers, and a load committed meanwhile by another process (a lab's
/// `varde load`) is seen whole or not at all by every request. Needs VARDE_TEST_POSTGRES_URL (CI sets it).
@Suite(.serialized) struct PostgresServeTests {

    static func varde(_ args: [String]) throws -> Shell.Result { try Shell.run([Shell.varde] + args, environment: ServiceFixture.env) }

    /// A PostgreSQL store with the service fixture's slice and its `first30` cohort, as ServiceFixture.store has them.
    static func makeStore(_ server: String, dir: URL) throws -> String {
        let url = TestPostgres.freshStore(server, prefix: "serve")
        let load = try varde(["load", "--quiet", "--store", url, ServiceFixture.vcf])
        try #require(load.status == 0, "\(load.stderr)")
        let samples = try Shell.run(["bcftools", "query", "-l", ServiceFixture.vcf]).stdout.split(separator: "\n").map(String.init)
        let list = dir.appendingPathComponent("first30.txt").path
        try samples.prefix(30).joined(separator: "\n").appending("\n").write(toFile: list, atomically: true, encoding: .utf8)
        let made = try varde(["cohort", "create", "--store", url, "first30", "--from", list])
        try #require(made.status == 0, "\(made.stderr)")
        return url
    }

    /// A JSON body without the keys that name the request rather than the answer.
    static func answer(_ r: LiveServer.Reply) -> String {
        var text = String(decoding: r.body, as: UTF8.self)
        for key in ["\"requestId\"", "\"receivedAt\"", "\"elapsedMs\""] {
            while let range = text.range(of: key) {
                let end = text[range.upperBound...].firstIndex { $0 == "," || $0 == "}" } ?? text.endIndex
                text.removeSubrange(range.lowerBound..<end)
            }
        }
        return text
    }

    @Test("two varde serve processes on one PostgreSQL store answer as SQLite does, per tier, and a concurrent load is seen whole or not at all")
    func twoServersOneStore() async throws {
        guard let server = TestPostgres.url else { return }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = try Self.makeStore(server, dir: dir)
        // Regions up to a whole chromosome, for the polling below.
        let config: [String: JSON] = ["maxRegionBases": 300_000_000]
        let a = try await LiveServer(store: url, config: config), b = try await LiveServer(store: url, config: config)
        let reference = try await LiveServer(store: ServiceFixture.store, config: config)
        let calls: [(String, String?)] = [
            ("/api/v1/variants?region=22:16050000-16055000", ServiceFixture.controlledToken),
            ("/api/v1/variants?region=22:16050000-16061300&cohort=first30", ServiceFixture.registeredToken),
            ("/api/v1/variants/22-16050075-A-G", ServiceFixture.registeredToken),
            ("/g_variants?referenceName=22&start=16050074&referenceBases=A&alternateBases=G", nil),
            ("/g_variants?referenceName=22&start=16050000&end=16061300&requestedGranularity=count", ServiceFixture.registeredToken),
        ]
        for (path, token) in calls {
            let ra = try await a.call(path, token: token), rb = try await b.call(path, token: token)
            let rr = try await reference.call(path, token: token)
            #expect(rr.status == 200, "\(path): \(Self.answer(rr))")
            #expect(ra.status == rr.status && rb.status == rr.status, "\(path)")
            #expect(Self.answer(ra) == Self.answer(rr), "\(path): PostgreSQL server 1 differs from SQLite")
            #expect(Self.answer(rb) == Self.answer(rr), "\(path): PostgreSQL server 2 differs from SQLite")
        }
        // A lab loads a tumour/normal pair while both servers answer: every answer has the pair's variants all or none.
        let pair = Fixtures.path("somatic/mutect2.NA12878.head300.vcf")
        let first = try Shell.run(["bash", "-c", "grep -v '^#' '\(pair)' | head -1 | cut -f1"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let added = Int(try Shell.run(["bash", "-c", "grep -v '^#' '\(pair)' | awk -F'\\t' '$1==\"\(first)\"' | wc -l"]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        #expect(added > 10)
        let region = "/api/v1/variants?region=\(first):1-250000000&limit=1"
        func total(_ r: LiveServer.Reply) -> Int? { r.json["total"]?.intValue }
        let before = total(try await a.call(region, token: ServiceFixture.controlledToken))
        let load = Process()
        load.executableURL = URL(fileURLWithPath: Shell.varde)
        load.arguments = ["load", "--quiet", "--store", url, pair]
        load.environment = ServiceFixture.env
        load.standardOutput = FileHandle.nullDevice
        try load.run()
        var seen = Set<Int>()
        while load.isRunning {
            for s in [a, b] {
                let r = try await s.call(region, token: ServiceFixture.controlledToken)
                #expect(r.status == 200, "\(Self.answer(r))")
                if let t = total(r) { seen.insert(t) }
            }
        }
        load.waitUntilExit()
        #expect(load.terminationStatus == 0)
        let after = total(try await b.call(region, token: ServiceFixture.controlledToken))
        #expect(before == 0 && (after ?? 0) >= added - 5, "before \(String(describing: before)), after \(String(describing: after))")
        #expect(!seen.isEmpty, "no answer was read while the load ran")
        #expect(seen.isSubset(of: Set([before, after].compactMap { $0 })), "a partial batch was visible: totals \(seen.sorted())")
        #expect(a.running && b.running)
    }
}
