import Foundation
import Testing
import TestSupport

/// Issue 21 findings 4 and 5, as a user runs the CLI: the store is created owner-only; a person cannot outlive
/// erasure by being split in two (a second pseudonym secret, two Unicode normal forms of one key), and cohort
/// definitions do not keep an erased sample's name.
@Suite("issue 21: store permissions, one person under one secret, erasure reaches cohort definitions")
struct PersonHardeningTests {
    static let secret = ["VARDE_PSEUDONYM_KEY": "person-test-secret-0123456789"]
    static let other = ["VARDE_PSEUDONYM_KEY": "another-secret-9876543210abc"]
    static let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")

    /// Two one-sample VCFs (HG00096, HG00097) of the fixture slice and a manifest naming `person` for each.
    static func inputs(_ dir: URL, persons: (String, String)) throws -> (String, String, String, String) {
        var out: [String] = []
        for (sample, person) in [("HG00096", persons.0), ("HG00097", persons.1)] {
            let vcf = dir.appendingPathComponent("\(sample).vcf.gz").path
            let r = try Shell.run(["bcftools", "view", "-s", sample, "-Oz", "-o", vcf, cohort])
            try #require(r.status == 0, "\(r.stderr)")
            let manifest = dir.appendingPathComponent("\(sample).tsv").path
            try "sample\tperson\n\(sample)\t\(person)\n".write(toFile: manifest, atomically: true, encoding: .utf8)
            out += [vcf, manifest]
        }
        return (out[0], out[1], out[2], out[3])
    }

    static func people(_ store: String) throws -> String? {
        try Shell.run([Shell.varde, "stats", "--store", store]).stdout.split(separator: "\n")
            .first { $0.hasPrefix("people\t") }.map { String($0.dropFirst(7)) }
    }

    @Test("a load under another pseudonym secret is refused (one person would count twice); the same secret links them")
    func changedSecret() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (a, ma, b, mb) = try Self.inputs(dir, persons: ("0101701234", "0101701234"))
        let store = dir.appendingPathComponent("s.db").path
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", ma, a], environment: Self.secret).status == 0)
        let refused = try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", mb, b], environment: Self.other)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("pseudonym secret is not the one"), "\(refused.stderr)")
        #expect(try Self.people(store) == "1")
        // Erasure and lookups under the wrong secret are refused too, not answered "no such person".
        let wrongErase = try Shell.run([Shell.varde, "erase", "--store", store, "--person", "0101701234"], environment: Self.other)
        #expect(wrongErase.status == 1)
        #expect(wrongErase.stderr.contains("pseudonym secret is not the one"))
        // Under the store's secret the second sample joins the same person, and erasure removes both.
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", mb, b], environment: Self.secret).status == 0)
        #expect(try Self.people(store) == "1")
        let erase = try Shell.run([Shell.varde, "erase", "--store", store, "--person", "0101701234"], environment: Self.secret)
        #expect(erase.status == 0, "\(erase.stderr)")
        #expect(erase.stdout.hasPrefix("erased 2 sample(s)"))
        #expect(try Self.people(store) == "0")
    }

    @Test("a person key in two Unicode normal forms is one person (NFC before hashing)")
    func normalForms() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let composed = "\u{00C5}se-1970", decomposed = "A\u{030A}se-1970"
        #expect(Array(composed.utf8) != Array(decomposed.utf8))
        let (a, ma, b, mb) = try Self.inputs(dir, persons: (composed, decomposed))
        let store = dir.appendingPathComponent("s.db").path
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", ma, a], environment: Self.secret).status == 0)
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", mb, b], environment: Self.secret).status == 0)
        #expect(try Self.people(store) == "1")
        let erase = try Shell.run([Shell.varde, "erase", "--store", store, "--person", decomposed], environment: Self.secret)
        #expect(erase.stdout.hasPrefix("erased 2 sample(s)"), "\(erase.stdout)\(erase.stderr)")
    }

    @Test("erasing a sample removes its name from cohort definitions (where sample=…, and a list file named after it)")
    func cohortDefinitions() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, Self.cohort], environment: Self.secret).status == 0)
        let list = dir.appendingPathComponent("HG00097-and-friends.txt").path
        try "HG00097\nHG00099\n".write(toFile: list, atomically: true, encoding: .utf8)
        for args in [["one", "--where", "sample=HG00096"], ["two", "--from", list]] {
            #expect(try Shell.run([Shell.varde, "cohort", "create", "--store", store] + args, environment: Self.secret).status == 0)
        }
        #expect(try Shell.run([Shell.varde, "cohort", "list", "--store", store]).stdout.contains("HG00096"))
        for s in ["HG00096", "HG00097"] {
            let e = try Shell.run([Shell.varde, "erase", "--store", store, "--sample", s], environment: Self.secret)
            #expect(e.status == 0, "\(e.stderr)")
        }
        let listed = try Shell.run([Shell.varde, "cohort", "list", "--store", store]).stdout
        #expect(!listed.contains("HG00096") && !listed.contains("HG00097"), "\(listed)")
        #expect(listed.contains("sample=(erased)") && listed.contains("from (erased)"))
    }

    @Test("a new store, its WAL and shared-memory files are owner-only (0600)")
    func ownerOnly() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        // A permissive umask, as on many servers: the store must still be owner-only.
        let load = try Shell.run(["sh", "-c", "umask 022 && exec \"$0\" load --quiet --store \"$1\" \"$2\"", Shell.varde, store, Self.cohort], environment: Self.secret)
        #expect(load.status == 0, "\(load.stderr)")
        func mode(_ p: String) throws -> Int { (try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int) ?? -1 }
        #expect(try mode(store) == 0o600)
        // Hold the store open in WAL mode (a reader in the sqlite3 shell) to see the side files SQLite creates.
        let probe = try Shell.run(["sqlite3", store, "BEGIN; SELECT count(*) FROM meta;", ".shell ls -l '\(store)-wal' '\(store)-shm'", "COMMIT;"])
        let lines = probe.stdout.split(separator: "\n").filter { $0.contains("-wal") || $0.contains("-shm") }
        #expect(lines.count == 2, "\(probe.stdout)\(probe.stderr)")
        for l in lines { #expect(l.hasPrefix("-rw-------"), "\(l)") }
    }
}
