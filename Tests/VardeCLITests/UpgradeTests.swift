import Foundation
import Testing
import TestSupport

/// An operator upgrades: the store on disk was written by the previous release (fixtures/upgrade: release 0.1.0,
/// commit e5cbab9, migrations 0001–0008, made with that commit's own binary from the bundled fixtures). The new
/// binary opens it, applies the missing migration exactly once however many processes open it at the same moment,
/// and answers exactly as a store the new binary loaded from the same files; a store from a newer release is refused
/// without a byte changed.
@Suite("upgrade from the previous release", .serialized)
struct UpgradeTests {
    /// The secret and the files the fixture was made with (fixtures/README.md, "upgrade").
    static let env = ["VARDE_PSEUDONYM_KEY": "upgrade-fixture-secret-0123456789"]
    static let files = [Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz"), Fixtures.path("somatic/mutect2.NA12878.head300.vcf")]
    static let trio = ["HG00096", "HG00097", "HG00099"]
    static let previousMigrations = (1...8).map { String(format: "%04d", $0) }

    func varde(_ args: [String]) throws -> Shell.Result { try Shell.run([Shell.varde] + args, environment: Self.env) }

    /// The previous release's store, unpacked to a new file in `dir`.
    func previousStore(in dir: URL, named name: String = "old.db") throws -> String {
        let path = dir.appendingPathComponent(name).path
        let r = try Shell.run(["sh", "-c", "gzip -dc '\(Fixtures.path("upgrade/store-0.1.0-e5cbab9.db.gz"))' > '\(path)'"])
        try #require(r.status == 0, "\(r.stderr)")
        return path
    }

    func migrations(_ store: String) throws -> [(id: String, at: String)] {
        let r = try Shell.run(["sqlite3", "-separator", "\t", store, "SELECT id, applied_at FROM migration ORDER BY id"])
        try #require(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map { line in
            let f = line.split(separator: "\t").map(String.init)
            return (f[0], f.count > 1 ? f[1] : "")
        }
    }

    /// What a user sees of a store: every variant with population and cohort counts, the somatic calls, the stats.
    func answers(_ store: String, cohort: String) throws -> [String] {
        let region = try varde(["query", "--store", store, "--region", "1,22", "--cohort", cohort])
        let somatic = try varde(["query", "--store", store, "--region", "1,22", "--origin", "somatic", "--format", "json"])
        let stats = try varde(["stats", "--store", store, "--verify"])
        for r in [region, somatic, stats] { #expect(r.status == 0, "\(r.stderr)") }
        // Bytes on disk differ between a migrated file and a fresh one; everything else must not.
        let statLines = stats.stdout.split(separator: "\n").filter { !$0.hasPrefix("bytes") }.joined(separator: "\n")
        return [region.stdout, somatic.stdout, statLines]
    }

    @Test("a previous release's store migrates once, at first open, and answers as a fresh load by this release")
    func previousReleaseUpgrades() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = try previousStore(in: dir)
        let before = try migrations(old)
        #expect(before.map { String($0.id.prefix(4)) } == Self.previousMigrations, "the fixture is the 0.1.0 store")

        let cohort = dir.appendingPathComponent("trio.txt").path
        try (Self.trio.joined(separator: "\n") + "\n").write(toFile: cohort, atomically: true, encoding: .utf8)
        let fresh = dir.appendingPathComponent("fresh.db").path
        for f in Self.files { #expect(try varde(["load", "--quiet", "--store", fresh, f]).status == 0) }

        let upgraded = try answers(old, cohort: cohort)
        let after = try migrations(old)
        #expect(after.count == Set(after.map(\.id)).count, "no migration recorded twice")
        #expect(after.map(\.id) == (try migrations(fresh)).map(\.id), "the upgraded store has exactly this release's migrations")
        #expect(Array(after.prefix(before.count)).map(\.at) == before.map(\.at), "the earlier migrations were not run again")
        #expect(try answers(fresh, cohort: cohort) == upgraded)
        // The saved cohort of the old release is still there and the same people.
        let cohorts = try varde(["cohort", "list", "--store", old])
        #expect(cohorts.stdout.contains("trio"), "\(cohorts.stdout)")

        // Opening again migrates nothing.
        _ = try answers(old, cohort: cohort)
        #expect(try migrations(old).map(\.at) == after.map(\.at))
    }

    @Test("four processes opening the previous release's store at once migrate it exactly once, and all answer")
    func concurrentFirstOpens() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = try previousStore(in: dir)
        let processes = try (0..<4).map { i -> (Process, String) in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Shell.varde)
            p.arguments = ["query", "--store", old, "--variant", "22-16050075-A-G"]
            p.environment = ProcessInfo.processInfo.environment.merging(Self.env) { $1 }
            let out = dir.appendingPathComponent("out\(i).tsv").path
            FileManager.default.createFile(atPath: out, contents: nil)
            p.standardOutput = FileHandle(forWritingAtPath: out)
            p.standardError = FileHandle.nullDevice
            try p.run()
            return (p, out)
        }
        var outputs: [String] = []
        for (p, out) in processes {
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            outputs.append(try String(contentsOfFile: out, encoding: .utf8))
        }
        #expect(Set(outputs).count == 1 && outputs[0].contains("16050075"), "\(outputs)")
        let ids = try migrations(old).map(\.id)
        #expect(ids.count == Set(ids).count && ids.count > Self.previousMigrations.count, "\(ids)")
        #expect(try varde(["stats", "--store", old, "--verify"]).status == 0)
    }

    @Test("a store from a newer release is refused with what to do, and not a byte of it changes")
    func downgradeRefused() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try previousStore(in: dir)
        #expect(try varde(["stats", "--store", store]).status == 0)   // upgraded to this release
        // What a later release would leave: one migration this binary does not know.
        let r = try Shell.run(["sqlite3", store, "INSERT INTO migration VALUES ('0099-from-a-later-release', '2031-01-01T00:00:00Z')"])
        try #require(r.status == 0)
        let digest = { try Shell.run(["sha256sum", store]).stdout.prefix(64) }
        let before = try digest()
        for args in [["query", "--store", store, "--region", "22"], ["load", "--quiet", "--store", store, Self.files[1]], ["serve", "--store", store, "--port", "1"]] {
            let refused = try varde(args)
            #expect(refused.status != 0, "\(args[0]) opened a newer store")
            #expect(refused.stderr.contains("written by a newer version of Varde") && refused.stderr.contains("0099-from-a-later-release"), "\(refused.stderr)")
        }
        #expect(try digest() == before)
    }
}
