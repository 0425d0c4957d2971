import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport
import VardeService

/// Issue 20, budget bypass: a client that writes forwarding headers, holds several tokens of one owner, or opens many
/// connections at once gets no more answers than its budget, against a real `varde serve` on loopback.
@Suite("issue 20: budgets cannot be bypassed (live server)", .serialized)
struct BudgetBypassTests {
    @Test("forwarding headers a client writes change nothing: X-Forwarded-For, X-Real-IP, Forwarded, True-Client-IP")
    func spoofedHeaders() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, config: ["requestsPerAddressPerWindow": 5, "budgetWindowSeconds": 86_400])
        var statuses: [Int] = []
        for i in 0..<12 {
            let spoof = "198.51.100.\(i + 1)"
            statuses.append(try await server.call("/info", headers: ["X-Forwarded-For": spoof, "X-Real-IP": spoof, "Forwarded": "for=\(spoof)",
                                                                     "True-Client-IP": spoof, "X-Client-IP": spoof]).status)
        }
        #expect(statuses == Array(repeating: 200, count: 5) + Array(repeating: 429, count: 7))
        #expect(server.stop() == 0)
    }

    @Test("behind a proxy named in trustedProxies each forwarded client has its own budget, and prepending an address does not escape it")
    func trustedProxy() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, config: [
            "requestsPerAddressPerWindow": 3, "budgetWindowSeconds": 86_400, "trustedProxies": ["127.0.0.1", "::1"],
        ])
        func status(_ xff: String?) async throws -> Int {
            try await server.call("/info", headers: xff.map { ["X-Forwarded-For": $0] } ?? [:]).status
        }
        var a: [Int] = []
        for _ in 0..<4 { a.append(try await status("203.0.113.1")) }
        #expect(a == [200, 200, 200, 429])
        // Another client behind the same proxy is not held up by the first.
        #expect(try await status("203.0.113.2") == 200)
        // The first client writing a fresh address to the left: nginx appends the real one, which is what counts.
        #expect(try await status("192.0.2.77, 203.0.113.1") == 429)
        // A chain through a second trusted proxy: the rightmost untrusted hop is the client.
        #expect(try await status("203.0.113.3, 127.0.0.1") == 200)
        #expect(server.stop() == 0)
        // The audit log names the forwarded clients, never the proxy and never a client-written hop.
        let lines = try String(contentsOfFile: server.auditPath, encoding: .utf8).split(separator: "\n")
        let clients = Set(lines.compactMap { try? JSON(parsing: Data($0.utf8)) }.compactMap { $0["client"]?.stringValue })
        #expect(clients == ["203.0.113.1", "203.0.113.2", "203.0.113.3"], "\(clients)")
    }

    @Test("several tokens of one owner spend one budget; another owner's token is unaffected")
    func tokensOfOneOwner() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokens = ["lab-a-1", "lab-a-2", "lab-a-3", "lab-b-1"].map { $0 + "-0123456789" }
        let file = dir.appendingPathComponent("tokens.json").path
        try JSON.array(tokens.map { t in
            ["name": .string(String(t.prefix(7))), "sha256": .string(TokenStore.digest(t)), "role": "registered",
             "owner": .string(t.hasPrefix("lab-a") ? "lab-a" : "lab-b")]
        }).encoded().write(to: URL(fileURLWithPath: file))
        let server = try await LiveServer(store: ServiceFixture.store, config: ["tokensFile": .string(file), "requestsPerTokenPerWindow": 4,
                                                                               "budgetWindowSeconds": 86_400])
        var statuses: [Int] = []
        for i in 0..<6 { statuses.append(try await server.call("/info", token: tokens[i % 3]).status) }
        #expect(statuses == [200, 200, 200, 200, 429, 429])
        #expect(try await server.call("/info", token: tokens[3]).status == 200)
        #expect(server.stop() == 0)
    }

    @Test("40 requests at once over parallel connections: exactly the budget of them are answered")
    func parallelConnections() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, config: ["requestsPerAddressPerWindow": 10, "budgetWindowSeconds": 86_400])
        let port = server.port
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<40 {
                group.addTask {
                    // An ephemeral session each: a connection of its own, not one pooled keep-alive connection.
                    let session = URLSession(configuration: .ephemeral)
                    defer { session.finishTasksAndInvalidate() }
                    let url = URL(string: "http://127.0.0.1:\(port)/g_variants?referenceName=22&start=\(16050000 + i)&end=\(16052000 + i)")!
                    let (_, response) = try await session.data(from: url)
                    return (response as? HTTPURLResponse)?.statusCode ?? 0
                }
            }
            var out: [Int] = []
            for try await s in group { out.append(s) }
            return out
        }
        #expect(statuses.filter { $0 == 200 }.count == 10, "\(statuses)")
        #expect(statuses.filter { $0 == 429 }.count == 30, "\(statuses)")
        #expect(server.stop() == 0)
    }
}
