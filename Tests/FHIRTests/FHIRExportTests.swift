import Foundation
import Testing
import TestSupport

/// `varde fhir export` on real fixtures: a germline GRCh37 store (Isaac NA12878 chr21: SNV het, hom-alt, a 1/2
/// multi-allelic deletion pair, a deletion with its anchor base; a male's haploid chrX with VEP CSQ), a Mutect2
/// tumour/normal pair with AD and AF, and the PCGR TCGA colon tumour on GRCh38 carrying BRAF V600E.
/// Every export is checked by scripts/validate-fhir.py (fhir.resources R4B parsing, profile, bundle and privacy checks).
@Suite(.serialized) struct FHIRExportTests {
    static let environment = ["VARDE_PSEUDONYM_KEY": "fhir-test-secret-0123456789abcdef"]
    /// CPR-like person keys: none may appear in an export.
    static let keys = ["0103611234", "2304851236", "1007701239", "1205501238"]

    static func varde(_ args: [String]) throws -> Shell.Result { try Shell.run([Shell.varde] + args, environment: environment) }

    /// GRCh37: the Mutect2 pair (person 0103611234, C50.9) and two germline people (NA12878 female; 37150 male).
    static func makeStore37(in dir: URL) throws -> String {
        let store = dir.appendingPathComponent("s37.db").path
        let somatic = dir.appendingPathComponent("somatic.tsv").path
        try """
        sample\tperson\trole\tspecimen_type\tcollection_date\tsex\tbirth_year\tdiagnosis\tdiagnosis_date\tassay
        SM-612V3\t0103611234\ttumour\ttumour tissue\t2021-03-04\tF\t1961\tC50.9\t2021-02-20\tWGS 30x
        SM-612V6\t0103611234\tnormal\tblood\t2021-03-04\tF\t1961\t\t\tWGS 30x

        """.write(toFile: somatic, atomically: true, encoding: .utf8)
        let isaac = dir.appendingPathComponent("isaac.tsv").path
        try "sample\tperson\trole\tcollection_date\tsex\tbirth_year\nNA12878\t2304851236\tgermline\t2014-04-04\tF\t1985\n"
            .write(toFile: isaac, atomically: true, encoding: .utf8)
        let chrX = dir.appendingPathComponent("chrx.tsv").path
        try """
        sample\tperson\trole\tcollection_date\tsex\tbirth_year
        37150\t1007701239\tgermline\t2019-06-01\tM\t1970
        37165\t9999999999x\tgermline\t2019-06-01\tF\t1982
        38008\t9999999998x\tgermline\t2019-06-02\tM\t1955

        """.write(toFile: chrX, atomically: true, encoding: .utf8)
        for (manifest, file, extra) in [(somatic, "somatic/mutect2.NA12878.head300.vcf", [String]()),
                                        (isaac, "gvcf/hc.head2000.vcf.gz", []),
                                        (chrX, "cohort/test-haploidX.head100.vcf", ["--assembly", "GRCh37"])] {
            let r = try varde(["load", "--quiet", "--store", store, "--manifest", manifest] + extra + [Fixtures.path(file)])
            #expect(r.status == 0, "\(file): \(r.stderr)")
        }
        return store
    }

    /// GRCh38: the PCGR TCGA colon tumour's BRAF, TP53 and APC records (tumour only, C18.7).
    static func makeStore38(in dir: URL) throws -> String {
        let store = dir.appendingPathComponent("s38.db").path
        let manifest = dir.appendingPathComponent("coad.tsv").path
        try """
        sample\tperson\trole\tcollection_date\tsex\tbirth_year\tdiagnosis\tdiagnosis_date\tassay
        TCGA-A6-2686-01A-01D-1408-10_TCGA-A6-2686-10A-01D-2188-10\t1205501238\ttumour\t2009-10-20\tM\t1955\tC18.7\t2009-09-01\tWXS

        """.write(toFile: manifest, atomically: true, encoding: .utf8)
        let r = try varde(["load", "--quiet", "--store", store, "--assembly", "GRCh38", "--manifest", manifest,
                           Fixtures.path("somatic/T001-COAD.grch38.panel.vcf")])
        #expect(r.status == 0, "\(r.stderr)")
        return store
    }

    /// Every file of an export folder, sorted by name, as one text (`== name` before each).
    static func folderText(_ dir: URL) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        return try names.map { "== \($0)\n" + (try String(contentsOf: dir.appendingPathComponent($0), encoding: .utf8)) }.joined()
    }

    /// Compares an export with its golden file; `VARDE_RECORD_GOLDEN=1` rewrites the golden and fails the run.
    static func golden(_ name: String, _ dir: URL) throws {
        let text = try folderText(dir)
        let path = Fixtures.path("fhir/\(name)")
        if ProcessInfo.processInfo.environment["VARDE_RECORD_GOLDEN"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            Issue.record("re-recorded \(path): run again without VARDE_RECORD_GOLDEN")
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == expected, "export differs from fixtures/fhir/\(name) (VARDE_RECORD_GOLDEN=1 re-records it)")
    }

    static func validate(_ paths: [String], extra: [String] = []) throws -> Shell.Result {
        let script = Fixtures.root.appendingPathComponent("scripts/validate-fhir.py").path
        return try Shell.run(["python3", script, "--pseudonym-system", "https://varde.example.org/fhir/sid/pseudonym"]
                             + keys.flatMap { ["--forbid", $0] } + extra + paths)
    }

    /// The resources of a bundle file, by type.
    static func resources(_ file: URL) throws -> [[String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any]
        return ((json?["entry"] as? [[String: Any]]) ?? []).compactMap { $0["resource"] as? [String: Any] }
    }

    static func bundleFiles(_ dir: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().filter { $0.hasSuffix(".json") }.map { dir.appendingPathComponent($0) }
    }

    /// `code → value` of a Variant's LOINC components (the value object's first coding code, string, or quantity).
    static func components(_ obs: [String: Any]) -> [(code: String, value: [String: Any])] {
        ((obs["component"] as? [[String: Any]]) ?? []).map { c in
            let coding = ((c["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first
            return ((coding?["code"] as? String) ?? "", c)
        }
    }

    static func answer(_ c: [String: Any]) -> String? {
        (((c["valueCodeableConcept"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String)
    }

    static func reference(_ o: Any?) -> String? { (o as? [String: Any])?["reference"] as? String }

    @Test("BRAF V600E in a tumour: a somatic Variant with g.HGVS, HGNC:1097, VAF, allelic read depth, referencing the tumour Specimen and its report")
    func brafDoneWhen() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore38(in: dir)
        let out = dir.appendingPathComponent("out")
        let r = try Self.varde(["fhir", "export", "--quiet", "--store", store, "--person", "1205501238", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Observation\t4\n"))
        let files = try Self.bundleFiles(out)
        #expect(files.count == 1)
        let all = try Self.resources(try #require(files.first))
        let observations = all.filter { $0["resourceType"] as? String == "Observation" }
        let braf = try #require(observations.first { o in
            Self.components(o).contains { $0.code == "81290-9" && Self.answer($0.value) == "NC_000007.14:g.140753336A>T" }
        })
        let c = Self.components(braf)
        func one(_ code: String) -> [String: Any]? { c.first { $0.code == code }?.value }
        let gene = try #require(one("48018-6"))
        #expect(Self.answer(gene) == "HGNC:1097")
        #expect(((gene["valueCodeableConcept"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["display"] as? String == "BRAF")
        #expect(one("48002-0").flatMap(Self.answer) == "LA6684-0")
        #expect(one("53034-5") == nil, "no allelic state for a somatic call")
        // AD 37,17 at DP 54: VAF 17/54 = 0.3148, kept in 1/254 steps (80/254) and written with 3 decimals.
        let vaf = try #require(one("81258-6")?["valueQuantity"] as? [String: Any])
        #expect((vaf["value"] as? Double) == 0.315)
        #expect(vaf["system"] as? String == "http://unitsofmeasure.org" && vaf["code"] as? String == "1")
        // Its allelic read depth: the 17 ALT reads of AD, not the 54 of DP.
        let reads = try #require(one("82121-5")?["valueQuantity"] as? [String: Any])
        #expect(reads["value"] as? Int == 17)
        #expect(reads["system"] as? String == "http://unitsofmeasure.org" && reads["code"] as? String == "{reads}/{base}")
        #expect(one("48013-7").flatMap(Self.answer) == "NC_000007.14")
        let range = try #require(one("81254-5")?["valueRange"] as? [String: Any])
        #expect(((range["low"] as? [String: Any])?["value"] as? Int) == 140_753_335)
        #expect(((range["high"] as? [String: Any])?["value"] as? Int) == 140_753_336)
        #expect(one("62374-4").flatMap(Self.answer) == "LA26806-2")
        #expect(one("48019-4").flatMap(Self.answer) == "SO:0001483")
        // Its specimen is the tumour Specimen, and the report lists both.
        let specimenRef = try #require(Self.reference(braf["specimen"]))
        let specimen = try #require(all.first { "urn:uuid:\($0["id"] as? String ?? "")" == specimenRef })
        #expect(specimen["resourceType"] as? String == "Specimen")
        let type = ((specimen["type"] as? [String: Any])?["coding"] as? [[String: Any]])?.first
        #expect(type?["code"] as? String == "TUMOR")
        let report = try #require(all.first { $0["resourceType"] as? String == "DiagnosticReport" })
        let results = ((report["result"] as? [Any]) ?? []).compactMap(Self.reference)
        #expect(results.contains("urn:uuid:\(braf["id"] as? String ?? "")"))
        #expect(((report["specimen"] as? [Any]) ?? []).compactMap(Self.reference) == [specimenRef])
        #expect((report["meta"] as? [String: Any])?["profile"] as? [String] == ["http://hl7.org/fhir/uv/genomics-reporting/StructureDefinition/genomic-report"])
        // The cancer Condition from the manifest.
        let condition = try #require(all.first { $0["resourceType"] as? String == "Condition" })
        #expect((((condition["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String) == "C18.7")
        // The whole export passes the validator.
        let v = try Self.validate([out.path])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
        // --genes BRAF keeps only BRAF's call; --max-variants 2 keeps two and says how many it left out.
        let panel = dir.appendingPathComponent("panel")
        let g = try Self.varde(["fhir", "export", "--store", store, "--sample", "TCGA-A6-2686-01A-01D-1408-10_TCGA-A6-2686-10A-01D-2188-10",
                                "--genes", "BRAF", "--out", panel.path])
        #expect(g.status == 0, "\(g.stderr)")
        #expect(g.stdout.contains("Observation\t1\n"))
        let limited = dir.appendingPathComponent("limited")
        let m = try Self.varde(["fhir", "export", "--store", store, "--person", "1205501238", "--max-variants", "2", "--out", limited.path])
        #expect(m.status == 0, "\(m.stderr)")
        #expect(m.stdout.contains("Observation\t2\n"))
        #expect(m.stderr.contains("2 variant observations of 1 people left out"))
    }

    @Test("germline golden: SNV het, hom-alt, a 1/2 call split into two heterozygous Variants, a deletion with its anchor, a male's chrX")
    func germlineGolden() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore37(in: dir)
        let cohort = dir.appendingPathComponent("cohort.txt").path
        try "NA12878\n1007701239\n".write(toFile: cohort, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let r = try Self.varde(["fhir", "export", "--quiet", "--store", store, "--cohort", cohort, "--regions-file",
                                Fixtures.path("fhir/germline.bed"), "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        try Self.golden("germline.collection.out", out)
        let files = try Self.bundleFiles(out)
        #expect(files.count == 2)
        let observations = try files.flatMap { try Self.resources($0) }.filter { $0["resourceType"] as? String == "Observation" }
        func alleles(_ o: [String: Any]) -> (String, String, Int, Int, String?) {
            let c = Self.components(o)
            let ref = c.first { $0.code == "69547-8" }?.value["valueString"] as? String ?? ""
            let alt = c.first { $0.code == "69551-0" }?.value["valueString"] as? String ?? ""
            let range = c.first { $0.code == "81254-5" }?.value["valueRange"] as? [String: Any]
            let low = (range?["low"] as? [String: Any])?["value"] as? Int ?? -1
            let high = (range?["high"] as? [String: Any])?["value"] as? Int ?? -1
            return (ref, alt, low, high, c.first { $0.code == "53034-5" }.flatMap { Self.answer($0.value) })
        }
        let calls = observations.map(alleles)
        // 1/2 at chr21:20004839 AGTGT>AGT,A: two Variants, each heterozygous, REF/ALT trimmed as the store keeps them.
        let split = calls.filter { $0.2 == 20_004_838 }
        #expect(split.count == 2)
        #expect(split.allSatisfy { $0.4 == "LA6706-1" })
        #expect(Set(split.map { "\($0.0)>\($0.1)" }) == ["AGT>A", "AGTGT>A"])
        // The deletion ATAAT>A keeps its anchor: [POS-1, POS-1+len(REF)).
        #expect(calls.contains { $0.0 == "ATAAT" && $0.1 == "A" && $0.2 == 20_005_805 && $0.3 == 20_005_810 && $0.4 == "LA6706-1" })
        #expect(calls.contains { $0.0 == "C" && $0.1 == "G" && $0.2 == 20_001_393 && $0.4 == "LA6706-1" })
        #expect(calls.contains { $0.0 == "A" && $0.1 == "G" && $0.2 == 20_003_274 && $0.4 == "LA6705-3" })
        // The male's chrX calls are hemizygous, in gene XG (HGNC:12806, from the VEP CSQ symbol).
        let chrX = observations.filter { o in Self.components(o).contains { $0.code == "48000-4" && Self.answer($0.value) == "LA21276-3" } }
        #expect(chrX.count == 2)
        #expect(chrX.allSatisfy { o in Self.components(o).contains { $0.code == "53034-5" && Self.answer($0.value) == "LA6707-9" } })
        #expect(chrX.allSatisfy { o in Self.components(o).contains { $0.code == "48018-6" && Self.answer($0.value) == "HGNC:12806" } })
        let v = try Self.validate([out.path], extra: ["--bundle-type", "collection"])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
    }

    @Test("somatic golden: a tumour/normal report references both specimens; tumour calls are somatic with VAF, AD[alt] and DP, no allelic state")
    func somaticGolden() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore37(in: dir)
        let out = dir.appendingPathComponent("out")
        let r = try Self.varde(["fhir", "export", "--quiet", "--store", store, "--person", "0103611234", "--regions-file",
                                Fixtures.path("fhir/somatic.bed"), "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        try Self.golden("somatic.collection.out", out)
        let all = try Self.resources(try #require(try Self.bundleFiles(out).first))
        let specimens = all.filter { $0["resourceType"] as? String == "Specimen" }
        #expect(specimens.count == 2)
        let report = try #require(all.first { $0["resourceType"] as? String == "DiagnosticReport" })
        #expect(((report["specimen"] as? [Any]) ?? []).count == 2)
        let observations = all.filter { $0["resourceType"] as? String == "Observation" }
        #expect(observations.count == 4)
        for o in observations {
            let c = Self.components(o)
            #expect(c.contains { $0.code == "48002-0" && Self.answer($0.value) == "LA6684-0" })
            #expect(!c.contains { $0.code == "53034-5" })
            #expect(c.contains { $0.code == "81258-6" })
            #expect(c.contains { ($0.value["valueInteger"] as? Int) != nil })
        }
        // AF 0.087 of the first call, in 1/254 steps: 22/254 = 0.0866 -> 0.087.
        let first = try #require(observations.first { o in Self.components(o).contains { $0.code == "81290-9" && Self.answer($0.value) == "NC_000001.10:g.324592G>A" } })
        let vaf = Self.components(first).first { $0.code == "81258-6" }?.value["valueQuantity"] as? [String: Any]
        #expect(vaf?["value"] as? Double == 0.087)
        // Allelic read depth (82121-5) is the tumour's AD[alt] in the file, as bcftools reads it, and never its DP.
        let query = try Shell.run(["bcftools", "query", "-s", "SM-612V3", "-r", "1:324000-1356400", "-f", "%POS\t%REF\t%ALT\t[%AD\t%DP]\n",
                                   Fixtures.path("somatic/mutect2.NA12878.head300.vcf.gz")])
        #expect(query.status == 0, "\(query.stderr)")
        var adAlt: [Int: (alt: Int, dp: Int)] = [:]
        for line in query.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            let ad = f[3].split(separator: ",").compactMap { Int($0) }
            if ad.count == 2, let dp = Int(f[4]) { adAlt[Int(f[0])! - 1] = (ad[1], dp) }
        }
        #expect(adAlt.count == 4, "\(query.stdout)")
        var withReads = 0
        for o in observations {
            let c = Self.components(o)
            let low = ((c.first { $0.code == "81254-5" }?.value["valueRange"] as? [String: Any])?["low"] as? [String: Any])?["value"] as? Int
            let reads = c.first { $0.code == "82121-5" }?.value["valueQuantity"] as? [String: Any]
            let expected = try #require(low.flatMap { adAlt[$0] }, "no bcftools record at \(String(describing: low))")
            #expect(reads?["value"] as? Int == expected.alt, "\(String(describing: low)): 82121-5 \(String(describing: reads)), AD[alt] \(expected.alt)")
            #expect(reads?["code"] as? String == "{reads}/{base}")
            let dp = c.first { $0.code == "read-depth" }
            #expect(dp?.value["valueInteger"] as? Int == expected.dp)
            if expected.alt != expected.dp { withReads += 1 }
        }
        #expect(withReads == 4, "AD[alt] and DP differ on every call, so the component cannot be DP by accident")
        let v = try Self.validate([out.path])
        #expect(v.status == 0, "\(v.stdout)\(v.stderr)")
    }

    @Test("a re-export is byte-identical, in bundle, transaction and NDJSON form; NDJSON is one compact resource per line per type")
    func determinismAndNDJSON() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore37(in: dir)
        let cohort = dir.appendingPathComponent("all.txt").path
        try "NA12878\n1007701239\n0103611234\n37165\n".write(toFile: cohort, atomically: true, encoding: .utf8)
        for (name, extra) in [("bundle", [String]()), ("transaction", ["--bundle-type", "transaction"]), ("ndjson", ["--format", "ndjson"])] {
            let a = dir.appendingPathComponent("\(name)-a"), b = dir.appendingPathComponent("\(name)-b")
            for d in [a, b] {
                let r = try Self.varde(["fhir", "export", "--quiet", "--store", store, "--cohort", cohort, "--out", d.path] + extra)
                #expect(r.status == 0, "\(r.stderr)")
            }
            let ta = try Self.folderText(a)
            #expect(!ta.isEmpty)
            #expect(ta == (try Self.folderText(b)), "\(name): two exports of the same store differ")
            let v = try Self.validate([a.path], extra: name == "transaction" ? ["--bundle-type", "transaction"] : [])
            #expect(v.status == 0, "\(name): \(v.stdout)\(v.stderr)")
        }
        // Streaming: one person per pass (each pass a scan of the store, observations spooled per person) writes the
        // same Bundles as all four people in one pass (NDJSON: the same lines).
        for (name, extra) in [("bundle", [String]()), ("ndjson", ["--format", "ndjson"])] {
            let one = dir.appendingPathComponent("\(name)-one-per-pass")
            let r = try Self.varde(["fhir", "export", "--quiet", "--store", store, "--cohort", cohort, "--out", one.path,
                                    "--people-per-pass", "1"] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let a = try Self.folderText(one), b = try Self.folderText(dir.appendingPathComponent("\(name)-a"))
            if name == "bundle" {
                #expect(a == b, "bundle: passes change the output")
            } else {
                // NDJSON interleaves a pass's people in genomic order: the same lines, grouped differently.
                #expect(a.split(separator: "\n").sorted() == b.split(separator: "\n").sorted(), "ndjson: passes change the resources")
            }
        }
        let nd = dir.appendingPathComponent("ndjson-a")
        let names = try FileManager.default.contentsOfDirectory(atPath: nd.path).sorted()
        #expect(names == ["Condition.ndjson", "DiagnosticReport.ndjson", "Observation.ndjson", "Patient.ndjson", "Specimen.ndjson"])
        let patients = try String(contentsOf: nd.appendingPathComponent("Patient.ndjson"), encoding: .utf8).split(separator: "\n")
        #expect(patients.count == 4)
        for line in patients {
            #expect(!line.contains(" ") && !line.contains("\n"))
            let p = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(p["resourceType"] as? String == "Patient")
            #expect(p["name"] == nil && p["address"] == nil)
            #expect((p["birthDate"] as? String)?.count == 4)
        }
        // Relative references in NDJSON.
        let obs = try String(contentsOf: nd.appendingPathComponent("Observation.ndjson"), encoding: .utf8)
        #expect(obs.contains("\"subject\":{\"reference\":\"Patient/"))
        #expect(!obs.contains("urn:uuid:"))
        // No person key, anywhere.
        let everything = try ["bundle-a", "transaction-a", "ndjson-a"].map { try Self.folderText(dir.appendingPathComponent($0)) }.joined()
        for key in Self.keys { #expect(!everything.contains(key)) }
    }

    @Test("the validator fails what it should: a missing GE category, a bare HGNC number, a CPR-like number, a dangling reference, a bad allelic read depth")
    func validatorRejects() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore38(in: dir)
        let out = dir.appendingPathComponent("out")
        let r = try Self.varde(["fhir", "export", "--quiet", "--store", store, "--person", "1205501238", "--out", out.path])
        #expect(r.status == 0, "\(r.stderr)")
        let file = try #require(try Self.bundleFiles(out).first)
        let original = try String(contentsOf: file, encoding: .utf8)
        let cases: [(String, (String) -> String, String)] = [
            ("GE category", { $0.replacingOccurrences(of: ",{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/v2-0074\",\"code\":\"GE\",\"display\":\"Genetics\"}]}]", with: "]") },
             "category lacks laboratory and/or v2-0074#GE"),
            ("HGNC", { $0.replacingOccurrences(of: "\"HGNC:1097\"", with: "\"1097\"") }, "is not HGNC:<digits>"),
            ("CPR", { $0.replacingOccurrences(of: "\"WXS\"", with: "\"0101701234\"") }, "CPR-like"),
            ("reference", { s in
                let i = s.range(of: "\"specimen\":{\"reference\":\"urn:uuid:")!.upperBound
                return s.replacingCharacters(in: i..<s.index(i, offsetBy: 8), with: "00000000")
            }, "does not resolve inside the bundle"),
            ("structure", { $0.replacingOccurrences(of: "\"status\":\"final\"", with: "\"status\":[\"final\"]") }, "fhir.resources R4B rejects it"),
            ("read depth unit", { $0.replacingOccurrences(of: "\"code\":\"{reads}/{base}\"", with: "\"code\":\"1\"") }, "is not a UCUM '{reads}/{base}' count"),
            ("read depth above DP", { $0.replacingOccurrences(of: "\"value\":17,", with: "\"value\":55,") }, "exceeds the read depth 54"),
            ("interval", { $0.replacingOccurrences(of: "\"high\":{\"value\":140753336}", with: "\"high\":{\"value\":140753337}") }, "does not span REF"),
        ]
        for (name, mutate, message) in cases {
            let broken = mutate(original)
            #expect(broken != original, "\(name): the mutation did not apply")
            let bad = dir.appendingPathComponent("bad-\(name).json")
            try broken.write(to: bad, atomically: true, encoding: .utf8)
            let v = try Self.validate([bad.path])
            #expect(v.status == 1, "\(name): the validator accepted it")
            #expect(v.stdout.contains(message), "\(name): \(v.stdout)")
        }
    }

    @Test("--pass-only leaves out exactly the Variants whose FILTER component is not PASS (Isaac LowGQX, HighDPFRatio)")
    func passOnly() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore37(in: dir)
        func filters(_ extra: [String]) throws -> [String] {
            let out = dir.appendingPathComponent("out\(extra.count)")
            let r = try Self.varde(["fhir", "export", "--quiet", "--store", store, "--sample", "NA12878", "--out", out.path] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let all = try Self.bundleFiles(out).flatMap { try Self.resources($0) }.filter { $0["resourceType"] as? String == "Observation" }
            return all.map { o in
                let qc = (o["component"] as? [[String: Any]] ?? []).first { c in
                    (((c["code"] as? [String: Any])?["coding"] as? [[String: Any]])?.first?["code"] as? String) == "filter"
                }
                return qc?["valueString"] as? String ?? "missing"
            }
        }
        let every = try filters([]), passing = try filters(["--pass-only"])
        let failing = every.filter { $0 != "PASS" }
        #expect(Set(failing) == ["LowGQX", "HighDPFRatio;LowGQX"] || Set(failing) == ["LowGQX", "LowGQX;HighDPFRatio"], "\(Set(failing))")
        #expect(passing.count == every.count - failing.count)
        #expect(passing.allSatisfy { $0 == "PASS" })
    }

    @Test("bad input: an unknown sample, two selectors, an empty store give clear errors")
    func badInput() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Self.makeStore38(in: dir)
        let out = dir.appendingPathComponent("out").path
        let unknown = try Self.varde(["fhir", "export", "--store", store, "--sample", "NOPE", "--out", out])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("sample NOPE is not in the store"))
        let two = try Self.varde(["fhir", "export", "--store", store, "--sample", "A", "--person", "B", "--out", out])
        #expect(two.status == 64)
        #expect(two.stderr.contains("exactly one of --person, --sample, --cohort"))
        let nd = try Self.varde(["fhir", "export", "--store", store, "--sample", "A", "--format", "ndjson", "--bundle-type", "transaction", "--out", out])
        #expect(nd.status == 64)
        let empty = try Self.varde(["fhir", "export", "--store", dir.appendingPathComponent("empty.db").path, "--sample", "A", "--out", out])
        #expect(empty.status == 1)
        #expect(empty.stderr.contains("no assembly"))
    }
}
