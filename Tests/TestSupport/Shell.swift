public import Foundation

/// Runs external programs (bcftools, the built `varde`) from tests.
public enum Shell {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `arguments[0]` (looked up on PATH) with the rest as arguments; stdin is empty.
    public static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        if let environment { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Result(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Runs `command` with /bin/sh, its output (stdout and stderr) into a temporary file, and waits with waitpid:
    /// for scripts that start daemons (`pg_ctl start` through `runuser`), whose exit Foundation's `Process` was seen
    /// to miss here (`waitUntilExit` never returned, the child left a zombie).
    public static func spawnWaiting(_ command: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("spawn-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        let words: [String] = ["/bin/sh", "-c", "\(command) > '\(log)' 2>&1 < /dev/null"]
        var cargs: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        var env: [UnsafeMutablePointer<CChar>?] = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            .map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in cargs + env { free(p) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/sh", nil, nil, &cargs, &env) == 0 else { throw CocoaError(.executableLoad) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return ((status >> 8) & 0xff, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// Is `tool` on PATH?
    public static func has(_ tool: String) -> Bool {
        (try? run(["sh", "-c", "command -v \(tool)"]).status) == 0
    }
}

extension Shell {
    /// The `varde` executable built beside the test bundle (SwiftPM builds it for the CLI tests).
    public static var varde: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("varde")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside.path }
        for config in ["debug", "release"] {
            let p = Fixtures.root.appendingPathComponent(".build/\(config)/varde").path
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return "varde"
    }

    /// Runs the built `varde` with `arguments`.
    public static func varde(_ arguments: [String]) throws -> Result {
        try run([varde] + arguments)
    }
}
