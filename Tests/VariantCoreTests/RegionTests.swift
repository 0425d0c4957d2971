import Testing
import VariantCore

@Suite("Regions in bcftools syntax")
struct RegionTests {
    @Test("CHROM, CHROM:BEG-END, CHROM:BEG- and CHROM:POS read as bcftools/htslib read them")
    func parsing() throws {
        #expect(try Region(parsing: "7") == Region(contig: "7"))
        #expect(try Region(parsing: "chr7:55019017-55211628") == Region(contig: "chr7", start: 55_019_017, end: 55_211_628))
        #expect(try Region(parsing: "X:100-") == Region(contig: "X", start: 100, end: nil))
        // htslib: `chr:pos` runs from pos to the end of the contig.
        #expect(try Region(parsing: "22:16100000") == Region(contig: "22", start: 16_100_000, end: nil))
        // Contig names may contain colons (HLA alleles, some decoys): the last colon separates the range.
        #expect(try Region(parsing: "HLA-A*01:01:01:01:1-100") == Region(contig: "HLA-A*01:01:01:01", start: 1, end: 100))
    }

    @Test("a comma-separated list gives several regions", arguments: [("7,8:100-200,X", 3), ("1", 1)])
    func list(_ text: String, _ count: Int) throws {
        #expect(try Region.parseList(text).count == count)
    }

    @Test("bad regions are refused with a message that shows the syntax",
          arguments: ["", "7:0-10", "7:200-100", "7:abc", ":1-2"])
    func refused(_ text: String) {
        #expect(throws: RegionError.self) { try Region(parsing: text) }
        do { _ = try Region(parsing: text) } catch { #expect(error.description.contains("CHROM")) }
    }

    @Test("overlap is closed on both ends")
    func overlap() {
        let r = Region(contig: "1", start: 100, end: 200)
        #expect(r.overlaps(position: 200, lastPosition: 300))
        #expect(r.overlaps(position: 50, lastPosition: 100))
        #expect(!r.overlaps(position: 201, lastPosition: 300))
        #expect(!r.overlaps(position: 10, lastPosition: 99))
    }
}

@Suite("gnomAD-style variant IDs")
struct VariantIDTests {
    @Test("IDs drop the chr prefix and read back", arguments: ["22-16050075-A-G", "chr22-16050075-A-G", "22:16050075:A:G"])
    func roundTrip(_ text: String) throws {
        let id = try VariantID(parsing: text)
        #expect(id.description == "22-16050075-A-G")
    }

    @Test("malformed IDs are refused", arguments: ["22-0-A-G", "22-1-A", "22-x-A-G", "22-1-A-<DEL>", "-1-A-G"])
    func refused(_ text: String) {
        #expect(throws: VariantIDError.self) { try VariantID(parsing: text) }
    }
}

@Suite("Allele classification")
struct AlleleKindTests {
    @Test("each ALT gets the kind a loader must know", arguments: [
        ("A", "G", AlleleKind.snv), ("AT", "GC", .mnv), ("AT", "GT", .snv), ("A", "AT", .insertion),
        ("AT", "A", .deletion), ("ATG", "C", .complex), ("A", "<DEL>", .symbolic), ("A", "<CN0>", .symbolic),
        ("G", "G]17:198982]", .breakend), ("T", ".T", .breakend), ("A", "*", .overlappingDeletion),
        ("A", "<NON_REF>", .referenceBlock), ("A", "<*>", .referenceBlock), ("A", ".", .referenceBlock),
    ])
    func classify(_ ref: String, _ alt: String, _ kind: AlleleKind) {
        #expect(AlleleKind.classify(ref: ref, alt: alt) == kind)
    }
}

@Suite("Assembly detection from contig lengths")
struct AssemblyTests {
    @Test("GRCh37 and GRCh38 are told apart by chromosome lengths, with or without chr")
    func detect() {
        #expect(Assembly.detect(contigs: [("chr1", 248_956_422), ("chrM", 16_569)]).assembly == .grch38)
        #expect(Assembly.detect(contigs: [("1", 249_250_621), ("MT", 16_569)]).assembly == .grch37)
        // chrM is the same length in both: it decides nothing.
        #expect(Assembly.detect(contigs: [("MT", 16_569)]).assembly == nil)
        // Disagreeing contigs give no answer and are named.
        let mixed = Assembly.detect(contigs: [("1", 249_250_621), ("2", 242_193_529)])
        #expect(mixed.assembly == nil)
        let odd = Assembly.detect(contigs: [("22", 1_000)])
        #expect(odd.conflictingContigs == ["22"])
    }
}

@Suite("Genotype zygosity")
struct GenotypesTests {
    @Test("hom-ref, het, hom-alt, hemizygous and no-call per sample and per ALT")
    func zygosity() {
        // Samples: 0/0, 0/1, 1/1, 1 (haploid), ./., 1/., 2/2 (multi-allelic)
        let a: [Int16] = [0, 0, 0, 1, 1, 1, 1, Genotypes.absent, -1, -1, 1, -1, 2, 2]
        let g = Genotypes(sampleCount: 7, maxPloidy: 2, alleles: a, phased: Array(repeating: false, count: 7))
        #expect((0..<7).map { g.zygosity($0) } == [.homRef, .het, .homAlt, .hemizygous, .noCall, .het, .homRef])
        #expect(g.zygosity(6, alt: 2) == .homAlt)
        #expect(g.vcfString(3) == "1")
        #expect(g.vcfString(5) == "1/.")
    }
}

@Suite("Annotation layouts from header descriptions")
struct AnnotationLayoutTests {
    @Test("VEP CSQ fields are found by name in any order")
    func vep() throws {
        let layout = try #require(AnnotationLayout(source: .vep,
            description: "Consequence annotations from Ensembl VEP. Format: Allele|Consequence|IMPACT|SYMBOL|Gene|Feature_type|Feature|BIOTYPE|HGVSc|HGVSp"))
        let a = layout.parse("T|missense_variant&splice_region_variant|MODERATE|BRAF|ENSG00000157764|Transcript|ENST00000646891|protein_coding|ENST00000646891.2:c.1799T>A|ENSP00000493543.1:p.Val600Glu")
        #expect(a.count == 1)
        #expect(a[0].gene == "BRAF")
        #expect(a[0].consequences == ["missense_variant", "splice_region_variant"])
        #expect(a[0].hgvsp == "ENSP00000493543.1:p.Val600Glu")
        #expect(a[0].transcript == "ENST00000646891")
    }

    @Test("SnpEff ANN fields are read from the quoted list; %3D is decoded")
    func snpEff() throws {
        let layout = try #require(AnnotationLayout(source: .snpEff,
            description: "Functional annotations: 'Allele | Annotation | Annotation_Impact | Gene_Name | Gene_ID | Feature_Type | Feature_ID | Transcript_BioType | Rank | HGVS.c | HGVS.p'"))
        let a = layout.parse("A|synonymous_variant|LOW|KRAS|ENSG1|transcript|ENST1|protein_coding|2/5|c.36T>A|p.Ile12%3D,G|intron_variant|MODIFIER|KRAS|ENSG1|transcript|ENST2|protein_coding|1/4||")
        #expect(a.count == 2)
        #expect(a[0].hgvsp == "p.Ile12=")
        #expect(a[1].hgvsc == nil)
    }
}
