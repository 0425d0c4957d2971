import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import VardeService

/// A real `varde serve` process on a loopback port (the built executable), for reproductions an attacker would
/// send over the network: the tests check each answer and that the process is still running afterwards.
final class LiveServer: @unchecked Sendable {
    let port: Int
    let directory: URL
    let stderrPath: String

    struct Reply {
        var status: Int
        var body: Data
        var headers: [String: String]
        var json: JSON { (try? JSON(parsing: body)) ?? .null }
    }

    /// Starts `varde serve` over `store` with `config` (JSON object text) and the fixture's two tokens; the service
    /// log (stderr, at `logLevel`) goes to `stderrPath`.
    init(store: String, config: [String: JSON] = [:], environment: [String: String] = [:], logLevel: String = "warning",
         arguments: [String] = []) async throws {
        directory = try Fixtures.temporaryDirectory()
        let tokens = directory.appendingPathComponent("tokens.json").path
        try JSON.array([
            ["name": "reg-user", "sha256": .string(TokenStore.digest(ServiceFixture.registeredToken)), "role": "registered"],
            ["name": "ctl-user", "sha256": .string(TokenStore.digest(ServiceFixture.controlledToken)), "role": "controlled"],
        ]).encoded().write(to: URL(fileURLWithPath: tokens))
        var settings: [String: JSON] = ["tokensFile": .string(tokens), "auditLog": .string(directory.appendingPathComponent("audit.jsonl").path),
                                        "minimumCohortSize": 20, "requestsPerAddressPerWindow": 1_000_000, "requestsPerTokenPerWindow": 1_000_000]
        for (k, v) in config { settings[k] = v }
        let configPath = directory.appendingPathComponent("serve.json").path
        try JSON.object(settings).encoded().write(to: URL(fileURLWithPath: configPath))
        stderrPath = directory.appendingPathComponent("stderr.log").path
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        var started = false
        var port = 0
        for _ in 0..<5 where !started {
            port = Int.random(in: 20_000..<60_000)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Shell.varde)
            p.arguments = ["serve", "--store", store, "--config", configPath, "--port", String(port), "--log-level", logLevel] + arguments
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle(forWritingAtPath: stderrPath)
            try p.run()
            for _ in 0..<150 {
                try await Task.sleep(for: .milliseconds(100))
                if !p.isRunning { break }
                if let r = try? await Self.fetch(port: port, "/health"), r.status == 200 { started = true; break }
            }
            if started { processHandle = p } else if p.isRunning { p.terminate(); p.waitUntilExit() }
        }
        self.port = port
        guard started else { throw ServiceError("varde serve did not start: \(try String(contentsOfFile: stderrPath, encoding: .utf8))") }
    }

    private var processHandle: Process?
    var running: Bool { processHandle?.isRunning ?? false }
    var exitStatus: Int32? { processHandle.flatMap { $0.isRunning ? nil : $0.terminationStatus } }
    var auditPath: String { directory.appendingPathComponent("audit.jsonl").path }

    /// GET (or another method) of an already percent-encoded path and query.
    func call(_ pathAndQuery: String, token: String? = nil, method: String = "GET", body: Data? = nil, headers: [String: String] = [:]) async throws -> Reply {
        try await Self.fetch(port: port, pathAndQuery, token: token, method: method, body: body, headers: headers)
    }

    static func fetch(port: Int, _ pathAndQuery: String, token: String? = nil, method: String = "GET", body: Data? = nil,
                      headers: [String: String] = [:]) async throws -> Reply {
        guard let url = URL(string: "http://127.0.0.1:\(port)\(pathAndQuery)") else { throw ServiceError("not a URL: \(pathAndQuery)") }
        var r = URLRequest(url: url)
        r.httpMethod = method
        r.httpBody = body
        r.timeoutInterval = 30
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (k, v) in headers { r.setValue(v, forHTTPHeaderField: k) }
        let (data, response) = try await URLSession.shared.data(for: r)
        let http = response as? HTTPURLResponse
        var h: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { h[String(describing: k).lowercased()] = String(describing: v) }
        return Reply(status: http?.statusCode ?? 0, body: data, headers: h)
    }

    /// SIGTERM, then the exit status.
    func stop() -> Int32 {
        guard let p = processHandle else { return -1 }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        return p.terminationStatus
    }

    deinit {
        if let p = processHandle, p.isRunning { p.terminate(); p.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// `s` percent-encoded for a query value (everything but unreserved characters).
func encoded(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}
