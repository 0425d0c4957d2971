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
