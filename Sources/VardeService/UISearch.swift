import Foundation
import VariantCore
import VariantQuery

/// What the one search box of the web UI was given, normalised as the EGA Beacon UI does (`chr17:7674945 G>A` →
/// `17-7674945-G-A`): a gene symbol or alias, a variant, a region (a lone position becomes ±20 bp), an rsID or a
/// genomic HGVS. c./p. HGVS is named as not supported yet.
enum UISearch: Equatable {
    case gene(String)
    case variant(contig: String, position: Int, ref: String, alt: String)
    case region(contig: String, start: Int, end: Int)
    case rsid(String)
    case hgvs(String)
    case unsupported(String)
    case empty

    /// Flanks added either side of a lone position.
    static let flank = 20

    init(_ raw: String) {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { self = .empty; return }
        if text.range(of: #"^rs[0-9]+$"#, options: [.regularExpression, .caseInsensitive]) != nil {
            self = .rsid(text.lowercased())
            return
        }
        if text.range(of: #":[cpn]\."#, options: .regularExpression) != nil {
            self = .unsupported("coding and protein HGVS (c. and p.) are not supported yet: search the gene, or give NC_…:g. or chromosome-position-ref-alt")
            return
        }
        if text.range(of: #"^(NC_[0-9]+(\.[0-9]+)?|chr[0-9XYM]+|[0-9XYM]+):g\."#, options: [.regularExpression, .caseInsensitive]) != nil {
            self = .hgvs(text)
            return
        }
        // Variant: chromosome, position, ref, alt separated by any of - : > / space.
        // A form-encoded space may arrive as "+": a separator too (no symbol or allele holds one).
        let cleaned = text.replacingOccurrences(of: ",", with: "").replacingOccurrences(of: "+", with: " ")
        let parts = cleaned.split(whereSeparator: { "-:>/ \t".contains($0) }).map(String.init)
        func chromosome(_ s: String) -> String? {
            var c = s
            if c.lowercased().hasPrefix("chr") { c = String(c.dropFirst(3)) }
            c = c.uppercased()
            if c == "MT" { c = "M" }
            guard c.range(of: #"^([0-9]{1,2}|X|Y|M)$"#, options: .regularExpression) != nil else { return nil }
            return c
        }
        if parts.count == 4, let c = chromosome(parts[0]), let p = Int(parts[1]), p >= 1, p <= Region.maxPosition,
           parts[2].range(of: #"^[ACGTNacgtn]+$"#, options: .regularExpression) != nil,
           parts[3].range(of: #"^[ACGTNacgtn]+$"#, options: .regularExpression) != nil {
            self = .variant(contig: c, position: p, ref: parts[2].uppercased(), alt: parts[3].uppercased())
            return
        }
        // Region: chr:start-end, chr-start-end, or a lone position chr:pos.
        if cleaned.trimmingCharacters(in: .whitespaces).range(of: #"^(chr)?[0-9XYMxym]{1,2}[:-][0-9]+(-[0-9]+)?$"#, options: [.regularExpression, .caseInsensitive]) != nil,
           let c = chromosome(parts[0]), let s = Int(parts[1]), s >= 1, s <= Region.maxPosition {
            if parts.count == 3, let e = Int(parts[2]), e >= s, e <= Region.maxPosition {
                self = .region(contig: c, start: s, end: e)
            } else {
                self = .region(contig: c, start: max(1, s - Self.flank), end: min(Region.maxPosition, s + Self.flank))
            }
            return
        }
        if text.range(of: #"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"#, options: .regularExpression) != nil {
            self = .gene(text)
            return
        }
        self = .unsupported("not a gene symbol, variant (22-16050075-A-G, chr22:16050075 A>G), region (22:16050000-16051000), rsID or NC_…:g. HGVS")
    }
}
