import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport
import VardeService

@Suite("varde serve: configuration file, environment overrides, the running command")
struct ServeCommandTests {
    @Test("the configuration file sets keys, the environment overrides them, unknown keys and bad values are refused")
    func configuration() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("serve.json").path
        try #"{"minimumCount": 10, "beaconId": "dk.test", "maxPageSize": 50}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let c = try ServiceConfiguration.load(path: file, environment: ["VARDE_SERVE_MINIMUM_COUNT": "7"])
        #expect(c.minimumCount == 7)
        #expect(c.beaconId == "dk.test")
        #expect(c.maxPageSize == 50)
        #expect(c.minimumCohortSize == ServiceConfiguration().minimumCohortSize)
        #expect(ServiceConfiguration.environmentNames["requestsPerAddressPerWindow"] == "VARDE_SERVE_REQUESTS_PER_ADDRESS_PER_WINDOW")

        try #"{"minimumCuont": 10}"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect { try ServiceConfiguration.load(path: file, environment: [:]) } throws: { "\($0)".contains("unknown key 'minimumCuont'") }
        #expect { try ServiceConfiguration.load(path: nil, environment: ["VARDE_SERVE_MINIMUM_COUNT": "five"]) } throws: { "\($0)".contains("not a whole number") }
        #expect { try ServiceConfiguration.load(path: nil, environment: ["VARDE_SERVE_ENVIRONMENT": "live"]) } throws: { "\($0)".contains("environment") }
    }

    @Test("tokens are read from a file of SHA-256 digests; a token in clear text or a bad role is refused")
    func tokensFile() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tokens.json").path
        let digest = TokenStore.digest("s3cret-token")
        try #"[{"name": "alice", "sha256": "\#(digest)", "role": "controlled"}]"#.write(toFile: file, atomically: true, encoding: .utf8)
        let tokens = try TokenStore(path: file)
        #expect(tokens.principal(forToken: "s3cret-token") == Principal(name: "alice", tier: .controlled))
        #expect(tokens.principal(forToken: digest) == nil)  // the digest itself is not a token
        #expect(tokens.principal(forToken: "s3cret-token ") == nil)
        try #"[{"name": "bob", "sha256": "s3cret-token", "role": "registered"}]"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try TokenStore(path: file) }
        try #"[{"name": "bob", "sha256": "\#(digest)", "role": "admin"}]"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: (any Error).self) { try TokenStore(path: file) }
    }

    @Test("varde serve starts from a config file, answers on loopback, logs to stderr only, and stops on SIGTERM")
    func runningCommand() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("serve.json").path
        let audit = dir.appendingPathComponent("audit.jsonl").path
        try #"{"beaconId": "dk.cli.test", "auditLog": "\#(audit)"}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let port = Int.random(in: 20_000..<40_000)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Shell.varde)
        p.arguments = ["serve", "--store", ServiceFixture.store, "--config", config, "--port", String(port)]
        p.environment = ProcessInfo.processInfo.environment.merging(["VARDE_SERVE_BEACON_NAME": "From the environment"]) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        var info: Data?
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            if let (data, response) = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/info")!),
               (response as? HTTPURLResponse)?.statusCode == 200 { info = data; break }
        }
        let body = try JSON(parsing: try #require(info))
        #expect(body["response"]?["id"] == "dk.cli.test")
        #expect(body["response"]?["name"] == "From the environment")
        p.terminate()  // SIGTERM
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(stdout.isEmpty)
        #expect(stderr.contains("path=/info") && stderr.contains("status=200"))
        #expect(try String(contentsOfFile: audit, encoding: .utf8).contains("\"path\":\"/info\""))
    }
}
