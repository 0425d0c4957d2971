import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
import VardeService
import VariantStoreSQLite

/// Issue 21 findings 3, 4, 6 and 7, each reproduced against a real `varde serve` on loopback.
@Suite("issue 21 findings 3, 4, 6, 7: budgets, permissions, audit, the low findings (live server)", .serialized)
struct HardeningTests {
    static let range = "referenceName=22&start=16050000&end=16052000"

    @Test("finding 3: wrong tokens spend the address's budgets; 401/429 floods do not flood the audit log or /metrics")
    func tokenGuessing() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, config: ["authFailuresPerAddressPerWindow": 5, "budgetWindowSeconds": 600])
        var statuses: [Int] = []
        for i in 0..<8 { statuses.append(try await server.call("/info", token: "guess-\(i)").status) }
        #expect(statuses == [401, 401, 401, 401, 401, 429, 429, 429])
        // Once the address has failed too often, even the right token waits: guessing cannot continue.
        let right = try await server.call("/info", token: ServiceFixture.registeredToken)
        #expect(right.status == 429)
        #expect(Int(right.headers["retry-after"] ?? "") ?? 0 >= 1)
        // Anonymous requests (no token) still work.
        #expect(try await server.call("/info").status == 200)
        // 300 requests with new first path segments and bad tokens, as the review sent.
        let auditBefore = (try? FileManager.default.attributesOfItem(atPath: server.auditPath)[.size] as? Int) ?? 0
        let metricsBefore = try await server.call("/metrics").body.count
        for i in 0..<300 { _ = try await server.call("/probe-\(i)-\(String(repeating: "x", count: 150))", token: "bad-\(i)") }
        let auditAfter = (try FileManager.default.attributesOfItem(atPath: server.auditPath)[.size] as? Int) ?? 0
        let metrics = String(decoding: try await server.call("/metrics").body, as: UTF8.self)
        #expect(auditAfter - auditBefore < 20_000, "audit grew by \(auditAfter - auditBefore) bytes")
        #expect(metrics.utf8.count < metricsBefore + 4_000, "metrics grew from \(metricsBefore) to \(metrics.utf8.count) bytes")
        #expect(!metrics.contains("probe-"))
        #expect(metrics.contains("route=\"other\""))
        _ = server.stop()

        // The address budget counts requests with a wrong token as well.
        let small = try await LiveServer(store: ServiceFixture.store, config: ["requestsPerAddressPerWindow": 4, "authFailuresPerAddressPerWindow": 100])
        for _ in 0..<4 { #expect(try await small.call("/info", token: "wrong").status == 401) }
        #expect(try await small.call("/info").status == 429)
        _ = small.stop()
    }

    @Test("finding 4: the audit log is created owner-only, and the store's WAL and shared memory are owner-only while serving")
    func ownerOnlyFiles() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("copy.db").path
        umask(0o022)
        _ = try SQLiteVariantStore(path: store)  // a new store: created 0600 by the store itself
        try FileManager.default.removeItem(atPath: store)
        try FileManager.default.copyItem(atPath: ServiceFixture.store, toPath: store)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: store)
        let server = try await LiveServer(store: store)
        _ = try await server.call("/g_variants?\(Self.range)")
        func mode(_ p: String) -> Int? { (try? FileManager.default.attributesOfItem(atPath: p)[.posixPermissions]) as? Int }
        #expect(mode(server.auditPath) == 0o600)
        #expect(mode(store + "-wal") == 0o600)
        #expect(mode(store + "-shm") == 0o600)
        _ = server.stop()
        let fresh = dir.appendingPathComponent("fresh.db").path
        _ = try SQLiteVariantStore(path: fresh)
        #expect(mode(fresh) == 0o600)
    }

    @Test("finding 6: a POST is audited with its parameters and filters; controlled answers log carriers and sample IDs sent")
    func auditContents() async throws {
        let server = try await LiveServer(store: ServiceFixture.store)
        let body = #"{"meta":{"apiVersion":"v2.1.1"},"query":{"requestParameters":{"referenceName":"22","start":[16050000],"end":[16052000]},"filters":[{"id":"cohort:first30"}],"requestedGranularity":"count"}}"#
        #expect(try await server.call("/g_variants", token: ServiceFixture.registeredToken, method: "POST", body: Data(body.utf8)).status == 200)
        let record = try await server.call("/g_variants?\(Self.range)&requestedGranularity=record&limit=5", token: ServiceFixture.controlledToken)
        #expect(record.status == 200)
        let carriers = (record.json["response"]?["resultSets"]?.arrayValue ?? []).flatMap { $0["results"]?.arrayValue ?? [] }
            .flatMap { $0["caseLevelData"]?.arrayValue ?? [] }
        let ids = Set(carriers.compactMap { $0["biosampleId"]?.stringValue })
        #expect(!carriers.isEmpty)
        _ = server.stop()
        let lines = try String(contentsOfFile: server.auditPath, encoding: .utf8).split(separator: "\n").map { try JSON(parsing: Data($0.utf8)) }
        let post = try #require(lines.first { $0["method"] == "POST" })
        #expect(post["parameters"]?["referenceName"] == "22")
        #expect(post["parameters"]?["start"] == [16050000])
        #expect(post["parameters"]?["filters"] == "cohort:first30")
        #expect(post["parameters"]?["requestedGranularity"] == "count")
        let controlled = try #require(lines.first { $0["who"] == "ctl-user" })
        #expect(controlled["carriersDisclosed"]?.intValue == carriers.count)
        #expect(controlled["sampleIDsDisclosed"]?.intValue == ids.count)
        let text = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        #expect(!ids.contains { text.contains($0) })
    }

    @Test("finding 7: paths, tokens in URLs, wildcards and NUL, hidden cohorts, 413, /ready, Cache-Control")
    func lowFindings() async throws {
        let server = try await LiveServer(store: ServiceFixture.store)
        let reg = ServiceFixture.registeredToken, ctl = ServiceFixture.controlledToken
        // A cohort made with --from FILE: anonymous and registered callers never see the path.
        for token in [nil, reg] {
            let d = try await server.call("/datasets", token: token)
            let first30 = d.json["response"]?["collections"]?.arrayValue?.first { $0["id"] == "first30" }
            let description = try #require(first30?["description"]?.stringValue)
            #expect(!description.contains("/") && !description.contains("first30.txt"), "\(description)")
        }
        let ctlDescription = try await server.call("/datasets", token: ctl).json["response"]?["collections"]?.arrayValue?
            .first { $0["id"] == "first30" }?["description"]?.stringValue
        #expect(ctlDescription?.contains("first30.txt") == true)
        // A token in the query string is refused, and its value is logged nowhere.
        let secret = "leaked-token-0123456789"
        for uri in ["/info?token=\(secret)", "/g_variants?\(Self.range)&access_token=\(secret)", "/api/v1/variants?region=22:1-2&api_key=\(secret)"] {
            let r = try await server.call(uri)
            #expect(r.status == 400, "\(uri)")
            #expect(r.json["error"]?["errorMessage"]?.stringValue?.contains("Authorization") == true)
        }
        // SQL LIKE wildcards and a NUL are not accepted as values.
        for uri in ["/individuals?filters=ICD10:%25", "/individuals?filters=ICD10:C_", "/individuals?filters=ICD10:C%25",
                    "/api/v1/frequencies?region=22:16050000-16052000&cohort=first30%00x",
                    "/g_variants?\(Self.range)&filters=cohort:first30%00x"] {
            let r = try await server.call(uri, token: reg)
            #expect(r.status == 400, "\(uri): \(r.status)")
        }
        // Hidden cohorts answer exactly as missing ones.
        let hidden = try await server.call("/api/v1/frequencies?region=22:16050000-16052000&cohort=tiny", token: reg)
        let missing = try await server.call("/api/v1/frequencies?region=22:16050000-16052000&cohort=nosuch", token: reg)
        #expect(hidden.status == missing.status)
        #expect(hidden.json["error"]?["errorMessage"]?.stringValue?.replacingOccurrences(of: "tiny", with: "X")
                == missing.json["error"]?["errorMessage"]?.stringValue?.replacingOccurrences(of: "nosuch", with: "X"))
        for (a, b) in [("/g_variants?\(Self.range)&filters=cohort:tiny", "/g_variants?\(Self.range)&filters=cohort:nosuch"),
                       ("/datasets/tiny/g_variants?\(Self.range)", "/datasets/nosuch/g_variants?\(Self.range)")] {
            let x = try await server.call(a, token: reg), y = try await server.call(b, token: reg)
            #expect(x.status == y.status, "\(a) \(x.status) vs \(b) \(y.status)")
        }
        // An oversized body is 413, not 500.
        let big = try await server.call("/g_variants", method: "POST", body: Data(repeating: UInt8(ascii: " "), count: 2 << 20))
        #expect(big.status == 413)
        // Controlled (and every) answer says no-store.
        let record = try await server.call("/g_variants?\(Self.range)&requestedGranularity=record", token: ctl)
        #expect(record.headers["cache-control"] == "no-store")
        #expect(server.running)
        _ = server.stop()
        let logged = try String(contentsOfFile: server.stderrPath, encoding: .utf8) + String(contentsOfFile: server.auditPath, encoding: .utf8)
        #expect(!logged.contains(secret))
    }

    @Test("finding 7: /ready never shows raw store errors")
    func readyWithoutRawErrors() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("copy.db").path
        try FileManager.default.copyItem(atPath: ServiceFixture.store, toPath: store)
        let server = try await LiveServer(store: store)
        #expect(try await server.call("/ready").status == 200)
        // Break the store under the running service (another connection drops a table /ready reads).
        let broken = try Shell.run(["sqlite3", store, "DROP TABLE contig"])
        try #require(broken.status == 0, "\(broken.stderr)")
        let r = try await server.call("/ready")
        #expect(r.status == 503, "\(String(decoding: r.body, as: UTF8.self))")
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(!text.contains("SQLite") && !text.contains(store) && !text.contains("database"), "\(text)")
        _ = server.stop()
    }

    @Test("finding 7: a client that trickles its headers is disconnected after headerTimeoutSeconds")
    func headerTimeout() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, config: ["headerTimeoutSeconds": 2, "idleTimeoutSeconds": 30])
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(server.port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        try #require(connected == 0)
        let start = ContinuousClock.now
        var closedAfter: Duration?
        let head = Array("GET /info HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8)
        _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(500))
            var byte: UInt8 = UInt8(ascii: "a")
            if send(fd, &byte, 1, Int32(MSG_NOSIGNAL)) < 0 { closedAfter = ContinuousClock.now - start; break }
            var probe = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&probe, 1, 0) > 0, probe.revents & Int16(POLLIN | POLLHUP) != 0 {
                var buffer = [UInt8](repeating: 0, count: 64)
                if recv(fd, &buffer, 64, 0) <= 0 { closedAfter = ContinuousClock.now - start; break }
            }
        }
        let after = try #require(closedAfter, "the server kept a trickling connection open for 10 s")
        // 2 s deadline; the upper bound leaves room for a loaded CI machine.
        #expect(after >= .milliseconds(1500) && after < .seconds(9))
        #expect(try await server.call("/health").status == 200)
        _ = server.stop()
    }
}
