import Foundation
import Testing
import TestSupport

/// `varde check` as a lab member runs it: the built binary, real files, exit codes, stdout and stderr.
@Suite("varde check")
struct CheckCommandTests {
    @Test("a good multi-sample file is loadable (exit 0) and its counts equal bcftools'")
    func goodFile() throws {
        let path = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
        let r = try Shell.varde(["check", "--quiet", path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\(path): loadable"))
        #expect(r.stderr.isEmpty, "stderr must be empty with --quiet: \(r.stderr)")
        let n = try Shell.run(["sh", "-c", "bcftools view -H '\(path)' | wc -l"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(r.stdout.contains("records               \(n)"))
        #expect(r.stdout.contains("GRCh37"))
        #expect(r.stdout.contains("multi-allelic         4"))
        #expect(r.stdout.contains("symbolic / breakend   1 / 0"))
    }

    @Test("known-malformed files are NOT loadable (exit 1) with file, line and a fix — never a crash",
          arguments: ["malformed/empty.vcf", "malformed/vcf_translocation_parsing.vcf", "malformed/complexEvents.vcf",
                      "malformed/test-invalid-header.vcf", "malformed/validationExampleBad2.vcf",
                      "malformed/vcf_translocation.vcf", "malformed/test_fusion_CCDC6-RET.vcf"])
    func malformed(_ fixture: String) throws {
        let path = Fixtures.path(fixture)
        let r = try Shell.varde(["check", "--quiet", path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("NOT loadable"))
        #expect(r.stdout.contains("error: \(path)"))
        #expect(r.stdout.contains("Fix: "))
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
    }

    @Test("the messages name what is wrong", arguments: [
        ("malformed/vcf_translocation_parsing.vcf", "##fileformat"),
        ("malformed/empty.vcf", "empty (0 bytes)"),
        ("malformed/test-invalid-header.vcf", "empty sample name"),
        ("malformed/validationExampleBad2.vcf", "CHROM is empty"),
        ("malformed/complexEvents.vcf", "column line"),
    ])
    func messages(_ fixture: String, _ phrase: String) throws {
        let r = try Shell.varde(["check", "--quiet", Fixtures.path(fixture)])
        #expect(r.stdout.contains(phrase))
    }

    @Test("usage errors exit 64", arguments: [["check"], ["check", "--threads", "0", "x.vcf"], ["check", "--bogus", "x.vcf"],
                                               ["check", "--check-ref", "sometimes", "x.vcf"]])
    func usage(_ args: [String]) throws {
        let r = try Shell.varde(args)
        #expect(r.status == 64)
        #expect(!r.stderr.isEmpty)
    }

    @Test("JSON output is one object per file with the counts")
    func json() throws {
        let a = Fixtures.path("somatic/mutect2.NA12878.head300.vcf"), b = Fixtures.path("malformed/empty.vcf")
        let r = try Shell.varde(["check", "--quiet", "--format", "json", a, b])
        #expect(r.status == 1)
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(objects.count == 2)
        #expect(objects[0]["loadable"] as? Bool == true)
        #expect(objects[0]["records"] as? Int == 300)
        #expect(objects[0]["tumourSample"] as? String == "SM-612V3")
        #expect((objects[0]["counts"] as? [String: Any])?["multiallelic"] as? Int == 54)
        #expect(objects[1]["loadable"] as? Bool == false)
        let problems = try #require(objects[1]["problems"] as? [[String: Any]])
        #expect(problems.first?["code"] as? String == "empty-file")
    }

    @Test("with --reference, REF mismatches make a file unloadable unless --check-ref warn")
    func referenceCheck() throws {
        let fasta = Fixtures.path("reference/Homo_sapiens_assembly38_chrM_only.fasta")
        let bad = Fixtures.path("reference/mito_mutect2.unfiltered.vcf")
        let r = try Shell.varde(["check", "--quiet", "--reference", fasta, bad])
        #expect(r.status == 1)
        #expect(r.stdout.contains("REF mismatches        1"))
        #expect(r.stdout.contains("chrM:400"))
        let warn = try Shell.varde(["check", "--quiet", "--reference", fasta, "--check-ref", "warn", bad])
        #expect(warn.status == 0)
        let good = try Shell.varde(["check", "--quiet", "--reference", fasta, Fixtures.path("reference/mito_mutect2.filtered.vcf")])
        #expect(good.status == 0)
        #expect(good.stdout.contains("REF mismatches        0"))
    }

    @Test("normalisation changes are counted against the real FASTA: dbSNP b37 chr1:1-1,000,000")
    func normalizationCount() throws {
        let r = try Shell.varde(["check", "--quiet", "--reference", Fixtures.path("reference/Homo_sapiens_assembly19_chr1_1M.fasta"),
                                 Fixtures.path("reference/Homo_sapiens_assembly19.dbsnp135.chr1_1M.exome_intervals.vcf")])
        #expect(r.status == 0)
        // 7 multi-allelic records are split (bcftools norm: 734/7/4/0, its 4 realigned records come from those splits).
        #expect(r.stdout.contains("changed by norm       7"))
    }

    @Test("parallel and single-threaded checks report the same", arguments: ["cohort/1kg_p3.chr22_16050000-16061300.bcf",
                                                                            "gvcf/NA12878.prod.chr20snippet.head2000.g.vcf.gz"])
    func parallelSameAsSerial(_ fixture: String) throws {
        let path = Fixtures.path(fixture)
        let one = try Shell.varde(["check", "--quiet", "--format", "json", "--threads", "1", path])
        let two = try Shell.varde(["check", "--quiet", "--format", "json", "--threads", "2", path])
        #expect(one.status == 0 && two.status == 0)
        #expect(one.stdout == two.stdout)
    }
}
