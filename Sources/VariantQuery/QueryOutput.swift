import Foundation
public import VariantCore
public import VariantStore

/// Query results as TSV, JSON lines or VCF 4.2: the formats of `varde query` (and the service's downloads).
/// The columns and fields are documented in the README ("Query output").
public enum QueryOutput {
    public enum Format: String, Sendable, CaseIterable { case tsv, json, vcf }

    /// The header before the first row (TSV column names, or the VCF meta lines); empty for JSON.
    /// With `genotypeSamples` (VCF only), a GT column per sample follows INFO.
    /// With `somatic` (`--origin somatic`), TSV rows end in TUMOUR_VAF_MEDIAN, TUMOUR_VAF_BINS and TUMOURS_BY_DIAGNOSIS,
    /// VCF declares the matching INFO fields, and JSON rows carry `somatic`.
    public static func header(_ format: Format, store: any VariantStore, cohort: Bool, genotypeSamples: [String] = [],
                              somatic: Bool = false) throws -> String {
        switch format {
        case .tsv:
            "#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT" + (cohort ? "\tCOHORT_AC\tCOHORT_AN\tCOHORT_AF\tCOHORT_NHOMALT" : "")
                + "\tNHEMI\tTUMOURS\tHGVSG\tFILTER\tGENE\tCONSEQUENCE\tOMOP_CONCEPT_ID\tSV"
                + (somatic ? "\tTUMOUR_VAF_MEDIAN\tTUMOUR_VAF_BINS\tTUMOURS_BY_DIAGNOSIS" : "") + "\n"
        case .json: ""
        case .vcf:
            try vcfHeader(store: store, cohort: cohort, samples: genotypeSamples, somatic: somatic)
        }
    }

    /// `C34:2,C50:1` (most first, then by code).
    static func diagnosisText(_ s: SomaticSummary) -> String {
        s.byDiagnosis.isEmpty ? "." : s.byDiagnosis.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    /// The somatic fields of one row, after the row's own (TSV: three columns; VCF: INFO; JSON: an object).
    public static func appendSomatic(_ format: Format, _ s: SomaticSummary, to out: inout [UInt8]) {
        switch format {
        case .tsv:
            guard out.last == 10 else { return }
            out.removeLast()
            out += "\t\(s.medianVAF.map { String($0) } ?? ".")\t\(s.vafBins.map(String.init).joined(separator: ","))\t\(diagnosisText(s))\n".utf8
        case .json, .vcf:
            break
        }
    }

    static func somaticObject(_ s: SomaticSummary) -> [String: Any] {
        ["tumours": s.tumours, "vafMedian": s.medianVAF ?? NSNull(), "vafBins": s.vafBins, "byDiagnosis": s.byDiagnosis]
    }

    /// `conceptID`: the variant's OMOP Genomic concept, when the store's vocabulary maps it.
    /// `mate`: a breakend's mate record (``VariantQuery/mates(of:)``).
    public static func append(_ format: Format, _ a: VariantAggregate, hgvsg: String?, conceptID: Int? = nil, genotypes: [String]? = nil,
                              somatic: SomaticSummary? = nil, mate: VariantID? = nil, to out: inout [UInt8]) {
        switch format {
        case .tsv:
            appendTSV(a, hgvsg: hgvsg, conceptID: conceptID, mate: mate, to: &out)
            if let somatic { appendSomatic(.tsv, somatic, to: &out) }
        case .json: out += json(a, hgvsg: hgvsg, conceptID: conceptID, somatic: somatic, mate: mate).utf8
        case .vcf: out += vcf(a, genotypes: genotypes, somatic: somatic, mate: mate).utf8
        }
    }

    /// AF as Swift prints a Double: the shortest text that reads back to the same value.
    public static func af(_ v: Double?) -> String { v.map { "\($0)" } ?? "." }

    /// FILTER as VCF writes it: PASS, or the filter names joined by ';'.
    public static func filter(_ a: VariantAggregate) -> String { a.filters.isEmpty ? "PASS" : a.filters.joined(separator: ";") }
    static func list(_ values: [String]) -> String { values.isEmpty ? "." : values.joined(separator: ",") }

    static func vcfHeader(store: any VariantStore, cohort: Bool, samples: [String], somatic: Bool = false) throws -> String {
        var h = "##fileformat=VCFv4.2\n##source=varde\n"
        if let assembly = try store.assembly() { h += "##reference=\(assembly.rawValue)\n" }
        h += "##FILTER=<ID=PASS,Description=\"All filters passed\">\n"
        for name in try store.filterNames() {
            h += "##FILTER=<ID=\(name),Description=\"Set by a loaded file; see the source VCF's header\">\n"
        }
        for c in try store.contigs() {
            h += "##contig=<ID=\(c.name)" + (c.length.map { ",length=\($0)" } ?? "") + ">\n"
        }
        h += """
            ##INFO=<ID=AC,Number=A,Type=Integer,Description="Alternate allele count (germline, one sample per person)">
            ##INFO=<ID=AN,Number=1,Type=Integer,Description="Total number of called alleles">
            ##INFO=<ID=AF,Number=A,Type=Float,Description="Allele frequency, AC/AN">
            ##INFO=<ID=NHOMALT,Number=A,Type=Integer,Description="Homozygous-alternate samples">
            ##INFO=<ID=NHEMI,Number=A,Type=Integer,Description="Hemizygous carriers">
            ##INFO=<ID=TUMOURS,Number=A,Type=Integer,Description="Tumour samples carrying the allele (not in AC/AN)">
            ##INFO=<ID=END,Number=1,Type=Integer,Description="End position of a symbolic allele">
            ##INFO=<ID=SVTYPE,Number=1,Type=String,Description="Type of structural variant">
            ##INFO=<ID=SVLEN,Number=1,Type=Integer,Description="Reference bases a structural variant spans (negative for deletions)">

            """
        if cohort {
            h += """
                ##INFO=<ID=COHORT_AC,Number=A,Type=Integer,Description="AC within the cohort">
                ##INFO=<ID=COHORT_AN,Number=1,Type=Integer,Description="AN within the cohort">
                ##INFO=<ID=COHORT_AF,Number=A,Type=Float,Description="AF within the cohort">
                ##INFO=<ID=COHORT_NHOMALT,Number=A,Type=Integer,Description="NHOMALT within the cohort">

                """
        }
        if somatic {
            h += """
                ##INFO=<ID=TUMOUR_VAF_BINS,Number=10,Type=Integer,Description="Carrying tumours by VAF, in bins 0-0.1, ..., 0.9-1.0">
                ##INFO=<ID=TUMOUR_VAF_MEDIAN,Number=1,Type=Float,Description="Median tumour VAF (bin centre)">
                ##INFO=<ID=TUMOURS_BY_DIAGNOSIS,Number=.,Type=String,Description="Carrying tumours by diagnosis category, CODE:COUNT">

                """
        }
        if !samples.isEmpty { h += "##FORMAT=<ID=GT,Number=1,Type=String,Description=\"Genotype, rebuilt from the stored carrier lists\">\n" }
        return h + "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" + (samples.isEmpty ? "" : "\tFORMAT\t" + samples.joined(separator: "\t")) + "\n"
    }

    /// A breakend with a mate and no rsID is written with its variant ID in the ID column, so that its mate's
    /// MATEID names it (VCF 4.3 §5.4).
    static func vcf(_ a: VariantAggregate, genotypes: [String]?, somatic: SomaticSummary? = nil, mate: VariantID? = nil) -> String {
        var info = "AC=\(a.ac);AN=\(a.an)"
        if let af = a.af { info += ";AF=\(af)" }
        info += ";NHOMALT=\(a.nHomAlt);NHEMI=\(a.nHemi);TUMOURS=\(a.tumours)"
        if let c = a.cohort {
            info += ";COHORT_AC=\(c.ac);COHORT_AN=\(c.an)" + (c.af.map { ";COHORT_AF=\($0)" } ?? "") + ";COHORT_NHOMALT=\(c.nHomAlt)"
        }
        if a.kind == "symbolic" && a.end > a.position { info += ";END=\(a.end)" }
        if let sv = StructuralVariant(position: a.position, end: a.end, alt: a.alt), !sv.type.isEmpty {
            info += ";SVTYPE=\(sv.type)"
            if let l = sv.length, l > 0 { info += ";SVLEN=\(sv.type == "DEL" ? -l : l)" }
            if let mate { info += ";MATEID=\(mate)" }
        }
        if let somatic {
            info += ";TUMOUR_VAF_BINS=" + somatic.vafBins.map(String.init).joined(separator: ",")
            if let m = somatic.medianVAF { info += ";TUMOUR_VAF_MEDIAN=\(m)" }
            if !somatic.byDiagnosis.isEmpty { info += ";TUMOURS_BY_DIAGNOSIS=" + diagnosisText(somatic) }
        }
        let samples = genotypes.map { "\tGT\t" + $0.joined(separator: "\t") } ?? ""
        let id = a.rsid ?? (mate != nil ? a.variantID.description : ".")
        return "\(a.contig)\t\(a.position)\t\(id)\t\(a.ref)\t\(a.alt)\t.\t\(filter(a))\t\(info)\(samples)\n"
    }

    /// One TSV row appended in place, as bytes: a region query prints tens of thousands.
    static func appendTSV(_ a: VariantAggregate, hgvsg: String?, conceptID: Int?, mate: VariantID? = nil, to s: inout [UInt8]) {
        let tab: UInt8 = 9
        func field(_ v: String) { s += v.utf8; s.append(tab) }
        func field(_ v: Int) { appendDecimal(v, to: &s); s.append(tab) }
        func dot() { s.append(UInt8(ascii: ".")); s.append(tab) }
        field(a.contig); field(a.position)
        if let id = a.rsid { field(id) } else { dot() }
        field(a.ref); field(a.alt)
        field(a.ac); field(a.an)
        if let v = a.af { field(String(v)) } else { dot() }
        field(a.nHomAlt)
        if let c = a.cohort {
            field(c.ac); field(c.an)
            if let v = c.af { field(String(v)) } else { dot() }
            field(c.nHomAlt)
        }
        field(a.nHemi); field(a.tumours)
        if let hgvsg { field(hgvsg) } else { dot() }
        if a.filters.isEmpty { field("PASS") } else { field(filter(a)) }
        if a.genes.isEmpty { dot() } else { field(list(a.genes)) }
        if a.consequences.isEmpty { dot() } else { field(list(a.consequences)) }
        if let conceptID { appendDecimal(conceptID, to: &s) } else { s.append(UInt8(ascii: ".")) }
        s.append(tab)
        if let sv = StructuralVariant(position: a.position, end: a.end, alt: a.alt) { s += svText(sv, mate: mate).utf8 } else { s.append(UInt8(ascii: ".")) }
        s.append(10)
    }

    /// The TSV `SV` column: `DEL;END=…;SVLEN=…`, `BND;MATE=15:80623247;MATEID=15-80623246-A-[2:3000[A`.
    static func svText(_ sv: StructuralVariant, mate: VariantID? = nil) -> String {
        var t = sv.type.isEmpty ? "SV" : sv.type
        if sv.type != "BND" { t += ";END=\(sv.end)" }
        if let l = sv.length, l > 0 { t += ";SVLEN=\(sv.type == "DEL" ? -l : l)" }
        if let m = sv.mate { t += ";MATE=\(m)" }
        if let mate { t += ";MATEID=\(mate)" }
        return t
    }

    /// `v` in decimal, without building a String (most counts in a row are single digits).
    static func appendDecimal(_ v: Int, to s: inout [UInt8]) {
        if v >= 0 && v < 10 { s.append(UInt8(ascii: "0") &+ UInt8(v)); return }
        if v < 0 { s.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        let first = s.count
        repeat { s.append(UInt8(ascii: "0") &+ UInt8(m % 10)); m /= 10 } while m > 0
        s[first...].reverse()
    }

    /// One JSON object: the fields of ``jsonObject(_:hgvsg:)``, keys sorted.
    static func json(_ a: VariantAggregate, hgvsg: String?, conceptID: Int?, somatic: SomaticSummary? = nil, mate: VariantID? = nil) -> String {
        var o = jsonObject(a, hgvsg: hgvsg, conceptID: conceptID, mate: mate)
        if let somatic { o["somatic"] = somaticObject(somatic) }
        let data = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func jsonObject(_ a: VariantAggregate, hgvsg: String?, conceptID: Int? = nil, mate: VariantID? = nil) -> [String: Any] {
        var o: [String: Any] = ["chrom": a.contig, "pos": a.position, "id": a.rsid ?? NSNull(), "ref": a.ref, "alt": a.alt,
                                "variantId": a.variantID.description, "ac": a.ac, "an": a.an, "af": a.af ?? NSNull(),
                                "nhomalt": a.nHomAlt, "nhemi": a.nHemi, "tumours": a.tumours, "hgvsg": hgvsg ?? NSNull(),
                                "filter": filter(a), "genes": a.genes, "consequences": a.consequences,
                                "omopConceptId": conceptID ?? NSNull()]
        if let c = a.cohort { o["cohort"] = ["ac": c.ac, "an": c.an, "af": c.af ?? NSNull(), "nhomalt": c.nHomAlt] as [String: Any] }
        if let sv = StructuralVariant(position: a.position, end: a.end, alt: a.alt) {
            o["sv"] = ["type": sv.type, "end": sv.end, "length": sv.length ?? NSNull(), "mate": sv.mate ?? NSNull(),
                       "mateId": mate?.description ?? NSNull()] as [String: Any]
        }
        return o
    }

    /// `--sample`/`--person` output: what each sample carries, with the variant's aggregates.
    public static let carriedHeader = "#CHROM\tPOS\tID\tREF\tALT\tAC\tAN\tAF\tNHOMALT\tNHEMI\tTUMOURS\tSAMPLE\tZYGOSITY\n"
    public static func carriedRow(_ c: CarriedVariant) -> String {
        let a = c.variant
        return "\(a.contig)\t\(a.position)\t\(a.rsid ?? ".")\t\(a.ref)\t\(a.alt)\t\(a.ac)\t\(a.an)\t\(af(a.af))\t\(a.nHomAlt)\t\(a.nHemi)\t\(a.tumours)\t\(c.sample)\t\(c.zygosity.rawValue)\n"
    }
}
