import Foundation
import Testing
import TestSupport

/// Every file of the real-world corpus through `varde check`: read or rejected with a clear error, never a
/// crash, hang or runaway memory. Runs when `VARDE_CORPUS` names one or more folders (colon-separated);
/// `.ci/run` points it at `../shared/vcf-testdata` and Debian's `htslib-test` files.
@Suite("Corpus robustness", .serialized)
struct CorpusTests {
    static let folders: [String] = (Fixtures.corpus ?? "").split(separator: ":").map(String.init)

    static func files() -> [String] {
        var out: [String] = []
        for folder in folders {
            guard let e = FileManager.default.enumerator(atPath: folder) else { continue }
            for case let rel as String in e {
                let p = folder + "/" + rel
                var isDir: ObjCBool = false
                if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue { out.append(p) }
            }
        }
        return out.sorted()
    }

    @Test("every corpus file is read or rejected cleanly", .enabled(if: !folders.isEmpty))
    func corpus() async throws {
        let files = Self.files()
        #expect(files.count > 100, "VARDE_CORPUS has only \(files.count) files")
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/time"), "apt-get install time")
        // Two files at a time, each under a 120 s timeout and with its peak RSS measured.
        let results = try await withThrowingTaskGroup(of: (String, Shell.Result).self) { group in
            var iterator = files.makeIterator()
            var results: [(String, Shell.Result)] = []
            for _ in 0..<2 {
                if let f = iterator.next() { group.addTask { (f, try Self.check(f)) } }
            }
            while let r = try await group.next() {
                results.append(r)
                if let f = iterator.next() { group.addTask { (f, try Self.check(f)) } }
            }
            return results
        }
        var loadable = 0, rejected = 0, maxRSS = 0
        for (file, r) in results {
            let rss = Int(r.stderr.split(separator: "\n").last { $0.hasPrefix("RSS=") }?.dropFirst(4) ?? "") ?? -1
            maxRSS = max(maxRSS, rss)
            switch r.status {
            case 0: loadable += 1
            case 1:
                rejected += 1
                #expect(r.stdout.contains("Fix: ") || r.stdout.contains("error: "), "\(file): rejected without a message")
            case 124: Issue.record("\(file): hung (no answer within 120 s)")
            default: Issue.record("\(file): exit \(r.status) (crash?)\n\(r.stderr.suffix(2000))")
            }
            #expect(!r.stderr.contains("Fatal error"), "\(file): \(r.stderr.suffix(500))")
            #expect(rss < 1_000_000, "\(file): peak RSS \(rss) KiB")
        }
        print("corpus: \(files.count) files, \(loadable) loadable, \(rejected) rejected with a message, max RSS \(maxRSS) KiB")
        #expect(loadable + rejected == files.count)
    }

    static func check(_ file: String) throws -> Shell.Result {
        try Shell.run(["timeout", "120", "/usr/bin/time", "-f", "RSS=%M", Shell.varde, "check", "--quiet", "--threads", "1",
                       "--list-limit", "3", file])
    }
}
