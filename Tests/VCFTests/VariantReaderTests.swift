import Foundation
import Testing
import TestSupport
import VCF
import VariantCore

@Suite("Reading VCF, bgzipped VCF and BCF")
struct VariantReaderTests {
    static let cohort = "cohort/1kg_p3.chr22_16050000-16061300"

    @Test("the same file as .vcf.gz and .bcf gives identical records and genotypes")
    func formatParity() throws {
        let gz = try Self.readAll(Fixtures.path(Self.cohort + ".vcf.gz"))
        let bcf = try Self.readAll(Fixtures.path(Self.cohort + ".bcf"))
        #expect(gz.count == 412)
        #expect(gz.map(\.withoutLine) == bcf.map(\.withoutLine))
    }

    @Test("genotypes equal bcftools query's, including multi-allelic sites and the <CN…> CNV",
          arguments: [cohort + ".vcf.gz", "cohort/test-haploidX.head100.vcf", "cohort/mixed_ploidy.vcf.gz",
                      "cohort/sample_all_missing_gts.vcf.gz", "cohort/test-hemi.vcf",
                      "somatic/mutect2.NA12878.head300.vcf", "gvcf/NA12891.chrX.haploid.rb.head1000.g.vcf.gz"])
    func genotypesMatchBcftools(_ fixture: String) throws {
        try #require(Shell.has("bcftools"))
        let path = Fixtures.path(fixture)
        let oracle = try Shell.run(["bcftools", "query", "-f", "%CHROM\t%POS\t%REF\t%ALT[\t%GT]\n", path])
        try #require(oracle.status == 0, "\(oracle.stderr)")
        let expected = oracle.stdout.split(separator: "\n").map(String.init)
        let samples = try VariantReader(path: path).header.samples.count
        let actual = try Self.readAll(path).map { v in
            var s = "\(v.contig)\t\(v.position)\t\(v.ref)\t\(v.alts.isEmpty ? "." : v.alts.joined(separator: ","))"
            if let g = v.genotypes { for i in 0..<g.sampleCount { s += "\t" + g.vcfString(i) } }
            else { s += String(repeating: "\t.", count: samples) }  // no GT in this record: bcftools prints "."
            return s
        }
        #expect(actual.count == expected.count)
        for (a, e) in zip(actual, expected) where a != e { Issue.record("Varde:    \(a.prefix(200))\nbcftools: \(e.prefix(200))"); break }
    }

    @Test("header: samples, contigs with lengths, assembly from contig lengths")
    func header() throws {
        let r37 = try VariantReader(path: Fixtures.path(Self.cohort + ".vcf.gz"))
        #expect(r37.header.samples.count == 2504)
        #expect(r37.header.contigs.first { $0.name == "22" }?.length == 51_304_566)
        #expect(r37.header.assemblyGuess.assembly == .grch37)
        let r38 = try VariantReader(path: Fixtures.path("cohort/1kg_hg38.chr22.head200.vcf.gz"))
        #expect(r38.header.assemblyGuess.assembly == .grch38)
        #expect(r38.header.samples.count == 2548)
    }

    @Test("haploid chrX calls are haploid, diploid calls diploid, in one file")
    func mixedPloidy() throws {
        let records = try Self.readAll(Fixtures.path("cohort/mixed_ploidy.vcf.gz"))
        let ploidies = Set(records.flatMap { v in v.genotypes.map { g in (0..<g.sampleCount).map { g.call($0).count } } ?? [] })
        #expect(ploidies.isSuperset(of: [1, 2]))
        let haploidX = try Self.readAll(Fixtures.path("gvcf/NA12891.chrX.haploid.rb.head1000.g.vcf.gz"))
        let hemi = haploidX.filter { $0.genotypes?.call(0).count == 1 && $0.genotypes?.zygosity(0) == .hemizygous }
        #expect(!hemi.isEmpty)
    }

    @Test("missing calls and half-calls are kept apart")
    func missingAndHalfCalls() throws {
        let records = try Self.readAll(Fixtures.path("cohort/test-hemi.vcf"))
        let calls = records.flatMap { v in v.genotypes.map { g in (0..<g.sampleCount).map { g.vcfString($0) } } ?? [] }
        #expect(calls.contains("0/."))
        let allMissing = try Self.readAll(Fixtures.path("cohort/sample_all_missing_gts.vcf.gz"))
        #expect(allMissing.contains { v in v.genotypes.map { g in (0..<g.sampleCount).contains { g.zygosity($0) == .noCall } } ?? false })
    }

    @Test("tumour/normal pair from ##tumor_sample/##normal_sample, with FORMAT AD and AF per sample")
    func somaticPair() throws {
        let reader = try VariantReader(path: Fixtures.path("somatic/mutect2.NA12878.head300.vcf"))
        #expect(reader.header.tumourSample == "SM-612V3")
        #expect(reader.header.normalSample == "SM-612V6")
        #expect(reader.header.isSomaticPair)
        let v = try #require(try reader.next())
        let ad = try #require(v.sampleValues.alleleDepths)
        let af = try #require(v.sampleValues.alleleFractions)
        #expect(ad.count == 2 * (v.alts.count + 1))
        #expect(af.count == 2 * v.alts.count)
        // Cross-check the first record against bcftools.
        let q = try Shell.run(["bcftools", "query", "-f", "[%AD;]\n", reader.path])
        let firstAD = q.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let mine = (0..<2).map { s in (0...v.alts.count).map { ad[s * (v.alts.count + 1) + $0].map(String.init) ?? "." }.joined(separator: ",") }
            .joined(separator: ";") + ";"
        #expect(mine == firstAD)
    }

    @Test("Strelka names the columns NORMAL and TUMOR and flags INFO/SOMATIC")
    func strelka() throws {
        let reader = try VariantReader(path: Fixtures.path("somatic/test_strelka.vcf"))
        #expect(reader.header.tumourSample?.uppercased() == "TUMOR")
        #expect(reader.header.normalSample?.uppercased() == "NORMAL")
        var somatic = 0
        while let v = try reader.next() { if v.isSomatic { somatic += 1 } }
        #expect(somatic > 0)
    }

    @Test("VEP CSQ is read by its header-declared field order")
    func vepCSQ() throws {
        let records = try Self.readAll(Fixtures.path("cohort/test-haploidX.head100.vcf"))
        let ann = records.flatMap(\.annotations)
        #expect(!ann.isEmpty)
        #expect(ann.allSatisfy { $0.source == .vep })
        #expect(ann.contains { $0.gene != nil && !$0.consequences.isEmpty && $0.transcript?.hasPrefix("ENST") == true })
    }

    @Test("SnpEff ANN is read into gene, consequence, HGVS.c and HGVS.p")
    func snpEffANN() throws {
        let records = try Self.readAll(Fixtures.path("annotated/1kg_hg38.chr22.norm.ann.dbnsfp.clinvar.cosmic.head100.vcf.gz"),
                                       options: ReadOptions(genotypes: false, sampleValues: false))
        let ann = records.flatMap(\.annotations)
        #expect(ann.allSatisfy { $0.source == .snpEff })
        // These chr22 records are intergenic: SnpEff writes non-coding HGVS (`n.`) there.
        #expect(ann.contains { $0.hgvsc?.hasPrefix("n.") == true && $0.gene != nil })
        // Cross-check one value against the raw INFO field via bcftools.
        let q = try Shell.run(["bcftools", "query", "-f", "%ANN\n", Fixtures.path("annotated/1kg_hg38.chr22.norm.ann.dbnsfp.clinvar.cosmic.head100.vcf.gz")])
        let first = q.stdout.split(separator: "\n")[0].split(separator: ",")[0].split(separator: "|", omittingEmptySubsequences: false)
        #expect(records[0].annotations[0].gene == String(first[3]))
        #expect(records[0].annotations[0].consequences == first[1].split(separator: "&").map(String.init))
    }

    @Test("symbolic alleles, breakends, * alleles and gVCF blocks are recognised, never taken for small variants")
    func alleleKinds() throws {
        let delly = try Self.readAll(Fixtures.path("symbolic/test_delly.vcf"))
        #expect(delly.contains { $0.altKinds.contains(.symbolic) })
        #expect(delly.contains { $0.altKinds.contains(.breakend) })
        let star = try Self.readAll(Fixtures.path("symbolic/chr_m_indels.vcf.gz"))
        #expect(star.contains { $0.altKinds.contains(.overlappingDeletion) })
        let gvcf = try Self.readAll(Fixtures.path("gvcf/NA12878.prod.chr20snippet.head2000.g.vcf.gz"))
        let blocks = gvcf.filter(\.isReferenceBlock)
        #expect(blocks.count == 1989)
        #expect(blocks.allSatisfy { $0.infoEnd != nil && $0.end >= $0.position })
        let isaac = try Self.readAll(Fixtures.path("gvcf/hc.head2000.vcf.gz"))
        #expect(isaac.filter(\.isReferenceBlock).count >= 1533)
        let cnv = try Self.readAll(Fixtures.path(Self.cohort + ".vcf.gz")).first { $0.alts.contains("<CN0>") }
        #expect(cnv?.altKinds.allSatisfy { $0 == .symbolic } == true)
    }

    @Test("a region query returns what bcftools view -r returns", arguments: [".vcf.gz", ".bcf"])
    func regionQuery(_ ext: String) throws {
        let path = Fixtures.path(Self.cohort + ext)
        let reader = try VariantReader(path: path, options: ReadOptions(genotypes: false, sampleValues: false))
        try reader.query(Region(contig: "22", start: 16_052_000, end: 16_055_000))
        var mine: [String] = []
        while let v = try reader.next() { mine.append("\(v.position)\t\(v.ref)") }
        let q = try Shell.run(["sh", "-c", "bcftools view -H -r 22:16052000-16055000 '\(path)' | cut -f2,4"])
        // The <CN0> deletion at 16,050,654 overlaps the region through its END, as bcftools view -r reports.
        #expect(mine.first == "16050654\tA")
        #expect(mine == q.stdout.split(separator: "\n").map(String.init))
        #expect(!mine.isEmpty)
        // A contig that the index does not know is an empty region, not a crash.
        try reader.query(Region(contig: "chr22"))
        #expect(try reader.next() == nil)
    }

    @Test("a record with FORMAT '.' and no GT reads as no genotypes, not a crash")
    func formatMissing() throws {
        let records = try Self.readAll(Fixtures.path("cohort/formatmissing.vcf"))
        #expect(records.count == 1)
        #expect(records[0].genotypes == nil)
    }

    @Test("a region query on an unindexed file says how to index it")
    func missingIndex() throws {
        let reader = try VariantReader(path: Fixtures.path("somatic/test_strelka.vcf"))
        #expect(throws: VCFError.self) { try reader.query(Region(contig: "1")) }
    }

    static func readAll(_ path: String, options: ReadOptions = ReadOptions()) throws -> [Variant] {
        let reader = try VariantReader(path: path, options: options)
        var out: [Variant] = []
        while let v = try reader.next() { out.append(v) }
        return out
    }
}

extension Variant {
    /// The record without its source line number (which differs between VCF and BCF by design).
    var withoutLine: Variant { var v = self; v.line = nil; return v }
}
