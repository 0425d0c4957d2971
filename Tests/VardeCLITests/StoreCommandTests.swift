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
        #expect(lines.first == "#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT\tNHEMI\tTUMOURS\tHGVSG\tFILTER\tGENE\tCONSEQUENCE\tOMOP_CONCEPT_ID\tSV")
        #expect(lines.contains { $0.hasPrefix("22\t16050075\t") && $0.hasSuffix("\tNC_000022.10:g.16050075A>G\tPASS\t.\t.\t.\t.") })
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

    @Test("cohort frequencies equal bcftools view -S cohort | norm -m- | +fill-tags; variant, rsID and JSON selectors agree")
    func cohortAndSelectors() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        #expect(try varde(["load", "--quiet", "--store", store, Self.cohort]).status == 0)
        // A fixed pseudo-random cohort of 300 of the 2,504 samples.
        let all = try Shell.run(["bcftools", "query", "-l", Self.cohort]).stdout.split(separator: "\n").map(String.init)
        var pick: [String] = []
        var x: UInt64 = 12345
        for s in all { x = x &* 6364136223846793005 &+ 1442695040888963407; if (x >> 33) % 25 < 3 { pick.append(s) } }
        let cohortFile = dir.appendingPathComponent("cohort.txt").path
        try pick.joined(separator: "\n").write(toFile: cohortFile, atomically: true, encoding: .utf8)

        let q = try varde(["query", "--store", store, "--region", "22:16050000-16061300", "--cohort", cohortFile])
        #expect(q.status == 0, "\(q.stderr)")
        let lines = q.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT\tCOHORT_AC\tCOHORT_AN\tCOHORT_AF\tCOHORT_NHOMALT") == true)
        let mine = lines.dropFirst().map { l -> String in
            let f = l.split(separator: "\t").map(String.init)
            return "\(f[0])\t\(f[1])\t\(f[3])\t\(f[4])\t\(f[9])\t\(f[10])"
        }.sorted()
        let oracle = try Shell.run(["bash", "-c", "bcftools view -S '\(cohortFile)' '\(Self.cohort)' | bcftools norm -m- 2>/dev/null | bcftools +fill-tags -- -t AC,AN | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%AC\\t%AN\\n'"])
        let expected = oracle.stdout.split(separator: "\n").map(String.init).filter { $0.split(separator: "\t")[3] != "*" }.map { l -> String in
            let f = l.split(separator: "\t").map(String.init)
            var r = Array(f[2]), a = Array(f[3]), p = Int(f[1])!
            if !f[3].hasPrefix("<") {
                while r.count > 1, a.count > 1, r.last == a.last { r.removeLast(); a.removeLast() }
                while r.count > 1, a.count > 1, r.first == a.first { r.removeFirst(); a.removeFirst(); p += 1 }
            }
            return "\(f[0])\t\(p)\t\(String(r))\t\(String(a))\t\(f[4])\t\(f[5])"
        }.sorted()
        #expect(pick.count > 200)
        #expect(mine.count == 418)
        #expect(mine == expected)

        // --variant and --rsid find the same record; JSON carries the same numbers.
        let byVariant = try varde(["query", "--store", store, "--variant", "22-16050115-G-A"]).stdout
        let byRsid = try varde(["query", "--store", store, "--rsid", "rs587755077"]).stdout
        #expect(byVariant == byRsid)
        #expect(byVariant.contains("22\t16050115\trs587755077\tG\tA\t32\t5008"))
        let json = try varde(["query", "--store", store, "--variant", "chr22-16050115-G-A", "--format", "json"]).stdout
        let o = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(o["ac"] as? Int == 32 && o["an"] as? Int == 5008 && o["variantId"] as? String == "22-16050115-G-A")
    }

    @Test("HGVSG: indels are 3′-shifted against --reference; without it only SNVs and delins are written")
    func hgvsColumn() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let vcf = Fixtures.path("reference/Homo_sapiens_assembly19.dbsnp135.chr1_1M.exome_intervals.vcf")
        let fasta = Fixtures.path("reference/Homo_sapiens_assembly19_chr1_1M.fasta")
        #expect(try varde(["load", "--quiet", "--store", store, "--reference", fasta, vcf]).status == 0)
        // --hgvs finds a variant by its canonical HGVS, including a 3′-shifted dup (needs --reference).
        let dup = try varde(["query", "--store", store, "--hgvs", "NC_000001.10:g.878768dup", "--reference", fasta])
        #expect(dup.stdout.contains("1\t878761\trs35755565\tA\tAG\t"))
        let noRef = try varde(["query", "--store", store, "--hgvs", "NC_000001.10:g.878768dup"])
        #expect(noRef.status == 1 && noRef.stderr.contains("--reference"))
        let wrongBuild = try varde(["query", "--store", store, "--hgvs", "NC_000001.11:g.878768dup", "--reference", fasta])
        #expect(wrongBuild.status == 1 && wrongBuild.stderr.contains("GRCh37"))
        let with = try varde(["query", "--store", store, "--region", "1", "--reference", fasta]).stdout.split(separator: "\n").dropFirst()
        let without = try varde(["query", "--store", store, "--region", "1"]).stdout.split(separator: "\n").dropFirst()
        #expect(with.count == without.count && with.count > 700)
        let indelsWith = with.filter { $0.contains("del") || $0.contains("dup") || $0.contains("ins") }
        #expect(!indelsWith.isEmpty)
        #expect(indelsWith.allSatisfy { $0.contains("NC_000001.10:g.") })
        func hgvsg(_ row: Substring) -> Substring { row.split(separator: "\t")[11] }
        #expect(without.filter { hgvsg($0) == "." }.count >= indelsWith.filter { !$0.contains("delins") }.count)
        #expect(with.filter { hgvsg($0) == "." }.isEmpty)
    }

    @Test("filters: --min-af/--max-af, --type, --origin agree with the unfiltered rows")
    func filters() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let manifest = dir.appendingPathComponent("m.tsv").path
        try "sample\tperson\trole\nSM-612V3\tP-1\ttumour\nSM-612V6\tP-1\tnormal\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try varde(["load", "--quiet", "--store", store, Self.cohort]).status == 0)
        #expect(try varde(["load", "--quiet", "--store", store, "--manifest", manifest, Fixtures.path("somatic/mutect2.NA12878.head300.vcf")]).status == 0)
        func rows(_ extra: [String]) throws -> [[String]] {
            try varde(["query", "--store", store, "--region", "22,1,2"] + extra).stdout.split(separator: "\n").dropFirst()
                .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        }
        let all = try rows([])
        let common = try rows(["--min-af", "0.05"])
        #expect(!common.isEmpty && common.count < all.count)
        #expect(common.count == all.filter { (Double($0[7]) ?? 0) >= 0.05 }.count)
        let rare = try rows(["--max-af", "0.001"])
        #expect(rare.count == all.filter { (Double($0[7]) ?? 0) <= 0.001 }.count)
        let indels = try rows(["--type", "indel"])
        #expect(!indels.isEmpty && indels.allSatisfy { $0[3].count != $0[4].count })
        let sv = try rows(["--type", "sv"])
        #expect(sv.count == 4 && sv.allSatisfy { $0[4].hasPrefix("<CN") })
        let somatic = try rows(["--origin", "somatic"])
        #expect(!somatic.isEmpty && somatic.allSatisfy { Int($0[10])! > 0 })
        #expect(somatic.count == all.filter { Int($0[10])! > 0 }.count)
        #expect(try varde(["query", "--store", store, "--region", "22", "--min-af", "2"]).status == 64)
    }

    @Test("--sample and --person: what they carry equals bcftools' genotypes after splitting")
    func carriedBySample() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        #expect(try varde(["load", "--quiet", "--store", store, Self.cohort]).status == 0)
        let q = try varde(["query", "--store", store, "--sample", "HG00097"])
        #expect(q.status == 0)
        let mine = q.stdout.split(separator: "\n").dropFirst().map { l -> String in
            let f = l.split(separator: "\t").map(String.init)
            return "\(f[1])\t\(f[3])\t\(f[4])\t\(f[12])"
        }
        let oracle = try Shell.run(["bash", "-c", "bcftools norm -m- '\(Self.cohort)' 2>/dev/null | bcftools query -s HG00097 -f '%POS\\t%REF\\t%ALT[\\t%GT]\\n'"])
        let expected = oracle.stdout.split(separator: "\n").compactMap { l -> String? in
            let f = l.split(separator: "\t").map(String.init)
            let alts = f[3].filter { $0 == "1" }.count
            guard alts > 0, f[2] != "*" else { return nil }
            var r = Array(f[1]), a = Array(f[2]), p = Int(f[0])!
            if !f[2].hasPrefix("<") {
                while r.count > 1, a.count > 1, r.last == a.last { r.removeLast(); a.removeLast() }
                while r.count > 1, a.count > 1, r.first == a.first { r.removeFirst(); a.removeFirst(); p += 1 }
            }
            return "\(p)\t\(String(r))\t\(String(a))\t\(alts == 2 ? "homAlt" : "het")"
        }
        #expect(!mine.isEmpty)
        #expect(mine.sorted() == expected.sorted())
        // --person with the sample's person key (without a manifest, the sample name) gives the same.
        let byPerson = try varde(["query", "--store", store, "--person", "HG00097"])
        #expect(byPerson.stdout == q.stdout)
        let unknown = try varde(["query", "--store", store, "--sample", "NOPE"])
        #expect(unknown.status == 1 && unknown.stderr.contains("not in the store"))
    }

    @Test("--regions-file (BED, 0-based) equals --region; VCF output reads back in bcftools without warnings; --cohort-where")
    func bedVCFAndCohortWhere() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let manifest = dir.appendingPathComponent("m.tsv").path
        let samples = try Shell.run(["bcftools", "query", "-l", Self.cohort]).stdout.split(separator: "\n").map(String.init)
        // Half the samples get a diagnosis (C34.1, lung), to select them by manifest field.
        var m = "sample\tperson\trole\tdiagnosis\tproject\n"
        for (i, s) in samples.enumerated() { m += "\(s)\tP\(i)\tgermline\t\(i % 2 == 0 ? "C34.1" : "")\t\(i < 100 ? "pilot" : "main")\n" }
        try m.write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try varde(["load", "--quiet", "--store", store, "--manifest", manifest, Self.cohort]).status == 0)

        let bed = dir.appendingPathComponent("r.bed").path
        try "track name=test\n22\t16049999\t16052000\n".write(toFile: bed, atomically: true, encoding: .utf8)
        let byBed = try varde(["query", "--store", store, "--regions-file", bed]).stdout
        let byRegion = try varde(["query", "--store", store, "--region", "22:16050000-16052000"]).stdout
        #expect(byBed == byRegion)

        let vcf = dir.appendingPathComponent("out.vcf").path
        let v = try varde(["query", "--store", store, "--region", "22", "--format", "vcf", "--cohort-where", "diagnosis=C34"])
        try v.stdout.write(toFile: vcf, atomically: true, encoding: .utf8)
        let back = try Shell.run(["bcftools", "query", "-f", "%POS\t%REF\t%ALT\t%AC\t%AN\t%COHORT_AN\n", vcf])
        #expect(back.status == 0)
        #expect(back.stderr.isEmpty, "bcftools warned: \(back.stderr)")
        let lines = back.stdout.split(separator: "\n")
        #expect(lines.count == 418)
        // 1,252 samples have a C34 diagnosis: 2,504 alleles in the cohort where no call is missing.
        #expect(lines.allSatisfy { $0.hasSuffix("\t2504") })
        let pilot = try varde(["query", "--store", store, "--region", "22:16050075-16050075", "--cohort-where", "project=pilot"]).stdout
        #expect(pilot.split(separator: "\n")[1].split(separator: "\t")[10] == "200")

        // Named cohorts: saved, used by name, listed, deleted.
        let create = try varde(["cohort", "create", "--store", store, "lung", "--where", "diagnosis=C34"])
        #expect(create.status == 0 && create.stdout.contains("1252 samples"))
        let byName = try varde(["query", "--store", store, "--region", "22", "--cohort", "lung", "--format", "vcf"]).stdout
        #expect(byName == v.stdout)
        #expect(try varde(["cohort", "list", "--store", store]).stdout.contains("lung\t1252\t"))
        #expect(try varde(["cohort", "create", "--store", store, "lung", "--where", "diagnosis=C34"]).status == 1)
        #expect(try varde(["cohort", "delete", "--store", store, "lung"]).status == 0)
        #expect(!(try varde(["cohort", "list", "--store", store]).stdout.contains("lung")))
    }

    @Test("--gene finds a gene's variants through the GRCh38 gene table; aliases work")
    func geneSelector() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        // ClinVar GRCh38 records with their GENEINFO: SAMD11 (1:925952, 1:930139) and ACP1 (2:264985, 2:265015).
        #expect(try varde(["load", "--quiet", "--store", store, Fixtures.path("annotated/clinvar-testset.input.vcf.gz")]).status == 0)
        let env = Self.env.merging(["VARDE_REFERENCE": Fixtures.root.appendingPathComponent("reference").path]) { $1 }
        let samd11 = try varde(["query", "--store", store, "--gene", "SAMD11"], env: env)
        #expect(samd11.status == 0, "\(samd11.stderr)")
        let positions = samd11.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: "\t")[1] }
        #expect(positions.contains("925952") && positions.contains("930139"))
        let table = try String(contentsOf: Fixtures.root.appendingPathComponent("reference/genes.GRCh38.tsv"), encoding: .utf8)
        let row = try #require(table.split(separator: "\n").first { $0.hasPrefix("SAMD11\t") }).split(separator: "\t")
        let byRegion = try varde(["query", "--store", store, "--region", "\(row[2]):\(row[3])-\(row[4])"], env: env)
        #expect(samd11.stdout == byRegion.stdout)
        // ACP1 by its alias HAAP.
        let alias = try varde(["query", "--store", store, "--gene", "HAAP"], env: env)
        #expect(alias.stdout.contains("\t264985\t") && alias.stdout.contains("\t265015\t"))
        let unknown = try varde(["query", "--store", store, "--gene", "NOTAGENE1"], env: env)
        #expect(unknown.status == 1 && unknown.stderr.contains("no gene NOTAGENE1"))
    }

    @Test("--gene on a GRCh37 store reads genes.GRCh37.tsv: IRS1 gives the records bcftools finds in its GENCODE 19 extent")
    func geneSelectorGRCh37() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = Fixtures.root.appendingPathComponent("reference")
        let env = Self.env.merging(["VARDE_REFERENCE": reference.path]) { $1 }
        // Mutect2 calls on GRCh37 (contig lengths say so); six of them fall in IRS1 (2q36.3).
        let somatic = Fixtures.path("somatic/mutect2.NA12878.head300.vcf.gz")
        let store = dir.appendingPathComponent("b37.db").path
        #expect(try varde(["load", "--quiet", "--store", store, somatic]).status == 0)

        // The expectation: IRS1's extent as the GRCh37 table gives it (GENCODE 19: 2:227596033-227664475, not the
        // GRCh38 table has 2:226731312-226799820), then bcftools on the fixture itself, one row per ALT allele.
        let table = try String(contentsOf: reference.appendingPathComponent("genes.GRCh37.tsv"), encoding: .utf8)
        let row = try #require(table.split(separator: "\n").first { $0.hasPrefix("IRS1\t") }).split(separator: "\t")
        #expect(row[2] == "2" && row[3] == "227596033" && row[4] == "227664475")
        let oracle = try Shell.run(["bash", "-c", "bcftools view -r '\(row[2]):\(row[3])-\(row[4])' '\(somatic)' | bcftools norm -m- 2>/dev/null | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\n'"])
        let expected = oracle.stdout.split(separator: "\n").map(String.init)
        #expect(expected.count == 6)

        func records(_ stdout: String) -> [String] {
            stdout.split(separator: "\n").dropFirst().map { l in
                let f = l.split(separator: "\t", omittingEmptySubsequences: false)
                return "\(f[0])\t\(f[1])\t\(f[3])\t\(f[4])"
            }
        }
        let irs1 = try varde(["query", "--store", store, "--gene", "IRS1"], env: env)
        #expect(irs1.status == 0, "\(irs1.stderr)")
        #expect(records(irs1.stdout) == expected)
        // The same through its alias HIRS-1, and the GRCh37 HGVS accession of chromosome 2.
        let alias = try varde(["query", "--store", store, "--gene", "HIRS-1"], env: env)
        #expect(alias.stdout == irs1.stdout)
        #expect(irs1.stdout.contains("NC_000002.11:g."))

        // A gene with no record in the slice answers with none; a missing table is named.
        let egfr = try varde(["query", "--store", store, "--gene", "EGFR"], env: env)
        #expect(egfr.status == 0 && records(egfr.stdout).isEmpty)
        let empty = dir.appendingPathComponent("noref").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let missing = try varde(["query", "--store", store, "--gene", "IRS1"], env: Self.env.merging(["VARDE_REFERENCE": empty]) { $1 })
        #expect(missing.status != 0 && missing.stderr.contains("genes.GRCh37.tsv"))
    }

    @Test("a bad region is a usage error (64)")
    func badRegion() throws {
        let r = try varde(["query", "--store", "/nonexistent.db", "--region", "22:500-100"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("before the start"))
    }
}
