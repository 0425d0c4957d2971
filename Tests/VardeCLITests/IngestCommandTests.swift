import Foundation
import Testing
import TestSupport

/// One genome per file, as a lab delivers them: folders, several loaders at once, compaction, kills.
@Suite("varde load of many files, concurrent writers, varde compact")
struct IngestCommandTests {
    static let env = ["VARDE_PSEUDONYM_KEY": "cli-test-secret-0123456789abcdef"]
    static let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")

    /// `count` single-sample VCFs of 1000 Genomes samples (non-hom-ref sites) in `dir`.
    static func singles(_ count: Int, in dir: URL) throws -> [String] {
        let all = try Shell.run(["bcftools", "query", "-l", cohort]).stdout.split(separator: "\n").map(String.init)
        var script = "set -e\n"
        var files: [String] = []
        for n in all.prefix(count) {
            let out = dir.appendingPathComponent("\(n).vcf.gz").path
            script += "bcftools view -s \(n) '\(cohort)' -Ou | bcftools view -e 'GT=\"RR\"' -Oz -o '\(out)' &\n"
            files.append(out)
            if files.count % 16 == 0 { script += "wait\n" }
        }
        script += "wait\n"
        let r = try Shell.run(["bash", "-c", script])
        guard r.status == 0 else { throw IngestFailure(message: r.stderr) }
        return files
    }

    /// Starts one `varde load --no-compact` per file at the same moment, and waits for them all.
    static func loadAtOnce(_ files: [String], into store: String) throws -> [(status: Int32, stderr: String)] {
        var processes: [(Process, Pipe)] = []
        for f in files {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Shell.varde)
            p.arguments = ["load", "--store", store, "--quiet", "--no-compact", f]
            p.environment = Self.env
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            processes.append((p, err))
        }
        for (p, _) in processes { try p.run() }
        return processes.map { p, err in
            let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            return (p.terminationStatus, text)
        }
    }

    /// A cohort query's TSV over the whole slice, with a cohort of every third sample.
    static func answers(_ store: String, dir: URL) throws -> String {
        let samples = try Shell.run([Shell.varde, "samples", "--store", store]).stdout.split(separator: "\n").dropFirst()
            .map { String($0.split(separator: "\t")[0]) }.sorted()
        let cohort = dir.appendingPathComponent("cohort-\(UUID().uuidString).txt")
        try samples.enumerated().filter { $0.offset % 3 == 0 }.map(\.element).joined(separator: "\n").write(to: cohort, atomically: true, encoding: .utf8)
        let q = try Shell.run([Shell.varde, "query", "--store", store, "--region", "22", "--cohort", cohort.path])
        guard q.status == 0 else { throw IngestFailure(message: q.stderr) }
        let g = try Shell.run([Shell.varde, "query", "--store", store, "--region", "22:16050000-16052000", "--cohort", cohort.path,
                               "--format", "vcf", "--genotypes"])
        return q.stdout + g.stdout.split(separator: "\n").filter { !$0.hasPrefix("##") }.joined(separator: "\n")
    }

    @Test("20 loads started at once on a new store path: 20 batches, no failure, no SQLite text, aggregates verified")
    func concurrentLoadsOnNewStore() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Self.singles(20, in: dir)
        let store = dir.appendingPathComponent("new.db").path
        let runs = try Self.loadAtOnce(files, into: store)
        for r in runs { #expect(!r.stderr.contains("SQLite") && !r.stderr.contains("sqlite"), "\(r.stderr)") }
        #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
        let stats = try Shell.run([Shell.varde, "stats", "--store", store, "--verify"])
        #expect(stats.stdout.contains("batches\t20\n"))
        #expect(stats.stdout.contains("aggregates_verified\tok"))
        let migrations = try Shell.run(["sqlite3", store, "SELECT count(*), count(DISTINCT id) FROM migration"])
        let counts = migrations.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|")
        #expect(counts.count == 2 && counts[0] == counts[1])
    }

    @Test("20 loads started at once on a new PostgreSQL store: 20 batches, migrations once, answers equal SQLite's serial loads")
    func concurrentLoadsOnPostgres() async throws {
        guard let server = TestPostgres.url else { return }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Self.singles(20, in: dir)
        let store = TestPostgres.freshStore(server, prefix: "ingest")
        let runs = try Self.loadAtOnce(files, into: store)
        #expect(runs.allSatisfy { $0.status == 0 }, "\(runs.map(\.stderr))")
        let stats = try Shell.run([Shell.varde, "stats", "--store", store, "--verify"])
        #expect(stats.stdout.contains("batches\t20\n"), "\(stats.stdout)\(stats.stderr)")
        #expect(stats.stdout.contains("aggregates_verified\tok"))
        // The same files one after another into SQLite answer the same (the batches' order differs; the answers do not).
        let sqlite = dir.appendingPathComponent("serial.db").path
        for f in files {
            let r = try Shell.run([Shell.varde, "load", "--store", sqlite, "--quiet", "--no-compact", f], environment: Self.env)
            #expect(r.status == 0, "\(r.stderr)")
        }
        let region = { (s: String) in try Shell.run([Shell.varde, "query", "--store", s, "--region", "22"]).stdout }
        #expect(try region(store) == region(sqlite))
        #expect(try region(store).split(separator: "\n").count > 20)
        let schema = String(store.split(separator: "=").last ?? "")
        let migrations = try Shell.run(["psql", server, "-tAc", "SELECT count(*), count(DISTINCT id) FROM \(schema).migration"])
        let counts = migrations.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|")
        #expect(counts.count == 2 && counts[0] == counts[1] && counts[0] == "9", "\(migrations.stdout)\(migrations.stderr)")
    }

    @Test("a folder loads one batch per file with a table of every file on stdout; compaction then changes no answer")
    func folderThenCompact() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("vcfs", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = try Self.singles(30, in: folder)
        let store = dir.appendingPathComponent("s.db").path
        let load = try Shell.run([Shell.varde, "load", "--store", store, "--no-compact", "--jobs", "2", folder.path], environment: Self.env)
        #expect(load.status == 0, "\(load.stderr)")
        let rows = load.stdout.split(separator: "\n").map(String.init)
        #expect(rows.first == "#FILE\tSTATUS\tBATCH\tSAMPLES\tRECORDS\tSECONDS\tMESSAGE")
        #expect(rows.count == files.count + 1)
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: "\t")[1] == "loaded" })
        #expect(load.stderr.contains("30 file(s) loaded, 0 skipped, 0 failed"))
        let before = try Self.answers(store, dir: dir)
        let compact = try Shell.run([Shell.varde, "compact", "--store", store])
        #expect(compact.status == 0, "\(compact.stderr)")
        #expect(compact.stdout.contains("batches_merged\t30\n"))
        #expect(try Self.answers(store, dir: dir) == before)
        #expect(try Shell.run([Shell.varde, "stats", "--store", store, "--verify"]).stdout.contains("aggregates_verified\tok"))
    }

    @Test("a compaction killed with SIGKILL at any moment leaves a store that opens, verifies and answers as before",
          arguments: [0.1, 0.3, 0.6, 0.9])
    func killedCompaction(atFraction fraction: Double) async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Self.singles(120, in: dir)
        let store = dir.appendingPathComponent("s.db").path
        let list = dir.appendingPathComponent("files.txt")
        try files.joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        let load = try Shell.run([Shell.varde, "load", "--store", store, "--no-compact", "--quiet", "--files-from", list.path], environment: Self.env)
        try #require(load.status == 0, "\(load.stderr)")
        let before = try Self.answers(store, dir: dir)
        // How long a whole compaction of this store takes here, on a copy: the kill lands at `fraction` of it.
        let copy = dir.appendingPathComponent("copy.db").path
        try FileManager.default.copyItem(atPath: store, toPath: copy)
        let started = ContinuousClock.now
        try #require(try Shell.run([Shell.varde, "compact", "--store", copy, "--quiet"]).status == 0)
        let duration = ContinuousClock.now - started
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        try #require(try Shell.run([Shell.varde, "stats", "--store", copy]).stdout.contains("batches\t120\n"))

        let p = Process()
        p.executableURL = URL(fileURLWithPath: Shell.varde)
        p.arguments = ["compact", "--store", store, "--quiet"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        try await Task.sleep(for: .seconds(seconds * fraction))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()

        let stats = try Shell.run([Shell.varde, "stats", "--store", store, "--verify"])
        #expect(stats.status == 0, "\(stats.stderr)")
        #expect(stats.stdout.contains("aggregates_verified\tok"))
        #expect(try Self.answers(store, dir: dir) == before)
        let integrity = try Shell.run(["sqlite3", store, "PRAGMA integrity_check"])
        #expect(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
        // Whether or not it had committed, a compaction run now leaves the same answers.
        _ = try Shell.run([Shell.varde, "compact", "--store", store, "--quiet"])
        #expect(try Self.answers(store, dir: dir) == before)
    }

    @Test("a load waits for a running compaction (and says so), never fails because of it")
    func loadWaitsForCompaction() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Self.singles(41, in: dir)
        let store = dir.appendingPathComponent("s.db").path
        let list = dir.appendingPathComponent("files.txt")
        try files.dropLast().joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        try #require(try Shell.run([Shell.varde, "load", "--store", store, "--no-compact", "--quiet", "--files-from", list.path],
                                   environment: Self.env).status == 0)
        // Hold the write lock from another connection for two seconds, as a long compaction would.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", "import sqlite3,time; c=sqlite3.connect('\(store)', isolation_level=None); c.execute('BEGIN IMMEDIATE'); print('locked', flush=True); time.sleep(2.5); c.execute('COMMIT')"]
        let out = Pipe()
        holder.standardOutput = out
        try holder.run()
        _ = out.fileHandleForReading.availableData   // "locked"
        let load = try Shell.run([Shell.varde, "load", "--store", store, "--no-compact", files.last!], environment: Self.env)
        holder.waitUntilExit()
        #expect(load.status == 0, "\(load.stderr)")
        #expect(load.stderr.contains("waiting for another process"))
        #expect(try Shell.run([Shell.varde, "stats", "--store", store]).stdout.contains("batches\t41\n"))
    }
}
struct IngestFailure: Error { var message: String }
