import Foundation
import Testing
import TestSupport

/// `varde backup` and `varde restore` as an operator runs them: a backup taken while a lab's load is writing the
/// store holds that batch whole or not at all, verifies, and restores to a store that answers exactly as the
/// source did at that moment; nothing is overwritten by mistake.
@Suite("varde backup and restore", .serialized)
struct BackupCommandTests {
    static let env = ["VARDE_PSEUDONYM_KEY": "backup-test-secret-0123456789abcdef"]
    func varde(_ args: [String]) throws -> Shell.Result { try Shell.run([Shell.varde] + args, environment: Self.env) }
    static let region = ["--region", "22:16050000-16061300"]

    @Test("a backup during a running load is one snapshot (before or after the batch), verifies, and restores to the same answers")
    func backupDuringLoad() throws {
        try #require(Shell.has("bcftools"))
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let slice = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
        #expect(try varde(["load", "--quiet", "--store", store, slice]).status == 0)
        let before = try varde(["query", "--store", store] + Self.region).stdout
        // A second lab's file: the same genomes under other names, so the batch changes every count.
        let second = dir.appendingPathComponent("lab2.vcf.gz").path
        let renamed = try Shell.run(["bash", "-c", "bcftools reheader -s <(bcftools query -l '\(slice)' | sed 's/^/LAB2_/') '\(slice)' > '\(second)'"])
        try #require(renamed.status == 0, "\(renamed.stderr)")

        // While the load runs, back up again and again.
        let load = Process()
        load.executableURL = URL(fileURLWithPath: Shell.varde)
        load.arguments = ["load", "--quiet", "--store", store, second]
        load.environment = ProcessInfo.processInfo.environment.merging(Self.env) { $1 }
        load.standardError = FileHandle.nullDevice
        try load.run()
        var backups: [(path: String, during: Bool)] = []
        while load.isRunning || backups.count < 2 {
            let path = dir.appendingPathComponent("b\(backups.count).bak").path
            let started = load.isRunning
            let r = try varde(["backup", "--store", store, "--to", path])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("aggregates_verified\tok"))
            backups.append((path, started && load.isRunning))
            if backups.count > 200 { break }
        }
        load.waitUntilExit()
        #expect(load.terminationStatus == 0)
        let after = try varde(["query", "--store", store] + Self.region).stdout
        #expect(before != after, "the second batch changes the answers, so a half batch would show")
        #expect(backups.contains { $0.during }, "at least one backup ran wholly inside the load")

        // Each backup answers as the store before the batch or after it, never between; and restores to that.
        for (i, b) in backups.enumerated() {
            let attrs = try FileManager.default.attributesOfItem(atPath: b.path)
            #expect((attrs[.posixPermissions] as? Int) == 0o600, "the backup is owner-only")
            let restored = dir.appendingPathComponent("r\(i).db").path
            let r = try varde(["restore", "--from", b.path, "--store", restored])
            #expect(r.status == 0, "\(r.stderr)")
            let answer = try varde(["query", "--store", restored] + Self.region).stdout
            #expect(answer == before || answer == after, "backup \(i) (during the load: \(b.during)) is neither before nor after the batch")
            let stats = try varde(["stats", "--store", restored, "--verify"]).stdout
            #expect(stats.contains("aggregates_verified\tok"))
        }
    }

    @Test("nothing is overwritten by mistake: an existing backup file, an existing store without --force; a damaged backup replaces nothing")
    func refusals() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path, backup = dir.appendingPathComponent("s.bak").path
        #expect(try varde(["load", "--quiet", "--store", store, Fixtures.path("somatic/mutect2.NA12878.head300.vcf")]).status == 0)
        #expect(try varde(["backup", "--store", store, "--to", backup]).status == 0)
        let again = try varde(["backup", "--store", store, "--to", backup])
        #expect(again.status == 1 && again.stderr.contains("already exists"), "\(again.stderr)")
        let other = dir.appendingPathComponent("other.db").path
        #expect(try varde(["load", "--quiet", "--store", other, Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")]).status == 0)
        let otherAnswer = try varde(["query", "--store", other, "--region", "22"]).stdout
        let refused = try varde(["restore", "--from", backup, "--store", other])
        #expect(refused.status == 1 && refused.stderr.contains("--force"), "\(refused.stderr)")
        #expect(try varde(["query", "--store", other, "--region", "22"]).stdout == otherAnswer)
        // A backup cut short (a disk that filled, a copy interrupted) is refused and the store left as it was.
        let damaged = dir.appendingPathComponent("damaged.bak").path
        let bytes = try #require(FileManager.default.contents(atPath: backup))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: damaged))
        let bad = try varde(["restore", "--from", damaged, "--store", other, "--force"])
        #expect(bad.status == 1, "\(bad.stdout)")
        #expect(bad.stderr.contains("damaged.bak cannot be read as a Varde store"), "\(bad.stderr)")
        #expect(try varde(["query", "--store", other, "--region", "22"]).stdout == otherAnswer)
        #expect(!FileManager.default.fileExists(atPath: other + ".restoring"))
        // --force replaces, with the backup's answers.
        #expect(try varde(["restore", "--from", backup, "--store", other, "--force"]).status == 0)
        #expect(try varde(["samples", "--store", other]).stdout == (try varde(["samples", "--store", store]).stdout))
        // A PostgreSQL store is pointed to pg_dump.
        let pg = try varde(["backup", "--store", "postgres://u@127.0.0.1:1/db", "--to", dir.appendingPathComponent("pg.bak").path])
        #expect(pg.status != 0 && pg.stderr.contains("pg_dump"), "\(pg.stderr)")
    }
}
