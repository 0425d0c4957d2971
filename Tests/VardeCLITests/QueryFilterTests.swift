import Foundation
import Testing
import TestSupport

/// `varde query` filters and VCF genotypes on real files, bcftools as the oracle.
@Suite("varde query: --pass-only, --consequence, chrX cohorts, --genotypes")
struct QueryFilterTests {
    static let env = ["VARDE_PSEUDONYM_KEY": "cli-test-secret-0123456789abcdef"]
    /// chrX (hg19), three haploid samples, VEP CSQ, two records with FILTER my_snp_filter.
    static let haploidX = Fixtures.path("cohort/test-haploidX.head100.vcf")
    static let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")

    func varde(_ args: [String]) throws -> Shell.Result { try Shell.run([Shell.varde] + args, environment: Self.env) }
    func bash(_ script: String) throws -> [String] {
        try Shell.run(["bash", "-c", "set -o pipefail; " + script]).stdout.split(separator: "\n").map(String.init)
    }

    /// CHROM, POS, REF, ALT of TSV rows.
    func sites(_ tsv: String) -> [String] {
        tsv.split(separator: "\n").dropFirst().map { l in l.split(separator: "\t").prefix(5).enumerated().filter { $0.offset != 2 }.map { String($0.element) }.joined(separator: "\t") }
    }

    @Test("--pass-only equals bcftools view -f PASS; --consequence equals bcftools +split-vep's Consequence; FILTER, GENE, CONSEQUENCE columns")
    func passOnlyAndConsequence() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        #expect(try varde(["load", "--quiet", "--store", store, Self.haploidX]).status == 0)

        let all = try varde(["query", "--store", store, "--region", "X"])
        #expect(all.stdout.hasPrefix("#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT\tNHEMI\tTUMOURS\tHGVSG\tFILTER\tGENE\tCONSEQUENCE\tOMOP_CONCEPT_ID\tSV\n"))
        let passing = try varde(["query", "--store", store, "--region", "X", "--pass-only"])
        #expect(passing.status == 0)
        let expectedPass = try bash("bcftools view -f PASS '\(Self.haploidX)' | bcftools norm -m- 2>/dev/null | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\n'")
        #expect(sites(passing.stdout) == expectedPass)
        #expect(sites(all.stdout).count == sites(passing.stdout).count + 2)
        // The filtered records keep their FILTER name in TSV and VCF.
        #expect(all.stdout.contains("\t2836037\t.\tG\tC\t") && all.stdout.contains("\tmy_snp_filter\tARSD\t"))
        let vcf = try varde(["query", "--store", store, "--region", "X", "--format", "vcf"]).stdout
        #expect(vcf.contains("##FILTER=<ID=my_snp_filter,"))
        #expect(vcf.contains("chrX\t8139196\t.\tC\tT\t.\tmy_snp_filter\t"))

        for terms in ["missense_variant", "missense_variant,stop_lost", "5_prime_UTR_variant"] {
            let q = try varde(["query", "--store", store, "--region", "X", "--consequence", terms])
            #expect(q.status == 0)
            let pattern = terms.split(separator: ",").map { "(^|&)\($0)(&|$)" }.joined(separator: "|")
            let expected = try bash("""
                bcftools norm -m- '\(Self.haploidX)' 2>/dev/null | bcftools +split-vep -d -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%Consequence\\n' \
                | awk -F'\\t' '$5 ~ /\(pattern)/' | cut -f1-4 | sort -u -k2,2n -k3,3 -k4,4
                """)
            #expect(!expected.isEmpty)
            #expect(sites(q.stdout) == expected, "\(terms)")
        }
        let json = try varde(["query", "--store", store, "--variant", "X-2700157-G-A", "--format", "json"]).stdout
        let o = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(o["filter"] as? String == "PASS" && o["genes"] as? [String] == ["XG"])
        #expect((o["consequences"] as? [String])?.contains("missense_variant") == true)
    }

    @Test("chrX haploid cohort counts equal bcftools view -S | norm -m- | +fill-tags")
    func chrXCohort() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        #expect(try varde(["load", "--quiet", "--store", store, Self.haploidX]).status == 0)
        let samples = try bash("bcftools query -l '\(Self.haploidX)'")
        for pick in [[samples[0], samples[2]], [samples[1]]] {
            let file = dir.appendingPathComponent("c.txt").path
            try pick.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let q = try varde(["query", "--store", store, "--region", "chrX", "--cohort", file])
            #expect(q.status == 0, "\(q.stderr)")
            let mine = q.stdout.split(separator: "\n").dropFirst().map { l -> String in
                let f = l.split(separator: "\t").map(String.init)
                return [f[0], f[1], f[3], f[4], f[9], f[10]].joined(separator: "\t")
            }
            let expected = try bash("""
                bcftools view -S '\(file)' '\(Self.haploidX)' | bcftools norm -m- 2>/dev/null | bcftools +fill-tags -- -t AC,AN \
                | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%AC\\t%AN\\n'
                """)
            #expect(mine.count == 100)
            #expect(mine == expected)
        }
    }

    @Test("--genotypes: the cohort's GTs in VCF equal bcftools view -S | norm -m- (alt allele counts), read back without warnings")
    func genotypes() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        #expect(try varde(["load", "--quiet", "--store", store, Self.cohort]).status == 0)
        let all = try bash("bcftools query -l '\(Self.cohort)'")
        let pick = stride(from: 3, to: all.count, by: 61).map { all[$0] }
        let file = dir.appendingPathComponent("c.txt").path
        try pick.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)

        let region = "22:16050000-16055000"
        let q = try varde(["query", "--store", store, "--region", region, "--cohort", file, "--format", "vcf", "--genotypes"])
        #expect(q.status == 0, "\(q.stderr)")
        let out = dir.appendingPathComponent("out.vcf").path
        try q.stdout.write(toFile: out, atomically: true, encoding: .utf8)
        let back = try Shell.run(["bcftools", "query", "-H", "-f", "%POS\t%REF\t%ALT[\t%GT]\n", out])
        #expect(back.status == 0 && back.stderr.isEmpty, "bcftools warned: \(back.stderr)")
        // Sample columns in the store's order; compare per sample by name.
        func table(_ lines: [String]) -> [String: [String: String]] {
            guard let header = lines.first else { return [:] }
            let names = header.split(separator: "\t").dropFirst(3).map { String($0.split(separator: "]").last!.split(separator: ":").first!) }
            var t: [String: [String: String]] = [:]
            for l in lines.dropFirst() {
                let f = l.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
                var (p, r, a) = (Int(f[0])!, Array(f[1]), Array(f[2]))
                while r.count > 1, a.count > 1, r.last == a.last { r.removeLast(); a.removeLast() }
                while r.count > 1, a.count > 1, r.first == a.first { r.removeFirst(); a.removeFirst(); p += 1 }
                let key = "\(p)\t\(String(r))\t\(String(a))"
                for (i, n) in names.enumerated() {
                    let alleles = f[3 + i].split(whereSeparator: { $0 == "/" || $0 == "|" })
                    t[key, default: [:]][n] = alleles.contains(".") ? "." : "\(alleles.filter { $0 != "0" }.count)"
                }
            }
            return t
        }
        let mine = table(back.stdout.split(separator: "\n").map(String.init))
        let expected = table(try bash("bcftools view -S '\(file)' -r \(region) '\(Self.cohort)' | bcftools norm -m- 2>/dev/null | bcftools view -e 'ALT=\"*\"' | bcftools query -H -f '%POS\\t%REF\\t%ALT[\\t%GT]\\n'"))
        #expect(pick.count == 41)
        #expect(mine.count > 100)
        #expect(mine == expected)
        #expect(mine.values.contains { $0.values.contains("1") } && mine.values.contains { $0.values.contains("2") })

        let noCohort = try varde(["query", "--store", store, "--region", region, "--format", "vcf", "--genotypes"])
        #expect(noCohort.status == 64 && noCohort.stderr.contains("--genotypes needs"))
    }

    @Test("JSON output validates against reference/schemas/query-variant.schema.json (with and without a cohort), and the README documents every field")
    func jsonMatchesSchema() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        // Symbolic alleles and multi-allelic sites (1000 Genomes), annotations and FILTERs (haploid X).
        #expect(try varde(["load", "--quiet", "--store", store, Self.cohort]).status == 0)
        #expect(try varde(["load", "--quiet", "--store", store, "--assembly", "GRCh37", Self.haploidX]).status == 0)
        let schema = Fixtures.root.appendingPathComponent("reference/schemas/query-variant.schema.json").path
        let plain = try varde(["query", "--store", store, "--region", "22,X", "--format", "json"]).stdout
        let withCohort = try varde(["query", "--store", store, "--region", "22:16050000-16052000,chrX:1-3000000", "--format", "json",
                                    "--cohort-where", "sample=HG00096"]).stdout
        let lines = (plain + withCohort).split(separator: "\n")
        #expect(lines.count > 450)
        #expect(withCohort.contains("\"cohort\":{"))
        let file = dir.appendingPathComponent("out.jsonl").path
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let validate = """
            import json, sys, jsonschema
            v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
            bad = 0
            for n, line in enumerate(open(sys.argv[2]), 1):
                o = json.loads(line)
                if sys.argv[3] == "broken": o.pop("an")
                for e in v.iter_errors(o):
                    bad += 1
                    if bad < 5: print(f"line {n}: {e.message}")
            print(f"invalid {bad}")
            """
        let good = try Shell.run(["python3", "-c", validate, schema, file, "as-is"])
        #expect(good.status == 0 && good.stdout.hasSuffix("invalid 0\n"), "\(good.stdout)\(good.stderr)")
        // The validator does fail: the same lines without `an` are all rejected.
        let broken = try Shell.run(["python3", "-c", validate, schema, file, "broken"])
        #expect(broken.stdout.hasSuffix("invalid \(lines.count)\n"))

        let readme = try String(contentsOf: Fixtures.root.appendingPathComponent("README.md"), encoding: .utf8)
        let props = try #require((try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: schema))) as? [String: Any])?["properties"] as? [String: Any])
        for key in props.keys { #expect(readme.contains("`\(key)`"), "README does not document \(key)") }
    }
}
