import Foundation
import Testing
import TestSupport

/// `varde vocab load` and `varde omop export|validate` on real fixtures: a TCGA Strelka tumour/normal pair
/// (carries BRAF V600E on GRCh37) and a germline VEP-annotated chrX cohort, with the fixture vocabulary.
@Suite(.serialized) struct OMOPCommandTests {
    static let environment = ["VARDE_PSEUDONYM_KEY": "omop-test-secret-0123456789abcdef"]

    static func varde(_ args: [String]) throws -> Shell.Result { try Shell.run([Shell.varde] + args, environment: environment) }

    /// A GRCh37 store: a Mutect2 tumour/normal pair (one person, breast cancer C50.9) and three germline samples
    /// (VEP-annotated chrX, haploid calls), with the fixture vocabulary.
    static func makeStore(in dir: URL) throws -> String {
        let store = dir.appendingPathComponent("s37.db").path
        let somatic = dir.appendingPathComponent("somatic.tsv").path
        try """
        sample\tperson\trole\tcollection_date\tsex\tbirth_year\tdiagnosis\tdiagnosis_date\tcare_site\tassay
        SM-612V3\tP-1\ttumour\t2021-03-04\tF\t1961\tC50.9\t2021-02-20\tRigshospitalet\tWGS 30x
        SM-612V6\tP-1\tnormal\t2021-03-04\tF\t1961\t\t\tRigshospitalet\tWGS 30x

        """.write(toFile: somatic, atomically: true, encoding: .utf8)
        let germline = dir.appendingPathComponent("germline.tsv").path
        try """
        sample\tperson\trole\tcollection_date\tsex\tbirth_year
        37150\tG-1\tgermline\t2019-06-01\tM\t1970
        37165\tG-2\tgermline\t2019-06-01\tF\t1982
        38008\tG-3\tgermline\t2019-06-02\tM\t1955

        """.write(toFile: germline, atomically: true, encoding: .utf8)
        let a = try varde(["load", "--quiet", "--store", store, "--manifest", somatic, Fixtures.path("somatic/mutect2.NA12878.head300.vcf")])
        #expect(a.status == 0, "\(a.stderr)")
        let b = try varde(["load", "--quiet", "--store", store, "--assembly", "GRCh37", "--manifest", germline, Fixtures.path("cohort/test-haploidX.head100.vcf")])
        #expect(b.status == 0, "\(b.stderr)")
        let v = try varde(["vocab", "load", "--quiet", "--store", store, Fixtures.path("omop/vocabulary")])
        #expect(v.status == 0, "\(v.stderr)")
        return store
    }

    /// A GRCh38 store: the PCGR TCGA breast tumour (tumour-only, four variants in the vocabulary), with the fixture vocabulary.
    static func makeTumourStore(in dir: URL) throws -> String {
        let store = dir.appendingPathComponent("s38.db").path
        let manifest = dir.appendingPathComponent("tumour.tsv").path
        try """
        sample\tperson\trole\tcollection_date\tsex\tbirth_year\tdiagnosis\tdiagnosis_date\tassay
        TCGA-A2-A04W-01A-31D-A10Y-09_TCGA-A2-A04W-10A-01D-A110-09\tP-2\ttumour\t2012-05-01\tF\t1950\tC50.9\t2012-04-01\tWXS

        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let a = try varde(["load", "--quiet", "--store", store, "--assembly", "GRCh38", "--manifest", manifest, Fixtures.path("somatic/T001-BRCA.grch38.vcf.gz")])
        #expect(a.status == 0, "\(a.stderr)")
        let v = try varde(["vocab", "load", "--quiet", "--store", store, Fixtures.path("omop/vocabulary")])
        #expect(v.status == 0, "\(v.stderr)")
        return store
    }

    /// A concept_id of the fixture vocabulary, by vocabulary and code (as the exporter looks them up).
    static func fixtureConcept(_ vocabulary: String, _ code: String) throws -> String {
        let lines = try String(contentsOfFile: Fixtures.path("omop/vocabulary/CONCEPT.csv"), encoding: .utf8).split(separator: "\n")
        let hit = lines.map { $0.split(separator: "\t", omittingEmptySubsequences: false) }.first { $0[3] == vocabulary && $0[6] == code }
        return hit.map { String($0[0]) } ?? "missing \(vocabulary) \(code)"
    }

    static func rows(_ path: String) throws -> [[String]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test("vocab load reports the rows of each Athena file and what the store now holds")
    func vocabLoad() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("v.db").path
        let r = try Self.varde(["vocab", "load", "--quiet", "--store", store, Fixtures.path("omop/vocabulary")])
        #expect(r.status == 0, "\(r.stderr)")
        let concepts = try String(contentsOfFile: Fixtures.path("omop/vocabulary/CONCEPT.csv"), encoding: .utf8).split(separator: "\n").count - 1
        #expect(r.stdout.contains("CONCEPT.csv\t\(concepts)\n"))
        #expect(r.stdout.contains("CONCEPT\t\(concepts)\n"))
        // A folder without CONCEPT.csv is refused with what to do.
        let bad = try Self.varde(["vocab", "load", "--quiet", "--store", store, dir.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("no CONCEPT.csv"))
        // A malformed row fails the whole load with file and line, and the stored vocabulary stays as it was.
        let broken = dir.appendingPathComponent("broken")
        try FileManager.default.copyItem(atPath: Fixtures.path("omop/vocabulary"), toPath: broken.path)
        let synonyms = broken.appendingPathComponent("CONCEPT_SYNONYM.csv").path
        var lines = try String(contentsOfFile: synonyms, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        lines.insert("not-a-number\tNC_000007.14:g.1A>T\t4180186", at: 1)
        try lines.joined(separator: "\n").write(toFile: synonyms, atomically: true, encoding: .utf8)
        let count = "SELECT (SELECT count(*) FROM omop_concept) || ' ' || (SELECT count(*) FROM omop_concept_synonym)"
        let before = try Shell.run(["sqlite3", store, count]).stdout
        let failed = try Self.varde(["vocab", "load", "--quiet", "--store", store, broken.path])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("CONCEPT_SYNONYM.csv:2: concept_id is 'not-a-number'"))
        #expect(try Shell.run(["sqlite3", store, count]).stdout == before)
        #expect(before.hasPrefix("\(concepts) "))
    }

    @Test("vocab load --koios adds the extracts' synonyms to an Athena load, in the same transaction")
    func koios() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Given a Koios-format koios_concepts.csv of the fixture's real hg38 rows (KRAS and EGFR are not in the Athena fixture)
        let subset = try String(contentsOfFile: Fixtures.path("omop/koios_subset_BRAF_KRAS_EGFR.hg38.csv"), encoding: .utf8)
        var csv = "concept_id,concept_name,concept_synonym_name,ver\n"
        var rows = 0
        for line in subset.split(separator: "\n").dropFirst() where line.hasPrefix("concepts,") {
            csv += line.dropFirst("concepts,".count) + "\n"
            rows += 1
        }
        let koios = dir.appendingPathComponent("koios")
        try FileManager.default.createDirectory(at: koios, withIntermediateDirectories: true)
        try csv.write(to: koios.appendingPathComponent("koios_concepts.csv"), atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("k.db").path
        // When both are loaded
        let r = try Self.varde(["vocab", "load", "--quiet", "--store", store, Fixtures.path("omop/vocabulary"), "--koios", koios.path])
        #expect(r.status == 0, "\(r.stderr)")
        // Then the Koios rows are counted and KRAS G12D's GRCh38 synonym is stored
        #expect(r.stdout.contains("koios_concepts.csv\t\(rows)\n"))
        let kras = try Shell.run(["sqlite3", store, "SELECT c.concept_name FROM omop_concept_synonym s JOIN omop_concept c USING (concept_id) WHERE s.concept_synonym_name = 'NC_000012.12:g.25245350C>T'"])
        #expect(kras.stdout.hasPrefix("KRAS on GRCh38 chr12: Substitution in position 25245350 of C replaced by T"))
    }

    @Test("varde query's OMOP_CONCEPT_ID (omopConceptId) names the concepts the export maps; '.' before a vocabulary is loaded")
    func queryConceptColumn() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeTumourStore(in: dir)
        let everywhere = (1...22).map(String.init).joined(separator: ",") + ",X,Y"
        let q = try Self.varde(["query", "--store", store, "--region", everywhere])
        #expect(q.status == 0, "\(q.stderr)")
        let rows = q.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        let column = try #require(rows.first?.firstIndex(of: "OMOP_CONCEPT_ID"))
        let mapped = rows.dropFirst().filter { $0[column] != "." }
        #expect(mapped.contains { $0[column] == "35980584" && $0[11].hasPrefix("NC_000003.12:g.") })   // PIK3CA H1047R
        // The export maps the same variants to the same concepts.
        let out = dir.appendingPathComponent("cdm").path
        let export = try Self.varde(["omop", "export", "--store", store, "--out", out])
        let said = try #require(export.stderr.split(separator: "\n").first { $0.contains("variants mapped") })
        #expect(said.contains("variants mapped \(mapped.count),"))
        let measurement = try Self.rows(out + "/measurement.csv")
        let conceptColumn = try #require(measurement.first?.firstIndex(of: "measurement_concept_id"))
        #expect(Set(mapped.map { $0[column] }).isSubset(of: Set(measurement.dropFirst().map { $0[conceptColumn] })))
        let json = try Self.varde(["query", "--store", store, "--variant", "\(mapped[0][0])-\(mapped[0][1])-\(mapped[0][3])-\(mapped[0][4])", "--format", "json"])
        #expect(json.stdout.contains("\"omopConceptId\":\(mapped[0][column])"))

        // Without a vocabulary the column is there, empty.
        let bare = dir.appendingPathComponent("bare.db").path
        let manifest = dir.appendingPathComponent("tumour.tsv").path
        #expect(try Self.varde(["load", "--quiet", "--store", bare, "--assembly", "GRCh38", "--manifest", manifest, Fixtures.path("somatic/T001-BRCA.grch38.vcf.gz")]).status == 0)
        let none = try Self.varde(["query", "--store", bare, "--region", everywhere]).stdout.split(separator: "\n").dropFirst()
        #expect(none.count == rows.count - 1)
        #expect(none.allSatisfy { $0.hasSuffix("\t.") })
    }

    @Test("Export: the tumour's PIK3CA H1047R is a MEASUREMENT of 35980584 with origin/zygosity rows; validate finds 0 failures")
    func exportAndValidate() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeTumourStore(in: dir)
        let out = dir.appendingPathComponent("cdm").path
        let r = try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", out, "--gcdm"])
        #expect(r.status == 0, "\(r.stderr)")
        // Then the variant row of the tumour specimen carries the concept, and the HGVSg as source value
        let measurement = try Self.rows(out + "/measurement.csv")
        let header = measurement[0]
        let concept = header.firstIndex(of: "measurement_concept_id")!, source = header.firstIndex(of: "measurement_source_value")!
        let id = header.firstIndex(of: "measurement_id")!, event = header.firstIndex(of: "measurement_event_id")!
        let value = header.firstIndex(of: "value_as_concept_id")!
        let pik3ca = measurement.filter { $0[concept] == "35980584" }
        #expect(pik3ca.count == 1)
        #expect(pik3ca.first?[source] == "NC_000003.12:g.179234297A>G")
        // and its modifier rows point at it: genetic origin Somatic (LOINC LA6684-0) and zygosity Heterozygous (LA6706-1)
        let modifiers = measurement.filter { $0[event] == pik3ca.first?[id] && $0[concept] != "35980584" }
        #expect(Set(modifiers.map { $0[value] }) == [try Self.fixtureConcept("LOINC", "LA6684-0"), try Self.fixtureConcept("LOINC", "LA6706-1")])
        // 4 variants mapped, each with two modifiers
        #expect(measurement.count - 1 == 4 * 3)
        // PERSON carries the pseudonym, never the raw key
        let person = try String(contentsOfFile: out + "/person.csv", encoding: .utf8)
        #expect(!person.contains("P-2"))
        #expect(person.split(separator: "\n").count == 1 + 1)
        // EPISODE_EVENT links the breast cancer episode to the variant row
        let episodeEvent = try String(contentsOfFile: out + "/episode_event.csv", encoding: .utf8)
        #expect(episodeEvent.contains(",\(pik3ca.first?[id] ?? "?"),1147138"))
        // The mapping report sits next to the tables
        let report = try String(contentsOfFile: out + "/mapping_report.tsv", encoding: .utf8)
        #expect(report.contains("total\tvariants\t4\t192\n"))
        #expect(report.contains("concept_class\tGene DNA Variant\t4\t"))
        // And the DQD field-level checks pass
        let v = try Self.varde(["omop", "validate", "--gcdm", out])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        #expect(v.stderr.contains(" 0 failures"))
    }

    @Test("Export of a tumour/normal pair and a germline cohort: germline hemizygous chrX variant mapped, all unmapped as concept 0; 0 DQD failures")
    func tumourNormalAndGermline() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore(in: dir)
        let out = dir.appendingPathComponent("cdm").path
        let r = try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", out, "--gcdm", "--unmapped", "zero"])
        #expect(r.status == 0, "\(r.stderr)")
        let measurement = try Self.rows(out + "/measurement.csv")
        let concept = measurement[0].firstIndex(of: "measurement_concept_id")!
        #expect(measurement.contains { $0[concept] == "19481839" })
        // VAF rows (LOINC 81258-6) come from Mutect2's FORMAT/AF
        let vaf = try Self.fixtureConcept("LOINC", "81258-6")
        #expect(measurement.contains { $0[concept] == vaf })
        // The tumour's variant occurrences name the normal as reference specimen
        let occurrences = try Self.rows(out + "/variant_occurrence.csv")
        let ref = occurrences[0].firstIndex(of: "reference_specimen_id")!
        #expect(occurrences.contains { !$0[ref].isEmpty })
        // The report names the genes of unmapped variants, from the stored CSQ annotations
        let report = try String(contentsOfFile: out + "/mapping_report.tsv", encoding: .utf8)
        #expect(report.contains("unmapped_gene\tMXRA5\t"))
        let v = try Self.varde(["omop", "validate", "--gcdm", out])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        // --pass-only leaves out the variants a FILTER failed
        let pass = dir.appendingPathComponent("pass").path
        #expect(try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", pass, "--unmapped", "zero", "--pass-only"]).status == 0)
        let all = dir.appendingPathComponent("all").path
        #expect(try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", all, "--unmapped", "zero"]).status == 0)
        #expect(try Self.rows(pass + "/measurement.csv").count < Self.rows(all + "/measurement.csv").count)
    }

    @Test("The same store exports the same IDs (twice, byte for byte)")
    func stableIDs() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore(in: dir)
        let a = dir.appendingPathComponent("a").path, b = dir.appendingPathComponent("b").path
        #expect(try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", a, "--gcdm", "--unmapped", "zero"]).status == 0)
        #expect(try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", b, "--gcdm", "--unmapped", "zero"]).status == 0)
        for table in ["person", "specimen", "procedure_occurrence", "measurement", "condition_occurrence", "episode", "episode_event",
                      "variant_occurrence", "variant_annotation", "concept"] {
            let x = try String(contentsOfFile: "\(a)/\(table).csv", encoding: .utf8), y = try String(contentsOfFile: "\(b)/\(table).csv", encoding: .utf8)
            #expect(x == y, "\(table).csv differs between two exports")
            #expect(x.split(separator: "\n").count > 1, "\(table).csv is empty")
        }
    }

    @Test("validate fails, with the check and threshold, on an export whose MEASUREMENT names a concept not exported")
    func validateFails() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeTumourStore(in: dir)
        let out = dir.appendingPathComponent("cdm").path
        #expect(try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", out]).status == 0)
        let path = out + "/measurement.csv"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(",35980584,"))
        try text.replacingOccurrences(of: ",35980584,", with: ",35980585,").write(toFile: path, atomically: true, encoding: .utf8)
        let v = try Self.varde(["omop", "validate", out])
        #expect(v.status == 1)
        #expect(v.stdout.contains("isForeignKey\tmeasurement.measurement_concept_id\t"))
    }

    @Test("Unmapped variants: skipped by default, concept 0 rows with --unmapped zero")
    func unmappedPolicy() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore(in: dir)
        let skip = dir.appendingPathComponent("skip").path, zero = dir.appendingPathComponent("zero").path
        #expect(try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", skip, "--no-modifiers"]).status == 0)
        #expect(try Self.varde(["omop", "export", "--quiet", "--store", store, "--out", zero, "--no-modifiers", "--unmapped", "zero"]).status == 0)
        let s = try Self.rows(skip + "/measurement.csv"), z = try Self.rows(zero + "/measurement.csv")
        let ci = s[0].firstIndex(of: "measurement_concept_id")!
        #expect(!s.dropFirst().contains { $0[ci] == "0" })
        #expect(z.dropFirst().filter { $0[ci] == "0" }.count == z.count - s.count)
        #expect(z.count > s.count)
        // --unmapped skip maps a variant before decoding its carriers and only counts them; zero decodes them:
        // both report as many unmapped carriers as zero writes concept-0 rows.
        func unmappedCarriers(_ out: String) throws -> Int? {
            try String(contentsOfFile: out + "/mapping_report.tsv", encoding: .utf8).split(separator: "\n")
                .first { $0.hasPrefix("total\tunmapped_carriers\t") }.flatMap { $0.split(separator: "\t").last.flatMap { Int($0) } }
        }
        #expect(try unmappedCarriers(skip) == z.count - s.count)
        #expect(try unmappedCarriers(zero) == z.count - s.count)
    }

    /// PostgreSQL: set VARDE_TEST_POSTGRES_URL (CI does, after starting the server). Under CI=true a missing URL fails.
    static let postgresURL = TestPostgres.url
    static let inCI = TestPostgres.inCI

    @Test("Export loads into a real PostgreSQL with every primary and foreign key; validate on the database: 0 failures",
          .enabled(if: postgresURL != nil || inCI))
    func postgres() throws {
        guard let url = Self.postgresURL else {
            Issue.record("CI=true but VARDE_TEST_POSTGRES_URL is not set: .ci/run must start PostgreSQL and export it")
            return
        }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore(in: dir)
        let tumour = try Self.makeTumourStore(in: dir)
        let schema = "varde_test_\(UInt32.random(in: 0...UInt32.max))"
        // The tumour/normal + germline store, unmapped variants as concept 0, and the tumour-only GRCh38 store.
        let r = try Self.varde(["omop", "export", "--quiet", "--store", store, "--postgres", url, "--schema", schema, "--gcdm", "--unmapped", "zero"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("\(schema).measurement\t"))
        #expect(!r.stdout.contains("\(schema).measurement\t0\n"))
        #expect(r.stdout.contains("\(schema).person\t4\n"))
        let v = try Self.varde(["omop", "validate", "--gcdm", url, "--schema", schema])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        #expect(v.stderr.contains(" 0 failures"))
        let t = try Self.varde(["omop", "export", "--quiet", "--store", tumour, "--postgres", url, "--schema", schema + "_t"])
        #expect(t.status == 0, "\(t.stderr)")
        #expect(t.stdout.contains("\(schema)_t.measurement\t12\n"))
        let tv = try Self.varde(["omop", "validate", url, "--schema", schema + "_t"])
        #expect(tv.status == 0, "\(tv.stdout)\(tv.stderr)")
        // Every primary and foreign key is on.
        let keys = try Shell.run(["psql", url, "-tAc", "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = '\(schema)' AND c.contype IN ('p', 'f')"])
        #expect(Int(keys.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0 > 200)
        _ = try? Shell.run(["psql", url, "-c", "DROP SCHEMA \(schema)_t CASCADE"])
        // An existing schema is refused without --replace, kept with it.
        let again = try Self.varde(["omop", "export", "--quiet", "--store", store, "--postgres", url, "--schema", schema])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        #expect(try Self.varde(["omop", "export", "--quiet", "--store", store, "--postgres", url, "--schema", schema, "--replace"]).status == 0)
        _ = try? Shell.run(["psql", url, "-c", "DROP SCHEMA \(schema) CASCADE"])
    }
}
