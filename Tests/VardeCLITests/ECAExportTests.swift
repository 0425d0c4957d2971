import Foundation
import Testing
import TestSupport

/// `varde eca export` on a 10-person fixture CDM whose every row was written by hand (fixtures/omop/eca-fixture-cdm.sql),
/// so each patient's time and event is worked out here by hand from its dates. A biomarker cohort of the store (10
/// genomes linked by a crosswalk) narrows the eligible people.
@Suite("varde eca export: an external control arm from a CDM", .serialized, .enabled(if: TestPostgres.url != nil || TestPostgres.inCI))
struct ECAExportTests {
    static let key = "eca-test-secret-0123456789abcdef"
    static var env: [String: String] { ["VARDE_PSEUDONYM_KEY": key] }

    func psql(_ url: String, _ sql: String) throws -> String {
        let r = try Shell.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
        try #require(r.status == 0, "\(sql.prefix(200)): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("hand-computed time and event for death, censoring at observation end and at cut-off; exclusions by biomarker, window, washout and death before index; <5 cells; no id or date; same seed, same files")
    func fixtureArm() throws {
        let url = try #require(TestPostgres.url, "CI=true but VARDE_TEST_POSTGRES_URL is not set")
        try #require(Shell.has("bcftools"))
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let suffix = String(UInt32.random(in: 0...UInt32.max))
        let cdm = "eca_\(suffix)", links = "ecavarde_\(suffix)"
        defer { _ = try? Shell.run(["psql", url, "-c", "DROP SCHEMA IF EXISTS \(cdm) CASCADE; DROP SCHEMA IF EXISTS \(links) CASCADE"]) }
        let made = try Shell.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-v", "cdm=\(cdm)", "-qf", Fixtures.path("omop/eca-fixture-cdm.sql")])
        try #require(made.status == 0, "\(made.stderr)")

        // Ten genomes, person i keyed eca-i, linked by a crosswalk; the biomarker cohort leaves out person 5's genome.
        let slice = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
        let samples = try Shell.run(["bcftools", "query", "-l", slice]).stdout.split(separator: "\n").prefix(10).map(String.init)
        let vcf = dir.appendingPathComponent("10.vcf.gz").path
        #expect(try Shell.run(["bcftools", "view", "-Oz", "-o", vcf, "-s", samples.joined(separator: ","), slice]).status == 0)
        let manifest = dir.appendingPathComponent("manifest.tsv").path
        try ("sample\tperson\n" + samples.enumerated().map { "\($1)\teca-\($0 + 1)" }.joined(separator: "\n") + "\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("s.db").path
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", manifest, vcf], environment: Self.env).status == 0)
        _ = try psql(url, "CREATE EXTENSION IF NOT EXISTS pgcrypto")
        let crosswalk = dir.appendingPathComponent("crosswalk.tsv").path
        try (try psql(url, "SELECT string_agg(encode(public.hmac('eca-' || person_id, '\(Self.key)', 'sha256'), 'hex') || E'\\t' || person_id, E'\\n') FROM \(cdm).person") + "\n")
            .write(toFile: crosswalk, atomically: true, encoding: .utf8)
        let link = try Shell.run([Shell.varde, "omop", "link", "--store", store, "--cdm", url, "--schema", cdm, "--link-schema", links, "--crosswalk", crosswalk], environment: Self.env)
        #expect(link.status == 0 && link.stdout.hasPrefix("linked\t10\n"), "\(link.stdout)\(link.stderr)")
        let list = dir.appendingPathComponent("biomarker.txt").path
        try (samples.enumerated().filter { $0.offset != 4 }.map(\.element).joined(separator: "\n") + "\n").write(toFile: list, atomically: true, encoding: .utf8)
        #expect(try Shell.run([Shell.varde, "cohort", "create", "--store", store, "biomarker", "--from", list], environment: Self.env).status == 0)

        let spec = dir.appendingPathComponent("eca.json").path
        try """
            {"name": "FIXTURE first-line standard of care, lung adenocarcinoma",
             "eligibility": {"conditions": [2000200001], "descendants": true, "biomarkerCohort": "biomarker"},
             "index": {"episode": 32531, "objects": [2000200020], "withinDays": 365},
             "washoutDays": 365, "outcome": "death", "covariates": ["age_band", "sex", "days_since_diagnosis"]}
            """.write(toFile: spec, atomically: true, encoding: .utf8)
        func export(_ out: String, seed: Int) throws -> Shell.Result {
            try Shell.run([Shell.varde, "eca", "export", "--store", store, "--cdm", url, "--schema", cdm, "--link-schema", links,
                           "--spec", spec, "--out", dir.appendingPathComponent(out).path, "--seed", String(seed)], environment: Self.env)
        }
        let first = try export("a", seed: 7)
        #expect(first.status == 0, "\(first.stderr)")
        let patients = try String(contentsOfFile: dir.appendingPathComponent("a/patients.tsv").path, encoding: .utf8)
        let lines = patients.split(separator: "\n").map(String.init)
        #expect(lines[1] == "row\ttime_days\tevent\tage_band\tsex\tdays_since_diagnosis")
        // By hand (index = the regimen's start; cut-off 2024-01-01 from CDM_SOURCE):
        //   P1 2020-02-01 → death 2021-02-01: 366 days, event; born 1950 (70); diagnosed 2020-01-10 (22 days before)
        //   P2 2020-03-15 → observation ends 2022-03-15: 730, censored; 1960 (60); 2020-03-01 (14)
        //   P3 2021-02-01 → cut-off 2024-01-01 (observed to 2026): 1064, censored; 1971 (50); 2021-01-01 (31)
        //   P6 2019-06-01 → death 2023-06-01: 1461, event; 1962 (57); 2019-05-01 (31)
        //   P7 2021-05-10 → death 2024-03-01 after the cut-off: 966 to the cut-off, censored; 1980 (41); 2021-05-01 (9)
        //   out: P9 (another cancer), P5 (biomarker), P8 (regimen 517 days after diagnosis), P4 (45 days observed
        //   before index), P10 (died 2020-09-10, before its regimen of 2020-09-20).
        let expected = ["366\t1\t70-79\tMALE\t22", "730\t0\t60-69\tFEMALE\t14", "1064\t0\t50-59\tFEMALE\t31",
                        "1461\t1\t50-59\tMALE\t31", "966\t0\t40-49\tFEMALE\t9"]
        let rows = lines.dropFirst(2).map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
        #expect(rows.map { $0[0] } == ["1", "2", "3", "4", "5"])
        #expect(rows.map { $0[1] }.sorted() == expected.sorted())
        // No identifier, pseudonym or date in the patient table.
        #expect(patients.range(of: "[0-9]{4}-[0-9]{2}-[0-9]{2}", options: .regularExpression) == nil)
        #expect(patients.range(of: "[0-9a-f]{64}", options: .regularExpression) == nil || patients.contains("spec_sha256="))
        #expect(!patients.contains("eca-"))
        let attrition = try String(contentsOfFile: dir.appendingPathComponent("a/attrition.tsv").path, encoding: .utf8)
        let steps = attrition.split(separator: "\n").dropFirst(2).map { $0.split(separator: "\t").last.map(String.init) ?? "" }
        #expect(steps == ["9", "8", "7", "6", "5", "<5", "<5"], "\(attrition)")
        #expect(attrition.contains("final arm, sex=FEMALE\t<5") && attrition.contains("final arm, sex=MALE\t<5"))
        // The spec's hash is in both files; the same seed gives the same files, another seed the same rows in another order.
        let sha = try Shell.run(["sha256sum", spec]).stdout.prefix(64)
        #expect(patients.contains("spec_sha256=\(sha)") && attrition.contains("spec_sha256=\(sha)"))
        #expect(try export("b", seed: 7).status == 0)
        #expect(try String(contentsOfFile: dir.appendingPathComponent("b/patients.tsv").path, encoding: .utf8) == patients)
        #expect(try String(contentsOfFile: dir.appendingPathComponent("b/attrition.tsv").path, encoding: .utf8) == attrition)
        #expect(try export("c", seed: 8).status == 0)
        let other = try String(contentsOfFile: dir.appendingPathComponent("c/patients.tsv").path, encoding: .utf8)
        #expect(other.split(separator: "\n").dropFirst(2).map { $0.split(separator: "\t", maxSplits: 1)[1] }.sorted() == expected.sorted().map { Substring($0) })
        // A spec asking for what is not built is refused with the key.
        try (try String(contentsOfFile: spec, encoding: .utf8)).replacingOccurrences(of: "\"death\"", with: "\"progression\"").write(toFile: spec + ".bad", atomically: true, encoding: .utf8)
        let refused = try Shell.run([Shell.varde, "eca", "export", "--store", store, "--cdm", url, "--schema", cdm, "--link-schema", links,
                                     "--spec", spec + ".bad", "--out", dir.appendingPathComponent("d").path], environment: Self.env)
        #expect(refused.status == 1 && refused.stderr.contains("outcome 'progression' is not supported"), "\(refused.stderr)")
    }
}
