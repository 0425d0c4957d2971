import Foundation
import Testing
import TestSupport

/// The store commands as a user runs them: the built binary, a real file, bcftools as the oracle.
@Suite("varde load / query / samples / stats / erase")
struct StoreCommandTests {
    static let env = ["VARDE_PSEUDONYM_KEY": "cli-test-secret-0123456789abcdef"]
    static let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")

    func varde(_ args: [String], env: [String: String] = StoreCommandTests.env) throws -> Shell.Result {
        try Shell.run([Shell.varde] + args, environment: env)
    }

    @Test("load then query a region: AC/AN/AF equal bcftools on the same region, progress only on stderr")
    func loadAndQuery() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let load = try varde(["load", "--store", store, Self.cohort])
        #expect(load.status == 0, "\(load.stderr)")
        #expect(load.stdout.isEmpty)
        #expect(load.stderr.contains("loaded batch 1"))

        let q = try varde(["query", "--store", store, "--region", "chr22:16050000-16052000"])
        #expect(q.status == 0)
        let lines = q.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT\tNHEMI\tTUMOURS")
        let mine = lines.dropFirst().map { l -> String in
            let f = l.split(separator: "\t").map(String.init)
            return "\(f[0])\t\(f[1])\t\(f[3])\t\(f[4])\t\(f[5])\t\(f[6])"
        }
        let oracle = try Shell.run(["bash", "-c", "bcftools view -r 22:16050000-16052000 '\(Self.cohort)' | bcftools norm -m- 2>/dev/null | bcftools +fill-tags -- -t AC,AN | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%AC\\t%AN\\n'"])
        #expect(!mine.isEmpty)
        #expect(mine == oracle.stdout.split(separator: "\n").map(String.init))
        // AF is AC/AN printed so that it reads back exactly.
        for l in lines.dropFirst() {
            let f = l.split(separator: "\t")
            if let ac = Double(f[5]), let an = Double(f[6]), let af = Double(f[7]) { #expect(af == ac / an) }
        }
    }

    @Test("samples, stats --verify, a refused duplicate, and erase through the CLI")
    func lifecycle() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let manifest = dir.appendingPathComponent("m.tsv").path
        try "sample\tperson\trole\tdiagnosis\nSM-612V3\tP-77\ttumour\tC34.1\nSM-612V6\tP-77\tnormal\t\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        let somatic = Fixtures.path("somatic/mutect2.NA12878.head300.vcf")
        #expect(try varde(["load", "--quiet", "--store", store, "--manifest", manifest, somatic]).status == 0)
        let samples = try varde(["samples", "--store", store])
        #expect(samples.stdout.contains("SM-612V3\t1\ttumour\tno"))
        #expect(samples.stdout.contains("SM-612V6\t1\tnormal\tyes"))
        let stats = try varde(["stats", "--store", store, "--verify"])
        #expect(stats.stdout.contains("people\t1"))
        #expect(stats.stdout.contains("aggregates_verified\tok"))

        let again = try varde(["load", "--quiet", "--store", store, "--manifest", manifest, somatic])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already in the store"))
        #expect(!again.stderr.contains("Fatal error"))

        let noSecret = try Shell.run(["env", "-u", "VARDE_PSEUDONYM_KEY", Shell.varde, "load", "--store", store, somatic])
        #expect(noSecret.status == 1)
        #expect(noSecret.stderr.contains("VARDE_PSEUDONYM_KEY"))

        let erase = try varde(["erase", "--store", store, "--person", "P-77"])
        #expect(erase.status == 0, "\(erase.stderr)")
        #expect(erase.stdout.contains("erased 2 sample(s)"))
        let after = try varde(["stats", "--store", store, "--verify"])
        #expect(after.stdout.contains("samples\t0"))
        #expect(after.stdout.contains("variants\t0"))
        #expect(after.stdout.contains("erasures\t1"))
    }

    @Test("a bad region is a usage error (64)")
    func badRegion() throws {
        let r = try varde(["query", "--store", "/nonexistent.db", "--region", "22:500-100"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("before the start"))
    }
}
