internal import CHTSlib
public import VariantCore

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Turns htslib's bare failures into ``VCFError``s that say what is wrong and how to fix it, by reading
/// the offending lines again. Runs only after something failed, so it may be slow.
enum Diagnosis {
    /// Reads up to `limit` raw lines of a (possibly bgzipped) text file.
    static func rawLines(path: String, limit: Int, where keep: (Int, String) -> Bool = { _, _ in true }) -> [(Int, String)] {
        guard let fp = hts_open(path, "r") else { return [] }
        defer { hts_close(fp) }
        var ks = kstring_t(l: 0, m: 0, s: nil)
        defer { free(ks.s) }
        var out: [(Int, String)] = []
        var n = 0
        while n < limit, hts_getline(fp, 2, &ks) >= 0 {  // 2 = KS_SEP_LINE
            n += 1
            let line = ks.s.map { String(cString: $0) } ?? ""
            if keep(n, line) { out.append((n, line)) }
        }
        return out
    }

    static func countHeaderLines(path: String) -> Int {
        guard let fp = hts_open(path, "r") else { return 0 }
        defer { hts_close(fp) }
        var ks = kstring_t(l: 0, m: 0, s: nil)
        defer { free(ks.s) }
        var n = 0
        while hts_getline(fp, 2, &ks) >= 0 {
            guard let s = ks.s, s[0] == 35 else { break }  // '#'
            n += 1
        }
        return n
    }

    static func openFailure(path: String) -> VCFError {
        VCFError(.cannotOpen, path: path, message: "htslib cannot open the file",
                 fix: "check that it is a VCF, bgzipped VCF (.vcf.gz) or BCF file and that it is readable")
    }

    static func notVariantData(path: String, htsFormat: Int32) -> VCFError {
        // Only text may be read line by line (htslib aborts on hts_getline over CRAM/BAM): unknown, text, vcf, bed.
        guard [0, 2, 8, 13].contains(htsFormat) else {
            return VCFError(.notVCF, path: path, message: "this is not a VCF or BCF file (htslib detects alignment, index or other binary data)",
                            fix: "give the VCF/BCF that the pipeline wrote, not a BAM, CRAM, index or FASTA file")
        }
        let first = rawLines(path: path, limit: 1).first?.1 ?? ""
        let cols = first.split(separator: "\t", omittingEmptySubsequences: false)
        if cols.count >= 8, Int(cols[1]) != nil {
            return VCFError(.notVCF, path: path, line: 1,
                            message: "the file starts with a record: it has no VCF header",
                            fix: "add the header (##fileformat, ##contig, ##INFO/##FORMAT lines and the #CHROM line) that the caller wrote")
        }
        if !first.hasPrefix("##fileformat") && (first.hasPrefix("#CHROM") || first.hasPrefix("##")) {
            return VCFError(.notVCF, path: path, line: 1,
                            message: "the first line is not '##fileformat=VCFv4.x', so this is not recognised as VCF",
                            fix: "add '##fileformat=VCFv4.2' as the first line (htslib and every VCF tool need it)")
        }
        return VCFError(.notVCF, path: path, message: "this is not a VCF or BCF file (htslib detects another format)",
                        fix: "give the VCF/BCF that the pipeline wrote, not a BAM, FASTA, index or text file")
    }

    static func brokenBCFHeader(path: String) -> VCFError {
        VCFError(.malformedHeader, path: path, message: "htslib cannot read the BCF header (the file is truncated or corrupt)",
                 fix: "write the BCF again from its source (bcftools view -Ob) and check the copy is complete")
    }

    static func headerFailure(path: String) -> VCFError {
        let lines = rawLines(path: path, limit: 100_000) { _, l in l.hasPrefix("#") }
        guard let first = lines.first, first.1.hasPrefix("##fileformat=VCF") else {
            return VCFError(.notVCF, path: path, line: 1, message: "the first line must be '##fileformat=VCFv4.x'",
                            fix: "add '##fileformat=VCFv4.2' as the first line")
        }
        for (n, line) in lines {
            if line.hasPrefix("##contig=") {
                if line.contains("ID=,") || line.contains("ID=>") || !line.contains("ID=") {
                    return VCFError(.malformedHeader, path: path, line: n, message: "a ##contig line has an empty or missing ID",
                                    fix: "give every ##contig line an ID, e.g. ##contig=<ID=chr1,length=248956422>")
                }
            }
            if line.hasPrefix("##"), !line.contains("=") {
                return VCFError(.malformedHeader, path: path, line: n, message: "the meta line '\(line.prefix(60))' has no '='",
                                fix: "meta lines look like ##key=value or ##key=<ID=…,…>")
            }
            if line.hasPrefix("##"), line.contains("=<"), !line.hasSuffix(">") {
                return VCFError(.malformedHeader, path: path, line: n,
                                message: "the structured meta line '\(line.prefix(60))…' is not closed with '>'",
                                fix: "close the line with '>' and quote Description values")
            }
        }
        guard let chrom = lines.last(where: { $0.1.hasPrefix("#CHROM") || !$0.1.hasPrefix("##") }) else {
            return VCFError(.malformedHeader, path: path, message: "the header has no '#CHROM' column line",
                            fix: "end the header with the tab-separated line #CHROM POS ID REF ALT QUAL FILTER INFO (FORMAT and samples)")
        }
        let expected = ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
        let cols = chrom.1.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        if Array(cols.prefix(8)) != expected {
            let spaces = chrom.1.contains(" ") && !chrom.1.contains("\t")
            return VCFError(.malformedHeader, path: path, line: chrom.0,
                            message: "the column line must start with the 8 tab-separated columns \(expected.joined(separator: " ")); found '\(chrom.1.prefix(80))'",
                            fix: spaces ? "separate the columns with tabs, not spaces" : "write the fixed columns in this order, separated by tabs")
        }
        if cols.count == 9 && cols[8].isEmpty {
            return VCFError(.malformedHeader, path: path, line: chrom.0,
                            message: "the column line ends with a tab after INFO",
                            fix: "remove the trailing tab (or add FORMAT and the sample columns)")
        }
        if cols.count > 8 && cols[8] != "FORMAT" {
            return VCFError(.malformedHeader, path: path, line: chrom.0,
                            message: "column 9 of the column line is '\(cols[8])', but sample columns must follow a FORMAT column",
                            fix: "insert FORMAT as the 9th column")
        }
        let samples = cols.dropFirst(9)
        if samples.contains("") {
            return VCFError(.malformedHeader, path: path, line: chrom.0,
                            message: "the column line has an empty sample name (two tabs in a row, or a trailing tab)",
                            fix: "remove the extra tab or name the sample (bcftools reheader -s)")
        }
        if Set(samples).count != samples.count {
            let dup = Dictionary(grouping: samples, by: { $0 }).first { $0.value.count > 1 }?.key ?? ""
            return VCFError(.malformedHeader, path: path, line: chrom.0, message: "sample '\(dup)' appears twice in the column line",
                            fix: "give every sample column a unique name (bcftools reheader -s)")
        }
        return VCFError(.malformedHeader, path: path, message: "htslib cannot parse the header",
                        fix: "validate the header lines against the VCF 4.2 specification (bcftools view -h shows htslib's complaint)")
    }

    /// Checks a header that htslib accepted for what Varde needs.
    static func checkHeader(_ header: VCFHeader, path: String) throws(VCFError) {
        if header.contigs.contains(where: { $0.name.isEmpty }) {
            throw VCFError(.malformedHeader, path: path, message: "a ##contig line has an empty ID",
                           fix: "give every ##contig line an ID, e.g. ##contig=<ID=chr1,length=248956422>")
        }
    }

    static func missingIndex(path: String) -> VCFError {
        VCFError(.missingIndex, path: path, message: "the file has no index (.tbi or .csi), so it cannot be read by region",
                 fix: path.hasSuffix(".bcf") ? "index it with 'bcftools index \(path)'" : "bgzip it and index it with 'tabix -p vcf \(path)' (or 'bcftools index')")
    }

    static func recordFailure(path: String, line: Int?, errcode: Int32, isText: Bool, recordOrdinal: Int,
                              previousLocus: String?, header: VCFHeader) -> VCFError {
        var raw: String? = nil
        if isText, let line {
            raw = rawLines(path: path, limit: line) { n, _ in n == line }.first?.1
        }
        let cols = raw?.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) ?? []
        let locus = cols.count >= 2 ? "\(cols[0]):\(cols[1])" : previousLocus.map { "after \($0)" }
        func err(_ code: VCFError.Code, _ message: String, _ fix: String) -> VCFError {
            VCFError(code, path: path, line: line, locus: locus, message: isText ? message : "record \(recordOrdinal): \(message)", fix: fix)
        }
        if errcode & 1 != 0 {  // BCF_ERR_CTG_UNDEF
            return err(.undeclaredContig, "contig '\(cols.first ?? "?")' is not declared in the header",
                       "add a ##contig=<ID=…,length=…> line for it (bcftools reheader --fai REF.fai)")
        }
        if errcode & 2 != 0 {  // BCF_ERR_TAG_UNDEF
            return err(.undeclaredTag, "the record uses an INFO/FORMAT tag that the header does not declare",
                       "declare every INFO and FORMAT tag with ##INFO/##FORMAT lines (bcftools annotate --header-lines)")
        }
        if let raw {
            let sampleCols = header.samples.isEmpty ? 8 : 9 + header.samples.count
            if cols.count < 8 {
                let spaces = raw.contains(" ") && cols.count <= 1
                return err(.malformedRecord, "expected \(sampleCols) tab-separated columns, found \(cols.count)",
                           spaces ? "separate the columns with tabs, not spaces" : "write CHROM POS ID REF ALT QUAL FILTER INFO (and FORMAT plus one column per sample)")
            }
            if Int(cols[1]) == nil || (Int(cols[1]) ?? 0) < 0 {
                return err(.malformedRecord, "POS '\(cols[1])' is not a whole number",
                           "POS must be a 1-based integer position")
            }
            if cols[3].isEmpty || cols[3] == "." {
                return err(.malformedRecord, "REF is empty", "write the reference base(s) at POS in REF")
            }
            if cols.count != sampleCols && !(header.samples.isEmpty && cols.count >= 8) {
                return err(.malformedRecord, "expected \(sampleCols) columns (\(header.samples.count) samples), found \(cols.count)",
                           "every record needs FORMAT and one column per sample named in the #CHROM line")
            }
            if cols[5] != ".", Double(cols[5]) == nil {
                return err(.malformedRecord, "QUAL '\(cols[5])' is not a number", "write QUAL as a number or '.'")
            }
        }
        if errcode & 4 != 0 {
            return err(.malformedRecord, "the record has the wrong number of columns", "every record needs one column per sample")
        }
        if errcode & 8 != 0 {
            return err(.malformedRecord, "the record exceeds htslib's limits (too many alleles, samples or values)",
                       "split the record (bcftools norm -m-) or check that the writer did not corrupt it")
        }
        if errcode & 16 != 0 {
            return err(.malformedRecord, "the record contains an invalid character", "remove control or non-ASCII characters from the record")
        }
        if errcode & 32 != 0 {
            return err(.malformedRecord, "the contig name is invalid", "contig names may not contain spaces, commas or angle brackets")
        }
        if errcode & 64 != 0 {
            return err(.malformedRecord, "an INFO/FORMAT tag name or value is invalid",
                       "check the INFO and FORMAT fields against their header declarations")
        }
        return err(isText ? .malformedRecord : .truncated,
                   isText ? "htslib cannot parse this record" : "htslib cannot read the next record (the BCF may be truncated or corrupt)",
                   isText ? "compare the line with the VCF 4.2 specification (bcftools view shows htslib's complaint)"
                          : "write the BCF again; check that the copy is complete")
    }
}
