import Foundation
import Testing
import TestSupport
import OMOP

/// `varde omop link` against a hospital's own CDM, as the National Genome Center would run it (issue 16): the real
/// sample CDM Synthea27Nj_5.4 (28 persons) loaded into a real PostgreSQL with every primary key and every foreign key
/// but those into its partial vocabulary, its
/// `person_source_value` rewritten the way the hospital's ETL would key persons (`cpr_enc|` and the first 40 hex
/// digits of HMAC-SHA256 of the person key, computed by PostgreSQL's pgcrypto, not by Varde), and a store whose
/// manifest keys 29 genomes of the 1000 Genomes slice by those persons' Synthea ids (one with a wrong birth year, one
/// person the hospital does not have).
@Suite("varde omop link: the store's people onto a hospital CDM's person_ids", .serialized, .enabled(if: TestPostgres.url != nil || TestPostgres.inCI))
struct CDMLinkTests {
    static let key = "link-test-secret-0123456789abcdef"
    static var env: [String: String] { ["VARDE_PSEUDONYM_KEY": key] }
    static let zip = Fixtures.root.appendingPathComponent("fixtures/omop/cdm-samples/Synthea27Nj_5.4.zip").path

    func psql(_ url: String, _ sql: String) throws -> String {
        let r = try Shell.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
        try #require(r.status == 0, "\(sql.prefix(200)): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("template and crosswalk give the same 27 links; a wrong birth year is a conflict; an absent person stays unlinked; a shared source value refuses the link and writes nothing; no person key is stored; a cohort exports as COHORT rows of the linked people, idempotent, refusing another definition's id")
    func link() async throws {
        let url = try #require(TestPostgres.url, "CI=true but VARDE_TEST_POSTGRES_URL is not set")
        try #require(Shell.has("bcftools") && Shell.has("unzip"))
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let suffix = String(UInt32.random(in: 0...UInt32.max))
        let cdm = "hosp_\(suffix)", links = "varde_\(suffix)"
        defer { _ = try? Shell.run(["psql", url, "-c", "DROP SCHEMA IF EXISTS \(cdm) CASCADE; DROP SCHEMA IF EXISTS \(links) CASCADE"]) }

        // The hospital's CDM: every table of the sample (NOTE_NLP's header quotes "offset"), keys on.
        let csv = dir.appendingPathComponent("cdm")
        let unzip = try Shell.run(["sh", "-c", "mkdir -p '\(csv.path)' && cd '\(csv.path)' && unzip -q '\(Self.zip)' -x '__MACOSX/*' && for f in *.csv; do mv \"$f\" \"$(echo $f | tr A-Z a-z)\"; done && rm note_nlp.csv"])
        try #require(unzip.status == 0, "\(unzip.stderr)")
        let spec = try CDMSpec(fieldLevelCSV: Fixtures.root.appendingPathComponent("reference/omop/CDM_OMOP_CDMv5.4_Field_Level.csv").path, gcdm: false)
        // Every primary key, and every foreign key but those into the vocabulary: the sample's CONCEPT is a subset
        // (2,294 rows) that 118,444 of its own concept references miss, 8507 MALE among them.
        let vocabulary = ["concept", "domain", "vocabulary", "concept_class", "relationship"].map { "REFERENCES \(cdm).\($0) (" }
        let loaded = try await PostgresCDM.load(directory: csv.path, spec: spec, url: url, schema: cdm, replace: false,
                                                foreignKey: { sql in !vocabulary.contains { sql.contains($0) } }) { _ in }
        let keys = try psql(url, "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = '\(cdm)' AND c.contype = 'f'")
        #expect((Int(keys) ?? 0) > 20, "foreign keys between the clinical tables are on: \(keys)")
        #expect(loaded.first { $0.table == "person" }?.rows == 28)
        // The hospital's keys: cpr_enc| and HMAC-SHA256(secret, Synthea id), the first 40 hex digits (varchar(50)).
        _ = try psql(url, "CREATE EXTENSION IF NOT EXISTS pgcrypto")
        let persons = try psql(url, "SELECT person_id || ' ' || person_source_value || ' ' || gender_concept_id || ' ' || year_of_birth FROM \(cdm).person ORDER BY person_id")
            .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        try #require(persons.count == 28)
        let hmac = "encode(public.hmac(person_source_value, '\(Self.key)', 'sha256'), 'hex')"
        let full = try psql(url, "SELECT string_agg(person_id || ' ' || \(hmac), ',' ORDER BY person_id) FROM \(cdm).person")
        let pseudonymOf = Dictionary(uniqueKeysWithValues: full.split(separator: ",").map { p in
            let f = p.split(separator: " "); return (Int(f[0])!, String(f[1]))
        })
        _ = try psql(url, "UPDATE \(cdm).person SET person_source_value = 'cpr_enc|' || left(\(hmac), 40)")

        // The store: 29 genomes, 28 keyed by Synthea ids with the CDM's sex and birth year (person 5's a year off), one unknown.
        let slice = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
        let samples = try Shell.run(["bcftools", "query", "-l", slice]).stdout.split(separator: "\n").prefix(29).map(String.init)
        let vcf = dir.appendingPathComponent("29.vcf.gz").path
        #expect(try Shell.run(["bcftools", "view", "-Oz", "-o", vcf, "-s", samples.joined(separator: ","), slice]).status == 0)
        // Collection dates 30 days into each person's observation period; sample 8 has none, sample 10's lies before
        // its person's period.
        let periods = Dictionary(uniqueKeysWithValues: try psql(url, "SELECT person_id || ' ' || (observation_period_start_date + 30) || ' ' || (observation_period_start_date - 400) || ' ' || observation_period_end_date FROM \(cdm).observation_period")
            .split(separator: "\n").map { l in let f = l.split(separator: " ").map(String.init); return (Int(f[0])!, (inside: f[1], before: f[2], end: f[3])) })
        var manifest = "sample\tperson\tsex\tbirth_year\tcollection_date\n"
        for (i, s) in samples.enumerated() {
            if i < 28 {
                let p = persons[i], id = Int(p[0])!
                let year = Int(p[3])! + (p[0] == "5" ? 1 : 0)
                let date = i == 7 ? "" : i == 9 ? periods[id]!.before : periods[id]!.inside
                manifest += "\(s)\t\(p[1])\t\(p[2] == "8507" ? "male" : "female")\t\(year)\t\(date)\n"
            } else {
                manifest += "\(s)\tnot-a-patient-of-this-hospital\tfemale\t1970\t2020-01-01\n"
            }
        }
        let manifestPath = dir.appendingPathComponent("manifest.tsv").path
        try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("s.db").path
        let load = try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", manifestPath, vcf], environment: Self.env)
        try #require(load.status == 0, "\(load.stderr)")

        func run(_ extra: [String]) throws -> Shell.Result {
            try Shell.run([Shell.varde, "omop", "link", "--store", store, "--cdm", url, "--schema", cdm, "--link-schema", links] + extra, environment: Self.env)
        }
        func stored() throws -> [String: String] {
            Dictionary(uniqueKeysWithValues: try psql(url, "SELECT pseudonym || ' ' || status || ' ' || coalesce(person_id::text, '-') FROM \(links).person_link WHERE cdm_schema = '\(cdm)'")
                .split(separator: "\n").map { l in let f = l.split(separator: " ", maxSplits: 1); return (String(f[0]), String(f[1])) })
        }

        let template = try run(["--source-value-template", "cpr_enc|{pseudonym:40}"])
        #expect(template.status == 0, "\(template.stderr)")
        #expect(template.stdout.hasPrefix("linked\t27\nconflict\t1\nunlinked\t1\n"), "\(template.stdout)")
        #expect(template.stdout.contains("birth year \(Int(persons[4][3])! + 1) in the manifest, \(persons[4][3]) in the CDM"))
        let byTemplate = try stored()
        #expect(byTemplate.count == 29)
        // Each link is the person whose own key HMACs to the pseudonym (pgcrypto's HMAC against Varde's).
        for (id, pseudonym) in pseudonymOf where id != 5 { #expect(byTemplate[pseudonym] == "linked \(id)", "person \(id)") }
        #expect(byTemplate[pseudonymOf[5]!] == "conflict 5")
        // No person key in Varde's schema: none of the Synthea ids, nor the unknown person's key.
        let dump = try psql(url, "SELECT string_agg(t::text, ' ') FROM \(links).person_link t")
        for p in persons { #expect(!dump.contains(p[1])) }
        #expect(!dump.contains("not-a-patient"))

        // A crosswalk from a trusted third party (pseudonym, person_id) gives the same links.
        let crosswalk = dir.appendingPathComponent("crosswalk.tsv").path
        try ("pseudonym\tperson_id\n" + pseudonymOf.sorted { $0.key < $1.key }.map { "\($0.value)\t\($0.key)" }.joined(separator: "\n") + "\n")
            .write(toFile: crosswalk, atomically: true, encoding: .utf8)
        let viaCrosswalk = try run(["--crosswalk", crosswalk])
        #expect(viaCrosswalk.status == 0, "\(viaCrosswalk.stderr)")
        #expect(try stored() == byTemplate)

        // Two CDM persons with one source value: refused, the links as they were.
        _ = try psql(url, "UPDATE \(cdm).person SET person_source_value = (SELECT person_source_value FROM \(cdm).person WHERE person_id = 1) WHERE person_id = 2")
        let refused = try run(["--source-value-template", "cpr_enc|{pseudonym:40}"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("matches 2 persons") && refused.stderr.contains("Nothing was linked"), "\(refused.stderr)")
        #expect(try stored() == byTemplate)
        // A template that cannot fit person_source_value is refused before anything is read.
        let long = try run(["--source-value-template", "cpr_enc|{pseudonym}"])
        #expect(long.status == 1 && long.stderr.contains("varchar(50)"), "\(long.stderr)")

        // A cohort into the hospital's results schema, as ATLAS reads it: samples 0..<12 (including the conflict, the undated and the out-of-period ones) and the unknown person.
        let members = Array(samples.prefix(12)) + [samples[28]]
        let list = dir.appendingPathComponent("members.txt").path
        try (members.joined(separator: "\n") + "\n").write(toFile: list, atomically: true, encoding: .utf8)
        #expect(try Shell.run([Shell.varde, "cohort", "create", "--store", store, "first12", "--from", list], environment: Self.env).status == 0)
        let results = "res_\(suffix)"
        defer { _ = try? Shell.run(["psql", url, "-c", "DROP SCHEMA IF EXISTS \(results) CASCADE"]) }
        func export(_ name: String, _ extra: [String] = []) throws -> Shell.Result {
            try Shell.run([Shell.varde, "cohort", "export", name, "--store", store, "--to-cdm", url, "--schema", cdm, "--results-schema", results,
                           "--link-schema", links, "--cohort-definition-id", "1001"] + extra, environment: Self.env)
        }
        let first = try export("first12")
        #expect(first.status == 0, "\(first.stderr)")
        // Expected: people 1..12 but 5 (conflict), 8 (no date) and 10 (before its period); the unknown person unlinked.
        let expected = (1...12).filter { ![5, 8, 10].contains($0) }.map { id in "\(id) \(periods[id]!.inside) \(periods[id]!.end)" }
        func cohort() throws -> [String] {
            try psql(url, "SELECT subject_id || ' ' || cohort_start_date || ' ' || cohort_end_date FROM \(results).cohort WHERE cohort_definition_id = 1001 ORDER BY subject_id")
                .split(separator: "\n").map(String.init)
        }
        #expect(try cohort() == expected)
        #expect(first.stdout.contains("people\t13\nwritten\t\(expected.count)\nunlinked\t2\nno_collection_date\t1\noutside_observation\t1\n"), "\(first.stdout)")
        #expect(try psql(url, "SELECT cohort_definition_name FROM \(results).cohort_definition WHERE cohort_definition_id = 1001") == "first12")
        // Idempotent, refused for another name, replaced with --replace.
        #expect(try export("first12").status == 0)
        #expect(try cohort() == expected)
        #expect(try Shell.run([Shell.varde, "cohort", "create", "--store", store, "females", "--where", "sex=female"], environment: Self.env).status == 0)
        let clash = try export("females")
        #expect(clash.status == 1 && clash.stderr.contains("is 'first12', not 'females'"), "\(clash.stderr)")
        #expect(try cohort() == expected)
        #expect(try export("females", ["--replace", "--point"]).status == 0)
        let females = try cohort()
        #expect(!females.isEmpty && females != expected && females.allSatisfy { let f = $0.split(separator: " "); return f[1] == f[2] })

        // "Carriers of a variant": the SNV most of these genomes carry (bcftools names the carriers), as definition 1002.
        let table = try Shell.run(["bash", "-c", "bcftools view -v snps -m2 -M2 '\(vcf)' | bcftools query -f '%CHROM-%POS-%REF-%ALT[\\t%GT]\\n'"]).stdout
        let rows = table.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let best = try #require(rows.max { a, b in a.dropFirst().filter { $0.contains("1") }.count < b.dropFirst().filter { $0.contains("1") }.count })
        let carriers = Set(best.dropFirst().enumerated().filter { $0.element.contains("1") }.map(\.offset))
        #expect(carriers.count >= 3, "\(best[0]) carried by \(carriers.count)")
        let made = try Shell.run([Shell.varde, "cohort", "create", "--store", store, "carriers", "--carrying", best[0]], environment: Self.env)
        #expect(made.status == 0 && made.stdout.contains("\(carriers.count) samples"), "\(made.stdout)\(made.stderr)")
        let carried = try Shell.run([Shell.varde, "cohort", "export", "carriers", "--store", store, "--to-cdm", url, "--schema", cdm, "--results-schema", results,
                                     "--link-schema", links, "--cohort-definition-id", "1002"], environment: Self.env)
        #expect(carried.status == 0, "\(carried.stderr)")
        let wanted = carriers.filter { $0 < 28 && ![4, 7, 9].contains($0) }.map { $0 + 1 }.sorted().map { id in "\(id) \(periods[id]!.inside) \(periods[id]!.end)" }
        let written = try psql(url, "SELECT subject_id || ' ' || cohort_start_date || ' ' || cohort_end_date FROM \(results).cohort WHERE cohort_definition_id = 1002 ORDER BY subject_id")
            .split(separator: "\n").map(String.init)
        #expect(written == wanted, "\(best[0])")

        // Clinical cohorts by ICD-O-3, on a marked overlay of diagnoses (fixtures/omop/cdm-samples/synthea27nj-oncology-overlay.sql).
        let overlay = try Shell.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-v", "cdm=\(cdm)", "-qf", Fixtures.path("omop/cdm-samples/synthea27nj-oncology-overlay.sql")])
        try #require(overlay.status == 0, "\(overlay.stderr)")
        func imported(_ name: String, _ how: [String]) throws -> [Int] {
            let r = try Shell.run([Shell.varde, "cohort", "import", name, "--store", store, "--from-cdm", url, "--schema", cdm, "--link-schema", links] + how, environment: Self.env)
            #expect(r.status == 0, "\(how): \(r.stderr)")
            let names = try Shell.run(["sqlite3", store, "SELECT s.name FROM cohort_member m JOIN sample s ON s.ordinal = m.ordinal WHERE m.name = '\(name)'"]).stdout
                .split(separator: "\n").map(String.init)
            return names.compactMap { n in samples.firstIndex(of: n).map { $0 + 1 } }.sorted()   // sample i is person i + 1
        }
        // Person 3 (source code), 6 (the ICD-O-3 concept itself) and 15 (only the standard concept it maps to).
        #expect(try imported("adeno_lung", ["--icdo3", "8140/3-C34.1"]) == [3, 6, 15])
        #expect(try imported("adeno", ["--icdo3", "8140/3"]) == [3, 6, 15])
        // Squamous: person 9 by its source code, and 15, whose row kept only the shared standard concept.
        #expect(try imported("squamous_lung", ["--icdo3", "8070/3-C34.1"]) == [9, 15])
        #expect(try imported("breast", ["--icdo3", "8500/3-C50.9"]) == [12])
        #expect(try imported("respiratory", ["--condition", "2000100011", "--descendants"]) == [3, 9, 15])
        // With a treatment regimen begun within 90 days of diagnosis: person 3 (30 days), not 6 (400 days) or 15 (none).
        #expect(try imported("adeno_treated", ["--icdo3", "8140/3-C34.1", "--episode", "32531", "--episode-object", "2000100020", "--within", "90"]) == [3])
        #expect(try imported("adeno_treated_2y", ["--icdo3", "8140/3-C34.1", "--episode", "32531", "--within", "730"]) == [3, 6])
        let bad = try Shell.run([Shell.varde, "cohort", "import", "x", "--store", store, "--from-cdm", url, "--schema", cdm, "--link-schema", links, "--icdo3", "C34.1"], environment: Self.env)
        #expect(bad.status == 1 && bad.stderr.contains("histology/behaviour-site"), "\(bad.stderr)")
    }
}
