import Foundation
import Testing
import TestSupport

/// `varde load` of real MAFs and `varde export maf`, through the built binary.
@Suite("MAF in and out")
struct MAFCommandTests {
    static let env = ["VARDE_PSEUDONYM_KEY": "maf-test-secret-0123456789abcdef"]
    func varde(_ args: [String]) throws -> Shell.Result { try Shell.run([Shell.varde] + args, environment: Self.env) }

    static func table(_ text: String) -> (header: [String], rows: [[String: String]]) {
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        guard let first = lines.first else { return ([], []) }
        let header = first.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        let rows = lines.dropFirst().map { line in
            Dictionary(zip(header, line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)), uniquingKeysWith: { a, _ in a })
        }
        return (header, rows)
    }

    @Test("a vcf2maf MAF loads as tumour calls (no AC/AN), and exports back with the same classification, protein change and depths",
          arguments: ["vcf2maf/test_b38_output.maf", "vcf2maf/test_output.vep_isoforms.maf"])
    func roundTrip(_ fixture: String) throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let maf = Fixtures.path("somatic/" + fixture)
        let load = try varde(["load", "--quiet", "--store", store, maf])
        try #require(load.status == 0, "\(load.stderr)")
        let samples = try varde(["samples", "--store", store]).stdout
        #expect(samples.contains("TUMOR\t1\ttumour\tno"), "\(samples)")
        let input = Self.table(try String(contentsOfFile: maf, encoding: .utf8)).rows

        let export = try varde(["export", "maf", "--store", store])
        try #require(export.status == 0, "\(export.stderr)")
        #expect(export.stdout.hasPrefix("#version 2.4\n"))
        let (header, rows) = Self.table(export.stdout)
        // cBioPortal's mutation-data columns (required, and those it reads when present).
        for column in ["Hugo_Symbol", "Tumor_Sample_Barcode", "Variant_Classification", "HGVSp_Short", "Chromosome", "Start_Position",
                       "End_Position", "Reference_Allele", "Tumor_Seq_Allele1", "Tumor_Seq_Allele2", "NCBI_Build", "Variant_Type",
                       "Matched_Norm_Sample_Barcode", "t_ref_count", "t_alt_count", "Mutation_Status"] {
            #expect(header.contains(column), "missing \(column)")
        }
        // One key per variant however it is written: vcf2maf keeps a shared last base (AAGA>GA), the store trims it
        // as bcftools norm does (AAG>G); two MAF rows of one tumour that normalise alike are one call.
        func key(_ r: [String: String]) -> String {
            var ref = Array(r["Reference_Allele"]! == "-" ? "" : r["Reference_Allele"]!)
            var alt = Array(r["Tumor_Seq_Allele2"]! == "-" ? "" : r["Tumor_Seq_Allele2"]!)
            var start = Int(r["Start_Position"]!)!
            while let a = ref.last, let b = alt.last, a == b { ref.removeLast(); alt.removeLast() }
            while let a = ref.first, let b = alt.first, a == b { ref.removeFirst(); alt.removeFirst(); start += 1 }
            return "\(r["Chromosome"]!):\(start):\(String(ref))>\(String(alt))"
        }
        let unique = Set(input.map(key))
        #expect(rows.count == unique.count, "\(rows.count) rows out, \(unique.count) distinct calls in")
        let byKey = Dictionary(rows.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
        for r in input {
            let k = key(r)
            guard let out = byKey[k] else { Issue.record("\(k) not exported"); continue }
            #expect(out["Variant_Classification"] == r["Variant_Classification"], "\(k)")
            #expect(out["Hugo_Symbol"] == r["Hugo_Symbol"], "\(k)")
            #expect(out["NCBI_Build"] == r["NCBI_Build"], "\(k)")
            if out["Reference_Allele"] == r["Reference_Allele"] { #expect(out["End_Position"] == r["End_Position"], "\(k)") }
            #expect(out["Tumor_Sample_Barcode"] == "TUMOR")
            #expect(out["Mutation_Status"] == "Somatic")
            if let p = r["HGVSp_Short"], p.hasPrefix("p."), !p.contains("splice") { #expect(out["HGVSp_Short"] == p, "\(k)") }
            // The store keeps the REF and ALT reads: the counts come back as the MAF gave them (vcf2maf's "." for
            // an unknown count is written empty).
            func count(_ r: [String: String], _ column: String) -> String { r[column].map { $0 == "." ? "" : $0 } ?? "" }
            for column in ["t_depth", "t_ref_count", "t_alt_count"] { #expect(count(out, column) == count(r, column), "\(k) \(column)") }
        }
        // Nothing of a MAF enters the population counts.
        let q = try varde(["query", "--store", store, "--region", Set(input.map { $0["Chromosome"]! }).sorted().joined(separator: ","), "--format", "json"])
        var n = 0
        for line in q.stdout.split(separator: "\n") {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(o["ac"] as? Int == 0 && o["an"] as? Int == 0)
            #expect(o["tumours"] as? Int == 1)
            n += 1
        }
        #expect(n == unique.count)
    }

    @Test("a bad MAF is refused with its line and column")
    func validation() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let maf = Fixtures.path("somatic/vcf2maf/test_b38_output.maf")
        // Row 3 (file line 5) with Start_Position (column 6) = "abc".
        let badPos = dir.appendingPathComponent("pos.maf").path
        _ = try Shell.run(["bash", "-c", "awk 'BEGIN{FS=OFS=\"\\t\"} NR==5{$6=\"abc\"} {print}' '\(maf)' > '\(badPos)'"])
        let r1 = try varde(["load", "--quiet", "--store", store, badPos])
        #expect(r1.status == 1)
        #expect(r1.stderr.contains("pos.maf:5: column Start_Position (6): 'abc' is not a 1-based position"), "\(r1.stderr)")
        // Without the Tumor_Sample_Barcode column.
        let noBarcode = dir.appendingPathComponent("nobarcode.maf").path
        _ = try Shell.run(["bash", "-c", "cut -f1-15,17- '\(maf)' > '\(noBarcode)'"])
        let r2 = try varde(["load", "--quiet", "--store", store, noBarcode])
        #expect(r2.status == 1)
        #expect(r2.stderr.contains("nobarcode.maf:2: the MAF header row has no column Tumor_Sample_Barcode"), "\(r2.stderr)")
        // An NCBI_Build that is neither assembly, and a count that is not a number.
        let badBuild = dir.appendingPathComponent("build.maf").path
        _ = try Shell.run(["bash", "-c", "awk 'BEGIN{FS=OFS=\"\\t\"} NR==4{$4=\"hg17\"} {print}' '\(maf)' > '\(badBuild)'"])
        let r3 = try varde(["load", "--quiet", "--store", store, badBuild])
        #expect(r3.stderr.contains("build.maf:4: column NCBI_Build (4): 'hg17' is neither GRCh37 nor GRCh38"), "\(r3.stderr)")
        let badCount = dir.appendingPathComponent("count.maf").path
        _ = try Shell.run(["bash", "-c", "awk 'BEGIN{FS=OFS=\"\\t\"} NR==3{$42=\"many\"} {print}' '\(maf)' > '\(badCount)'"])
        let r4 = try varde(["load", "--quiet", "--store", store, badCount])
        #expect(r4.stderr.contains("count.maf:3: column t_alt_count (42): 'many' is not a read count"), "\(r4.stderr)")
        #expect(!(r1.stderr + r2.stderr + r3.stderr + r4.stderr).contains("Fatal error"))
        #expect(try varde(["samples", "--store", store]).stdout.split(separator: "\n").count <= 1)
    }

    /// fixture → (tumour column, normal column, assembly): the somatic fixtures vcf2maf ran on
    /// (`fixtures/somatic/vcf2maf-depths.sh`), SNV/indel callers only (SVs are not MAF rows).
    static let depthFixtures: [String: (tumour: String, normal: String, assembly: String)] = {
        let vcf2maf = ["test", "test_varscan", "test_mutect", "test_pindel", "test_muse", "test_sniper"].map { "vcf2maf/\($0).vcf" }
        let groups: [((String, String, String), [String])] = [
            (("TUMOR", "NORMAL", "GRCh37"), vcf2maf + ["test_strelka.vcf", "mutect2.cfdna-unfiltered.vcf"]),
            (("NA12878_c40", "NA12877_c100", "GRCh38"), ["snvs", "indels"].map { "strelka.grch38_admix_pass_\($0).head300.vcf.gz" }),
            (("c-tumor2", "c-normal", "GRCh37"), ["bcbio.mutect-pedigree.vcf"]),
            (("SM-612V3", "SM-612V6", "GRCh37"), ["mutect2.NA12878.head300.vcf"]),
        ]
        return Dictionary(uniqueKeysWithValues: groups.flatMap { columns, files in files.map { ($0, columns) } })
    }()

    /// One key per call however it is written: vcf2maf keeps a shared last base (AAGA>GA), the store trims it.
    static func callKey(chromosome: String, start: Int, ref: String, alt: String) -> String {
        var r = Array(ref == "-" ? "" : ref), a = Array(alt == "-" ? "" : alt), start = start
        while let x = r.last, let y = a.last, x == y { r.removeLast(); a.removeLast() }
        while let x = r.first, let y = a.first, x == y { r.removeFirst(); a.removeFirst(); start += 1 }
        return "\(chromosome):\(start):\(String(r))>\(String(a))"
    }

    @Test("t_depth, t_ref_count and t_alt_count of VCF-loaded tumours are the reads vcf2maf writes for the same records",
          arguments: depthFixtures.keys.sorted())
    func depthsEqualVcf2maf(_ fixture: String) throws {
        let (tumour, normal, assembly) = Self.depthFixtures[fixture]!
        // Given vcf2maf's own MAF columns for every record of the file (its Start_Position: a deletion starts after
        // the VCF anchor base, everything else at POS)
        let tsv = try String(contentsOfFile: Fixtures.path("somatic/vcf2maf-depths.tsv"), encoding: .utf8)
        var oracle: [String: [String]] = [:], records: [String: Int] = [:]
        let lines = tsv.split(separator: "\n").filter { $0.hasPrefix(fixture + "\t") }.map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        for f in lines { records["\(f[1]):\(f[2])", default: 0] += 1 }
        // A site written by several records (vcf2maf/test.vcf repeats 5:112174757 four times, with other ALTs and
        // reads each time) has no one answer: the store keeps the first carrying record's reads, vcf2maf writes one
        // row per record, each with the ALT it picks.
        for f in lines where records["\(f[1]):\(f[2])"] == 1 {
            let start = Int(f[2])! + (f[4] == "-" ? 1 : 0)
            oracle[Self.callKey(chromosome: f[1], start: start, ref: f[3], alt: f[4])] = Array(f[5...7]).map { $0 == "." ? "" : $0 }
        }
        #expect(oracle.count >= 5)
        // When the file is loaded with its tumour and normal named and exported as a MAF
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let manifest = dir.appendingPathComponent("m.tsv").path
        try "sample\tperson\trole\n\(tumour)\tP-1\ttumour\n\(normal)\tP-1\tnormal\n".write(toFile: manifest, atomically: true, encoding: .utf8)
        // test_varscan.vcf writes one ALT as `A/T` (VarScan's IUPAC notation), which --check-ref skip leaves out.
        let load = try varde(["load", "--quiet", "--store", store, "--manifest", manifest, "--assembly", assembly, "--check-ref", "skip",
                              Fixtures.path("somatic/" + fixture)])
        try #require(load.status == 0, "\(load.stderr)")
        let export = try varde(["export", "maf", "--store", store])
        try #require(export.status == 0, "\(export.stderr)")
        let rows = Self.table(export.stdout).rows
        // Then every exported row vcf2maf also wrote has its three counts, read for read
        var compared = 0, withAlt = 0
        for r in rows {
            let k = Self.callKey(chromosome: r["Chromosome"]!, start: Int(r["Start_Position"]!)!, ref: r["Reference_Allele"]!, alt: r["Tumor_Seq_Allele2"]!)
            guard let e = oracle[k] else { continue }
            let mine = [r["t_depth"] ?? "", r["t_ref_count"] ?? "", r["t_alt_count"] ?? ""]
            #expect(mine == e, "\(fixture) \(k): Varde \(mine), vcf2maf \(e)")
            compared += 1
            if Int(e[2]) ?? 0 > 0 { withAlt += 1 }
        }
        // Nearly every row one side has is found in the other (the store splits multi-allelic records, vcf2maf writes
        // one row per record, tumours also where they do not carry the ALT).
        #expect(compared * 10 >= min(rows.count, oracle.count) * 9, "\(compared) of \(rows.count) rows found in vcf2maf's \(oracle.count)")
        #expect(withAlt > 0 && compared >= 2, "\(compared) rows compared")
        print("\(fixture): \(compared) of \(rows.count) exported rows equal vcf2maf's t_depth/t_ref_count/t_alt_count (\(oracle.count) vcf2maf rows)")
    }

    @Test("export from VCF-loaded tumours: one row per tumour carrier, a cohort narrows it, classes are MAF's")
    func exportFromVCF() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let manifest = dir.appendingPathComponent("m.tsv").path
        try "sample\tperson\trole\tdiagnosis\nSM-612V3\tP-77\ttumour\tC34.1\nSM-612V6\tP-77\tnormal\t\nTUMOR\tP-5\ttumour\tC50.9\nNORMAL\tP-5\tnormal\t\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        #expect(try varde(["load", "--quiet", "--store", store, "--manifest", manifest, Fixtures.path("somatic/mutect2.NA12878.head300.vcf")]).status == 0)
        let strelka = try varde(["load", "--quiet", "--store", store, "--manifest", manifest, "--assembly", "GRCh37", Fixtures.path("somatic/test_strelka.vcf")])
        #expect(strelka.status == 0, "\(strelka.stderr)")
        let all = try varde(["export", "maf", "--store", store])
        try #require(all.status == 0, "\(all.stderr)")
        let rows = Self.table(all.stdout).rows
        let byTumour = Dictionary(grouping: rows, by: { $0["Tumor_Sample_Barcode"]! })
        #expect(Set(byTumour.keys) == ["SM-612V3", "TUMOR"])
        #expect(byTumour["SM-612V3"]?.allSatisfy { $0["Matched_Norm_Sample_Barcode"] == "SM-612V6" } == true)
        #expect(byTumour["TUMOR"]?.allSatisfy { $0["Matched_Norm_Sample_Barcode"] == "NORMAL" } == true)
        // Strelka wrote no GT: its tumour rows come from its ALT reads, with t_depth its DP.
        #expect((byTumour["TUMOR"]?.count ?? 0) > 200)
        for r in rows {
            #expect(MAFClassification.valid.contains(r["Variant_Classification"] ?? ""), "\(r["Variant_Classification"] ?? "")")
            #expect(r["Hugo_Symbol"] == "Unknown" && r["Variant_Classification"] == "Targeted_Region")  // no CSQ/ANN in these files
            #expect(Int(r["t_depth"] ?? "") != nil)
        }
        let lung = try varde(["export", "maf", "--store", store, "--cohort-where", "diagnosis=C34"])
        let lungRows = Self.table(lung.stdout).rows
        #expect(!lungRows.isEmpty)
        #expect(lungRows.allSatisfy { $0["Tumor_Sample_Barcode"] == "SM-612V3" })
        #expect(lungRows.count == byTumour["SM-612V3"]?.count)
    }
}

enum MAFClassification {
    static let valid: Set<String> = [
        "Frame_Shift_Del", "Frame_Shift_Ins", "In_Frame_Del", "In_Frame_Ins", "Missense_Mutation", "Nonsense_Mutation", "Silent",
        "Splice_Site", "Translation_Start_Site", "Nonstop_Mutation", "3'UTR", "3'Flank", "5'UTR", "5'Flank", "IGR", "Intron", "RNA",
        "Targeted_Region", "Splice_Region",
    ]
}
