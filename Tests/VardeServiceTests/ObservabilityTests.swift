import Foundation
import Testing
import TestSupport
import VardeService
import VariantStore
import VariantStoreSQLite

/// What an operator watches, against a real `varde serve`: the Prometheus metrics the alert rules in
/// docs/prometheus use move when the thing they name happens, JSON log lines carry the request id that the
/// response and the audit line carry, and `/ready` is false while the store is migrating or being restored.
@Suite("observability", .serialized)
struct ObservabilityTests {
    /// The value of one series (`name{labels}` as exposed), 0 when absent.
    static func value(_ exposition: String, _ series: String) -> Double {
        for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? .nan
        }
        return 0
    }

    func metrics(_ server: LiveServer) async throws -> String {
        let r = try await server.call("/metrics")
        #expect(r.status == 200)
        return String(decoding: r.body, as: UTF8.self)
    }

    @Test("suppression hits, refusals, failed sign-ins, answers per tier and the store's loads are counted")
    func metricsMove() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, config: ["requestsPerTokenPerWindow": 3, "budgetWindowSeconds": 86_400])
        let m0 = try await metrics(server)
        #expect(Self.value(m0, "varde_ready") == 1)
        // Refusal counters exist at 0 before the first refusal (so increase() sees the first burst).
        for series in ["varde_auth_failures_total 0", "varde_budget_refusals_total{budget=\"token\"} 0"] { #expect(m0.contains(series + "\n"), "\(series)") }
        // The store's own record, as SQLite has it.
        let stats = try SQLiteVariantStore(path: ServiceFixture.store).stats()
        #expect(Self.value(m0, "varde_store_loaded_batches_total") == Double(stats.batches))
        #expect(Self.value(m0, "varde_store_samples") == Double(stats.samples))
        #expect(Self.value(m0, "varde_store_loaded_records_total") == 412, "the fixture VCF has 412 records (bcftools view -H | wc -l)")
        #expect(Self.value(m0, "varde_store_last_load_timestamp_seconds") > Date().timeIntervalSince1970 - 86_400)

        // A singleton asked anonymously: masked.
        let rare = try await server.call("/g_variants?referenceName=22&start=16050074&referenceBases=A&alternateBases=G&assemblyId=GRCh37")
        #expect(rare.status == 200 && rare.json["responseSummary"]?["exists"]?.boolValue == false)
        // A region at the registered tier: small hom-alt counts among the rows are withheld.
        let region = try await server.call("/api/v1/variants?region=22:16050000-16061300&limit=100", token: ServiceFixture.registeredToken)
        #expect(region.status == 200)
        #expect(String(decoding: region.body, as: UTF8.self).contains("\"suppressed\""))
        // An unknown token, then the registered budget of 3 spent.
        #expect(try await server.call("/api/v1/variants?region=22:16050000-16050700", token: "not-a-token").status == 401)
        for _ in 0..<2 { #expect(try await server.call("/info", token: ServiceFixture.registeredToken).status == 200) }
        #expect(try await server.call("/info", token: ServiceFixture.registeredToken).status == 429)

        let m1 = try await metrics(server)
        #expect(Self.value(m1, "varde_suppressed_total{kind=\"masked_variant\"}") > Self.value(m0, "varde_suppressed_total{kind=\"masked_variant\"}"))
        #expect(Self.value(m1, "varde_suppressed_total{kind=\"withheld_count\"}") > Self.value(m0, "varde_suppressed_total{kind=\"withheld_count\"}"))
        #expect(Self.value(m1, "varde_auth_failures_total") == Self.value(m0, "varde_auth_failures_total") + 1)
        #expect(Self.value(m1, "varde_budget_refusals_total{budget=\"token\"}") == 1)
        #expect(Self.value(m1, "varde_queries_total{route=\"/g_variants\",tier=\"anonymous\"}") == 1)
        #expect(Self.value(m1, "varde_queries_total{route=\"/api/v1/variants\",tier=\"registered\"}") == 1)
        #expect(Self.value(m1, "varde_http_requests_total{route=\"/info\",status=\"429\"}") == 1)
    }

    @Test("JSON log lines: one object a line, the X-Request-Id of the response, the audit line's request id; a client's newline stays inside its field")
    func jsonLogs() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, logLevel: "info", arguments: ["--log-format", "json"])
        let r = try await server.call("/g_variants?referenceName=22&start=16050074&assemblyId=GRCh37&note=a%0A%7B%22level%22%3A%22critical%22%7D")
        let id = try #require(r.headers["x-request-id"])
        #expect(id.count >= 16)
        #expect(server.stop() == 0)
        let lines = try String(contentsOfFile: server.stderrPath, encoding: .utf8).split(separator: "\n")
        #expect(!lines.isEmpty)
        var mine: [JSON] = []
        for line in lines {
            let object = try JSON(parsing: Data(line.utf8))
            #expect(object["level"]?.stringValue != nil && object["time"]?.stringValue != nil && object["message"]?.stringValue != nil, "\(line)")
            #expect(object["level"]?.stringValue != "critical", "a client forged a log line: \(line)")
            if object["request"]?.stringValue == id { mine.append(object) }
        }
        #expect(mine.count == 1 && mine.first?["path"]?.stringValue?.hasPrefix("/g_variants") == true && mine.first?["status"]?.stringValue == "400", "\(mine)")
        let audit = try String(contentsOfFile: server.auditPath, encoding: .utf8).split(separator: "\n").map { try JSON(parsing: Data($0.utf8)) }
        #expect(audit.contains { $0["request"]?.stringValue == id }, "the audit line carries the same request id")
    }

    @Test("behind a proxy: publicURL names the Beacon's URLs; a path without a route still carries X-Request-Id")
    func publicURLAndUnknownPaths() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, config: ["publicURL": "https://beacon.example.org/varde"])
        let map = try await server.call("/map")
        let text = String(decoding: map.body, as: UTF8.self)
        #expect(text.contains("\"https://beacon.example.org/varde/g_variants\"") && !text.contains("127.0.0.1"), "\(text.prefix(400))")
        let missing = try await server.call("/no-such-route")
        #expect(missing.status == 404 && (missing.headers["x-request-id"]?.count ?? 0) >= 16)
    }

    @Test("/ready is 503 'migrating' while the previous release's store waits to migrate, data requests 503 with Retry-After, then ready")
    func readyWhileMigrating() async throws {
        try #require(Shell.has("sqlite3"))
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("old.db").path
        try #require(try Shell.run(["sh", "-c", "gzip -dc '\(Fixtures.path("upgrade/store-0.1.0-e5cbab9.db.gz"))' > '\(store)'"]).status == 0)
        // Another writer holds the store's write lock, so the migration waits for it as it would wait for a long load.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["sqlite3", store]
        let input = Pipe()
        holder.standardInput = input
        holder.standardOutput = FileHandle.nullDevice
        try holder.run()
        input.fileHandleForWriting.write(Data("BEGIN IMMEDIATE;\nSELECT 1;\n".utf8))
        try await Task.sleep(for: .milliseconds(500))

        let server = try await LiveServer(store: store, environment: ["VARDE_PSEUDONYM_KEY": "upgrade-fixture-secret-0123456789"])
        let ready = try await server.call("/ready")
        #expect(ready.status == 503 && ready.json["status"]?.stringValue == "migrating", "\(ready.json)")
        #expect(ready.headers["retry-after"] != nil)
        let data = try await server.call("/g_variants?referenceName=22&start=16050074&assemblyId=GRCh37")
        #expect(data.status == 503 && data.headers["retry-after"] != nil, "\(data.status)")
        #expect(Self.value(try await metrics(server), "varde_ready") == 0)

        input.fileHandleForWriting.write(Data("COMMIT;\n.quit\n".utf8))
        holder.waitUntilExit()
        var status = 0
        for _ in 0..<100 where status != 200 {
            try await Task.sleep(for: .milliseconds(100))
            status = try await server.call("/ready").status
        }
        #expect(status == 200)
        #expect(try await server.call("/g_variants?referenceName=22&start=16050074&referenceBases=A&alternateBases=G&assemblyId=GRCh37").status == 200)
        let ids = try Shell.run(["sqlite3", store, "SELECT id FROM migration"]).stdout.split(separator: "\n")
        #expect(ids.count == Set(ids).count && ids.contains("0009-carrier-allele-depths"))
    }

    @Test("/ready is 503 'restoring' while a restore stages its copy, and the service answers from the restored store after it, without a restart")
    func restoreWhileServing() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let env = ServiceFixture.env
        let store = dir.appendingPathComponent("s.db").path, other = dir.appendingPathComponent("t.db").path
        let backup = dir.appendingPathComponent("t.bak").path
        // The served store has the cohort slice; the backup also has the Mutect2 pair.
        for (s, files) in [(store, [ServiceFixture.vcf]), (other, [ServiceFixture.vcf, Fixtures.path("somatic/mutect2.NA12878.head300.vcf")])] {
            for f in files { #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", s, f], environment: env).status == 0) }
        }
        #expect(try Shell.run([Shell.varde, "backup", "--store", other, "--to", backup], environment: env).status == 0)
        let server = try await LiveServer(store: store, environment: env)
        func batches() async throws -> Double { Self.value(try await metrics(server), "varde_store_loaded_batches_total") }
        func info() async throws -> String {
            let r = try await server.call("/api/v1/variants?region=1:324000-1300000&limit=5", token: ServiceFixture.controlledToken)
            #expect(r.status == 200)
            return String(decoding: r.body, as: UTF8.self)
        }
        #expect(try await batches() == 1)
        let before = try await info()

        // The staging copy is what `varde restore` writes beside the store while it verifies the backup.
        FileManager.default.createFile(atPath: store + ".restoring", contents: Data())
        let during = try await server.call("/ready")
        #expect(during.status == 503 && during.json["status"]?.stringValue == "restoring", "\(during.json)")
        try FileManager.default.removeItem(atPath: store + ".restoring")

        let restored = try Shell.run([Shell.varde, "restore", "--store", store, "--from", backup, "--force"], environment: env)
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(try await server.call("/ready").status == 200)
        try await Task.sleep(for: .seconds(5.5))   // the store's activity is cached for 5 s between scrapes
        #expect(try await batches() == 2, "the service reads the restored file")
        let after = try await info()
        #expect(after != before && after.contains("\"tumours\":1"), "\(after)")
    }
}
