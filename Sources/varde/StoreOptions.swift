import ArgumentParser
import Foundation
import VariantStore
import StoreFactory

/// `--store PATH|URL`, defaulting to `$VARDE_STORE`.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The variant store: an SQLite file path, or postgres://USER:PASSWORD@HOST:PORT/DATABASE[?schema=NAME]. Default: $VARDE_STORE.",
                                            valueName: "path-or-url"))
    var store: String?

    var path: String {
        get throws {
            if let store { return store }
            if let env = ProcessInfo.processInfo.environment["VARDE_STORE"], !env.isEmpty { return env }
            throw ValidationError("name the store with --store PATH or set VARDE_STORE")
        }
    }

    /// The store, through the one factory (a path: SQLite; a postgres:// URL: PostgreSQL), saying on stderr when another process's write keeps it waiting.
    func open() throws -> AnyVariantStore {
        try StoreFactory.open(try path, onWait: { notice in
            FileHandle.standardError.write(Data("varde: \(notice)…\n".utf8))
        })
    }
}

/// Prints a library error plainly on stderr and exits 1 (bad input), never a stack trace.
func failing<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        FileHandle.standardError.write(Data("varde: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// Writes `bytes` to standard output (fd 1) whole, retrying short writes; a closed pipe (`| head`) ends quietly.
func writeStandardOutput(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { buf in
        var offset = 0
        while offset < buf.count {
            let n = write(1, buf.baseAddress! + offset, buf.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EPIPE { throw ExitCode(0) }
                throw ExitCode(1)
            }
            offset += n
        }
    }
}
