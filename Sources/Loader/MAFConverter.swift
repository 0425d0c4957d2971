import Foundation
public import VCF
public import VariantCore

/// Reads a MAF (GDC/TCGA MAF 2.x, cBioPortal's mutation data, vcf2maf's output) and writes the same calls
/// as a VCF that `varde load` reads like any other: one tumour column per `Tumor_Sample_Barcode`
/// (declared `##SAMPLE=<ID=…,Genomes=Tumor,Individual=…>`, so it is a tumour before anything is counted),
/// GT 0/1 with AD from `t_ref_count`/`t_alt_count` and DP from `t_depth`, FILTER as given, and the
/// annotation columns (Hugo_Symbol, Consequence or Variant_Classification, Transcript_ID, HGVSc, HGVSp) as a
/// VEP-style CSQ, so gene and consequence queries and the OMOP mapping see them.
///
/// Every row is checked: a missing required column, a position that is not a number, an allele that is not
/// A/C/G/T/N or `-`, an unknown NCBI_Build or a count that is not a number stops the load with the line and
/// column. MAF indels drop the base before them; VCF needs it, so a MAF with indels needs `--reference`.
public enum MAFConverter {
    /// Does the file look like a MAF (a `#version` line, or a header row naming Tumor_Sample_Barcode)?
    public static func isMAF(path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        let head = String(decoding: h.readData(ofLength: 65_536), as: UTF8.self)
        if head.hasPrefix("##fileformat=VCF") || head.hasPrefix("BCF") { return false }
        for line in head.split(separator: "\n").prefix(50) {
            if line.hasPrefix("#version") { return true }
            if line.hasPrefix("#") { continue }
            return line.split(separator: "\t").contains { $0 == "Tumor_Sample_Barcode" }
        }
        return false
    }

    public struct Output: Sendable {
        /// The VCF written (a temporary file the caller removes).
        public var vcfPath: String
        public var assembly: Assembly?
        public var rows: Int
        public var tumours: [String]
    }

    /// Converts `path` into a VCF under `directory`.
    public static func convert(path: String, directory: String, reference: ReferenceGenome?, assembly: Assembly?) throws -> Output {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(path: path, "cannot read the MAF", fix: "check the path and permissions")
        }
        let text = String(decoding: data, as: UTF8.self)
        var header: [String: Int]? = nil
        var headerLine = 0, headerColumns = 0
        var build: Assembly? = assembly
        struct Call { var sample: String; var ad: (Int?, Int?); var dp: Int? }
        struct Record { var contig: String; var pos: Int; var ref: String; var alt: String; var filters: Set<String>; var csq: Set<String>; var calls: [Call]; var line: Int }
        var records: [String: Record] = [:]
        var samples: [String] = [], sampleSet = Set<String>()
        var individuals: [String: String] = [:]
        var rows = 0
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            if line.isEmpty || line.hasPrefix("#") { continue }
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let h = header else {
                var map: [String: Int] = [:]
                for (i, c) in cols.enumerated() where map[c] == nil { map[c] = i }
                for required in MAF.requiredImportColumns where map[required] == nil {
                    throw LoadError(path: path, line: lineNo, "the MAF header row has no column \(required)",
                                    fix: "a MAF needs the columns \(MAF.requiredImportColumns.joined(separator: ", ")) (GDC or cBioPortal MAF)")
                }
                header = map; headerLine = lineNo; headerColumns = cols.count
                continue
            }
            rows += 1
            func value(_ name: String) -> String? {
                guard let i = h[name], i < cols.count else { return nil }
                let v = cols[i].trimmingCharacters(in: .whitespaces)
                return v.isEmpty || v == "." || v == "NA" ? nil : v
            }
            func fail(_ column: String, _ message: String, _ fix: String) -> LoadError {
                LoadError(path: path, line: lineNo, "column \(column)\(h[column].map { " (\($0 + 1))" } ?? ""): \(message)", fix: fix)
            }
            guard cols.count == headerColumns else {
                throw LoadError(path: path, line: lineNo, "expected \(headerColumns) tab-separated columns (as the header row, line \(headerLine)), found \(cols.count)",
                                fix: "every row needs one value per header column")
            }
            if let b = value("NCBI_Build") {
                let a: Assembly?
                switch b.lowercased() {
                case "grch37", "hg19", "37", "b37", "grch37-lite": a = .grch37
                case "grch38", "hg38", "38": a = .grch38
                default: a = nil
                }
                guard let a else { throw fail("NCBI_Build", "'\(b)' is neither GRCh37 nor GRCh38", "write GRCh37 or GRCh38") }
                if let prior = build, prior != a {
                    throw fail("NCBI_Build", "\(a.rawValue), but \(assembly != nil ? "--assembly says" : "earlier rows say") \(prior.rawValue)",
                               "load one assembly per store; check the MAF or --assembly")
                }
                build = a
            }
            guard let contig = value("Chromosome") else { throw fail("Chromosome", "empty", "give the chromosome, e.g. 7 or chr7") }
            guard let startText = value("Start_Position"), let start = Int(startText), start >= 1 else {
                throw fail("Start_Position", "'\(value("Start_Position") ?? "")' is not a 1-based position", "write a whole number ≥ 1")
            }
            let bases = Set("ACGTN")
            func allele(_ column: String) throws -> String? {
                guard let a = value(column)?.uppercased() else { return nil }
                guard a == "-" || a.allSatisfy(bases.contains) else {
                    throw fail(column, "'\(a)' is not an allele (A, C, G, T, N or -)", "MAF alleles are bases or '-' for none")
                }
                return a
            }
            guard let ref = try allele("Reference_Allele") else { throw fail("Reference_Allele", "empty", "write the reference bases, or '-' for an insertion") }
            var alt = try allele("Tumor_Seq_Allele2")
            if alt == nil || alt == ref { alt = try allele("Tumor_Seq_Allele1") }
            guard let alt, alt != ref else {
                throw fail("Tumor_Seq_Allele2", "no allele differs from Reference_Allele", "give the tumour allele in Tumor_Seq_Allele2")
            }
            guard let sample = value("Tumor_Sample_Barcode") else {
                throw fail("Tumor_Sample_Barcode", "empty", "name the tumour sample of every row")
            }
            func count(_ column: String) throws -> Int? {
                guard let v = value(column) else { return nil }
                guard let n = Int(v), n >= 0 else { throw fail(column, "'\(v)' is not a read count", "write a whole number, or leave it empty") }
                return n
            }
            let tRef = try count("t_ref_count"), tAlt = try count("t_alt_count"), tDepth = try count("t_depth")
            // VCF alleles: MAF drops the base before an indel; fetch it from the reference.
            var pos = start, vref = ref, valt = alt
            if ref == "-" || alt == "-" {
                let before = ref == "-" ? start : start - 1
                let b: String
                if let reference {
                    guard let base = reference.sequence(contig, before, before) ?? reference.sequence(Self.otherSpelling(contig), before, before),
                          base.count == 1 else {
                        throw fail("Chromosome", "\(contig):\(before) is not in the reference FASTA", "pass the FASTA of the MAF's assembly")
                    }
                    b = base
                } else if let flank = value("flanking_bps")?.uppercased(), flank.count >= 2, flank.allSatisfy(bases.contains),
                          ref == "-" || flank.dropFirst(2).hasPrefix(ref) {
                    // vcf2maf's flanking_bps: the bases from one before the VCF record's POS to one after its REF, so
                    // the second is the base before the indel.
                    b = String(flank.dropFirst().prefix(1))
                } else {
                    throw fail(ref == "-" ? "Reference_Allele" : "Tumor_Seq_Allele2",
                               "\(ref == "-" ? "an insertion" : "a deletion") at \(contig):\(start), and MAF leaves out the base before it",
                               "pass --reference FASTA (the assembly the MAF is on) so the base can be read")
                }
                pos = before
                vref = b.uppercased() + (ref == "-" ? "" : ref)
                valt = b.uppercased() + (alt == "-" ? "" : alt)
            }
            if sampleSet.insert(sample).inserted {
                samples.append(sample)
                individuals[sample] = Self.individual(of: sample)
            }
            var filters = Set<String>()
            if let f = value("FILTER"), f != "PASS" { for x in f.split(whereSeparator: { $0 == ";" || $0 == "," }) { filters.insert(Self.filterID(String(x))) } }
            let consequence = value("Consequence").map { $0.split(separator: ",").joined(separator: "&") }
                ?? value("One_Consequence") ?? value("Variant_Classification").flatMap { Self.consequence(ofClassification: $0) }
            var csq: Set<String> = []
            if consequence != nil || value("Hugo_Symbol") != nil || value("HGVSc") != nil {
                let vepAllele = alt
                let fields = [vepAllele, consequence ?? "", value("Hugo_Symbol").map { $0 == "Unknown" ? "" : $0 } ?? "",
                              value("Transcript_ID") ?? "", value("HGVSc") ?? "", value("HGVSp") ?? ""]
                csq.insert(fields.map(Self.escapeCSQ).joined(separator: "|"))
            }
            let key = "\(contig)\t\(pos)\t\(vref)\t\(valt)"
            var r = records[key] ?? Record(contig: contig, pos: pos, ref: vref, alt: valt, filters: [], csq: [], calls: [], line: lineNo)
            r.filters.formUnion(filters)
            r.csq.formUnion(csq)
            if !r.calls.contains(where: { $0.sample == sample }) { r.calls.append(Call(sample: sample, ad: (tRef, tAlt), dp: tDepth)) }
            records[key] = r
        }
        guard header != nil else {
            throw LoadError(path: path, "no MAF header row (Hugo_Symbol … Tumor_Sample_Barcode …)", fix: "a MAF starts with an optional #version line, then the column names")
        }
        // Sorted as the assembly orders chromosomes, then by position.
        let order: [String: Int] = Dictionary(uniqueKeysWithValues: (Array(1...22).map(String.init) + ["X", "Y", "MT"]).enumerated().map { ($1, $0) })
        func rank(_ c: String) -> Int { order[Assembly.canonicalChromosome(c)] ?? 100 }
        let sorted = records.values.sorted { a, b in
            (rank(a.contig), a.contig, a.pos, a.ref, a.alt) < (rank(b.contig), b.contig, b.pos, b.ref, b.alt)
        }
        var out = "##fileformat=VCFv4.2\n##source=varde MAF import of \(URL(fileURLWithPath: path).lastPathComponent)\n"
        var contigs: [String] = []
        for r in sorted where !contigs.contains(r.contig) { contigs.append(r.contig) }
        for c in contigs {
            let length = build?.chromosomeLengths[Assembly.canonicalChromosome(c)] ?? reference?.length(of: c)
            out += "##contig=<ID=\(c)" + (length.map { ",length=\($0)" } ?? "") + ">\n"
        }
        var filterNames = Set<String>()
        for r in sorted { filterNames.formUnion(r.filters) }
        for f in filterNames.sorted() { out += "##FILTER=<ID=\(f),Description=\"From the MAF's FILTER column\">\n" }
        out += "##INFO=<ID=CSQ,Number=.,Type=String,Description=\"Consequence annotations from Ensembl VEP (from the MAF). Format: Allele|Consequence|SYMBOL|Feature|HGVSc|HGVSp\">\n"
        out += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype (0/1: the MAF lists the call)\">\n"
        out += "##FORMAT=<ID=AD,Number=R,Type=Integer,Description=\"t_ref_count, t_alt_count\">\n"
        out += "##FORMAT=<ID=DP,Number=1,Type=Integer,Description=\"t_depth\">\n"
        for s in samples { out += "##SAMPLE=<ID=\(s),Genomes=Tumor,Individual=\(individuals[s] ?? s)>\n" }
        out += "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + samples.joined(separator: "\t") + "\n"
        let column = Dictionary(uniqueKeysWithValues: samples.enumerated().map { ($1, $0) })
        for r in sorted {
            var cells = [String](repeating: "./.:.:.", count: samples.count)
            for c in r.calls {
                cells[column[c.sample]!] = "0/1:\(c.ad.0.map(String.init) ?? "."),\(c.ad.1.map(String.init) ?? "."):\(c.dp.map(String.init) ?? ".")"
            }
            let info = r.csq.isEmpty ? "." : "CSQ=" + r.csq.sorted().joined(separator: ",")
            let filter = r.filters.isEmpty ? "PASS" : r.filters.sorted().joined(separator: ";")
            out += "\(r.contig)\t\(r.pos)\t.\t\(r.ref)\t\(r.alt)\t.\t\(filter)\t\(info)\tGT:AD:DP\t" + cells.joined(separator: "\t") + "\n"
        }
        let vcf = URL(fileURLWithPath: directory).appendingPathComponent(URL(fileURLWithPath: path).lastPathComponent + ".vcf")
        try Data(out.utf8).write(to: vcf)
        return Output(vcfPath: vcf.path, assembly: build, rows: rows, tumours: samples)
    }

    /// The person a barcode belongs to: a TCGA barcode's participant (`TCGA-A2-A04W`), else the sample itself.
    static func individual(of sample: String) -> String {
        let p = sample.split(separator: "-")
        if p.count >= 3, p[0] == "TCGA" { return p.prefix(3).joined(separator: "-") }
        return sample
    }

    static func otherSpelling(_ contig: String) -> String {
        contig.hasPrefix("chr") ? String(contig.dropFirst(3)) : "chr" + contig
    }

    /// A FILTER value as a VCF filter ID (no spaces, commas, semicolons or '=').
    static func filterID(_ f: String) -> String {
        String(f.map { $0 == " " || $0 == "=" || $0 == "," ? "_" : $0 })
    }

    /// CSQ values cannot hold VCF separators; VEP writes them percent-encoded.
    static func escapeCSQ(_ v: String) -> String {
        var s = ""
        for c in v {
            switch c {
            case ",": s += "%2C"
            case ";": s += "%3B"
            case "=": s += "%3D"
            case "|": s += "%7C"
            case " ", "\t": s += "_"
            default: s.append(c)
            }
        }
        return s
    }

    /// The SO term a cBioPortal MAF's Variant_Classification stands for, when it has no Consequence column.
    static func consequence(ofClassification c: String) -> String? {
        switch c {
        case "Missense_Mutation": "missense_variant"
        case "Nonsense_Mutation": "stop_gained"
        case "Silent": "synonymous_variant"
        case "Splice_Site": "splice_donor_variant"
        case "Splice_Region": "splice_region_variant"
        case "Frame_Shift_Del", "Frame_Shift_Ins": "frameshift_variant"
        case "In_Frame_Del": "inframe_deletion"
        case "In_Frame_Ins": "inframe_insertion"
        case "Nonstop_Mutation": "stop_lost"
        case "Translation_Start_Site": "start_lost"
        case "3'UTR": "3_prime_UTR_variant"
        case "5'UTR": "5_prime_UTR_variant"
        case "3'Flank": "downstream_gene_variant"
        case "5'Flank": "upstream_gene_variant"
        case "Intron": "intron_variant"
        case "IGR": "intergenic_variant"
        case "RNA": "non_coding_transcript_exon_variant"
        default: nil
        }
    }
}
