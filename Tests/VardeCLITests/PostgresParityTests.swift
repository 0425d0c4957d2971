import Foundation
import Testing
import TestSupport

/// Every command a user runs gives the same bytes on a PostgreSQL store as on an SQLite store loaded with the same
/// files: the real 1000 Genomes slice (2,504 genomes), a Mutect2 tumour/normal pair with its manifest, a haploid chrX
/// cohort and the fixture OMOP vocabulary; then cohorts, erasure and compaction, and the answers after each.
/// Needs VARDE_TEST_POSTGRES_URL (scripts/start-postgres.sh; CI sets it, and with CI=true its absence fails).
@Suite(.serialized) struct PostgresParityTests {
    static let environment = ["VARDE_PSEUDONYM_KEY": "parity-test-secret-0123456789abcdef"]

    static func varde(_ args: [String]) throws -> Shell.Result { try Shell.run([Shell.varde] + args, environment: environment) }

    /// Runs `args` (with `--store` put in) on both stores and expects the same exit status (`status`) and stdout,
    /// leaving out the columns named in `ignoring` (load and creation times, which differ between two loads).
    static func same(_ args: [String], sqlite: String, postgres: String, _ what: String, status: Int32 = 0,
                     ignoring: Set<Int> = []) throws -> String {
        let a = try varde(args + ["--store", sqlite]), b = try varde(args + ["--store", postgres])
        #expect(a.status == status, "\(what) on SQLite: \(a.stderr)")
        #expect(b.status == a.status, "\(what) on PostgreSQL: \(b.stderr)")
        func kept(_ text: String) -> String {
            guard !ignoring.isEmpty else { return text }
            return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                line.split(separator: "\t", omittingEmptySubsequences: false).enumerated().filter { !ignoring.contains($0.offset) }
                    .map { String($0.element) }.joined(separator: "\t")
            }.joined(separator: "\n")
        }
        #expect(kept(b.stdout) == kept(a.stdout), "\(what): PostgreSQL's output differs from SQLite's:\n\(a.stdout.prefix(600))\n--\n\(b.stdout.prefix(600))")
        return a.stdout
    }

    @Test("load, query (TSV, JSON, VCF with genotypes), cohorts, samples, OMOP export, erase and compact: PostgreSQL's bytes equal SQLite's",
          arguments: ["PostgreSQL", "3-shard PostgreSQL"])
    func parity(_ layout: String) throws {
        guard let server = TestPostgres.url else {
            #expect(!TestPostgres.inCI, "CI must set VARDE_TEST_POSTGRES_URL")
            return
        }
        let sharded = layout != "PostgreSQL"
        if sharded, TestPostgres.shards.isEmpty {
            #expect(!TestPostgres.inCI, "CI must start the shard servers and set VARDE_TEST_PG_SHARDS (.ci/run does)")
            return
        }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let sqlite = dir.appendingPathComponent("parity.db").path
        let postgres = TestPostgres.freshStore(server, prefix: sharded ? "parity_sh" : "parity")
        if sharded {
            let r = try Self.varde(["store", "init", postgres] + TestPostgres.shards.flatMap { ["--shard", $0] })
            try #require(r.status == 0, "varde store init: \(r.stderr)")
        }
        let somatic = dir.appendingPathComponent("somatic.tsv").path
        try """
        sample\tperson\trole\tcollection_date\tsex\tbirth_year\tdiagnosis\tdiagnosis_date\tcare_site\tassay
        SM-612V3\tP-1\ttumour\t2021-03-04\tF\t1961\tC50.9\t2021-02-20\tRigshospitalet\tWGS 30x
        SM-612V6\tP-1\tnormal\t2021-03-04\tF\t1961\t\t\tRigshospitalet\tWGS 30x

        """.write(toFile: somatic, atomically: true, encoding: .utf8)
        let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
        let first = try Shell.run(["bcftools", "query", "-l", cohort]).stdout.split(separator: "\n").prefix(200)
        let cohortFile = dir.appendingPathComponent("cohort.txt").path
        try (first.joined(separator: "\n") + "\n").write(toFile: cohortFile, atomically: true, encoding: .utf8)

        for store in [sqlite, postgres] {
            for args in [["load", "--quiet", cohort],
                         ["load", "--quiet", "--manifest", somatic, Fixtures.path("somatic/mutect2.NA12878.head300.vcf")],
                         ["load", "--quiet", "--assembly", "GRCh37", Fixtures.path("cohort/test-haploidX.head100.vcf")],
                         // 24 and 3 contigs: rows on every shard of a sharded store.
                         ["load", "--quiet", "--assembly", "GRCh37", Fixtures.path("somatic/test_strelka.vcf")],
                         ["load", "--quiet", "--assembly", "GRCh37", Fixtures.path("indexed/multi-contig.vcf.gz")],
                         ["vocab", "load", "--quiet", Fixtures.path("omop/vocabulary")],
                         ["cohort", "create", "first200", "--from", cohortFile]] {
                let r = try Self.varde(args + ["--store", store])
                try #require(r.status == 0, "\(args[0]) into \(store): \(r.stderr)")
            }
        }
        if sharded {
            // The rows are on the shards, each shard's contigs only, and the catalog sees them all.
            let schema = URLComponents(string: postgres)?.queryItems?.first { $0.name == "schema" }?.value ?? ""
            var onShards = 0
            for shard in TestPostgres.shards {
                let n = try Shell.run(["psql", shard, "-tAc", "SELECT count(*) FROM \(schema).variant"])
                let count = Int(n.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
                #expect(count > 0, "shard \(shard) holds no variant: \(n.stderr)")
                onShards += max(count, 0)
            }
            let all = try Shell.run(["psql", String(server.prefix { $0 != "?" }), "-tAc", "SELECT count(*) FROM \(schema).variant"])
            #expect(Int(all.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) == onShards, "the catalog's partitioned table sees every shard's rows")
            let status = try Self.varde(["store", "status", "--store", postgres])
            #expect(status.status == 0 && status.stdout.split(separator: "\n").filter { $0.contains("\tok\t") }.count == 4, "\(status.stdout)")
        }
        let everywhere = (1...22).map(String.init).joined(separator: ",") + ",X,Y"
        func answers(_ stage: String) throws {
            let region = try Self.same(["query", "--region", everywhere], sqlite: sqlite, postgres: postgres, "\(stage): query --region")
            #expect(region.split(separator: "\n").count > 400, "\(stage): the region answer has the slice's variants")
            _ = try Self.same(["query", "--region", "22:16050000-16052000", "--format", "json"], sqlite: sqlite, postgres: postgres, "\(stage): JSON")
            _ = try Self.same(["query", "--variant", "22-16050075-A-G"], sqlite: sqlite, postgres: postgres, "\(stage): --variant")
            _ = try Self.same(["query", "--region", "22", "--cohort", "first200"], sqlite: sqlite, postgres: postgres, "\(stage): cohort AF")
            _ = try Self.same(["query", "--region", "22:16050000-16052000", "--cohort", "first200", "--format", "vcf", "--genotypes"],
                              sqlite: sqlite, postgres: postgres, "\(stage): VCF with genotypes")
            _ = try Self.same(["query", "--region", everywhere, "--cohort-where", "diagnosis=C50"], sqlite: sqlite, postgres: postgres, "\(stage): --cohort-where")
            _ = try Self.same(["query", "--sample", stage == "loaded" ? "SM-612V3" : "HG00096"], sqlite: sqlite, postgres: postgres, "\(stage): --sample")
            _ = try Self.same(["cohort", "list"], sqlite: sqlite, postgres: postgres, "\(stage): cohort list", ignoring: [2])
            let samples = try Self.same(["samples"], sqlite: sqlite, postgres: postgres, "\(stage): samples", ignoring: [4])
            #expect(samples.split(separator: "\n").count > 2500)
            // OMOP CDM export: every file byte for byte.
            let a = dir.appendingPathComponent("cdm-sqlite-\(stage)").path, b = dir.appendingPathComponent("cdm-postgres-\(stage)").path
            let ea = try Self.varde(["omop", "export", "--quiet", "--store", sqlite, "--out", a])
            let eb = try Self.varde(["omop", "export", "--quiet", "--store", postgres, "--out", b])
            #expect(ea.status == 0 && eb.status == 0, "\(ea.stderr) \(eb.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: a).sorted()
            #expect(files.contains("measurement.csv"))
            #expect(try FileManager.default.contentsOfDirectory(atPath: b).sorted() == files)
            for f in files {
                #expect(FileManager.default.contentsEqual(atPath: a + "/" + f, andPath: b + "/" + f), "\(stage): OMOP \(f) differs")
            }
            for store in [sqlite, postgres] {
                let v = try Self.varde(["stats", "--verify", "--store", store])
                #expect(v.status == 0, "\(stage): stats --verify on \(store): \(v.stderr)")
            }
        }
        try answers("loaded")
        _ = try Self.same(["erase", "--person", "P-1"], sqlite: sqlite, postgres: postgres, "erase")
        try answers("erased")
        // Every batch counts as small, so the 1000 Genomes batch, the chrX batch, the Strelka pair's and the
        // three-contig batch (the erased pair's batch holds no one now) are merged into one range.
        let ca = try Self.varde(["compact", "--quiet", "--small-batch", "5000", "--range-samples", "4096", "--store", sqlite])
        let cb = try Self.varde(["compact", "--quiet", "--small-batch", "5000", "--range-samples", "4096", "--store", postgres])
        func report(_ text: String) -> [Substring] { text.split(separator: "\n").filter { !$0.hasPrefix("seconds") } }
        #expect(ca.status == 0 && cb.status == 0, "\(ca.stderr) \(cb.stderr)")
        #expect(report(cb.stdout) == report(ca.stdout))
        #expect(ca.stdout.contains("batches_merged\t4"), "\(ca.stdout)")
        try answers("compacted")
    }
}
