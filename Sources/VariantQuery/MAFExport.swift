import Foundation
public import VariantCore
public import VariantStore

/// `varde export maf`: the somatic calls of a store (or a cohort) as a MAF that cBioPortal imports — one row
/// per tumour sample carrying a variant, with the columns of ``VariantCore/MAF/exportColumns``.
///
/// - Hugo_Symbol, Transcript_ID, HGVSc, HGVSp, HGVSp_Short and Consequence come from the variant's stored
///   VEP/SnpEff annotation with the most severe consequence; Variant_Classification is vcf2maf's mapping of
///   that consequence (``VariantCore/MAF/classification(effect:variantType:inframe:)``), `Targeted_Region`
///   without annotations, and the gene `Unknown`.
/// - Matched_Norm_Sample_Barcode is the normal of the same person, when one is loaded.
/// - t_depth, t_ref_count and t_alt_count are the tumour's total, REF and ALT reads as the loader read them (DP
///   and AD, or the caller's own fields, by vcf2maf's rules: ``VCF/CallerDepths``); a count the caller did not
///   give is empty, as vcf2maf leaves it. Stores loaded before migration 0009 kept only DP and the VAF (to 1/254):
///   there t_alt_count is round(VAF × DP) and t_ref_count the rest. t_vaf is the VAF (the caller's AF where it
///   wrote one). Normal counts are not kept for a normal that does not carry the variant, and are left empty.
/// - Structural variants (symbolic and breakend alleles) are not MAF rows; they are counted and left out.
public enum MAFExport {
    public struct Report: Sendable, Equatable {
        public var rows = 0
        public var variants = 0
        public var tumours = 0
        public var skippedStructural = 0
    }

    public static func write(store: any VariantStore & CarrierScan, cohort: Set<UInt32>?, passOnly: Bool,
                             to emit: (String) throws -> Void) throws -> Report {
        let details = try store.sampleDetails()
        let tumours = details.filter { $0.role == .tumour && (cohort?.contains($0.ordinal) ?? true) }
        guard !tumours.isEmpty else {
            throw StoreError(.notFound, cohort == nil ? "the store holds no tumour samples" : "the cohort holds no tumour samples",
                             fix: "load tumour samples (role tumour in the manifest, or a somatic caller's VCF/MAF)")
        }
        var normalOf: [Int: String] = [:]
        for d in details where d.role == .normal && normalOf[d.personID] == nil { normalOf[d.personID] = d.name }
        let byOrdinal = Dictionary(uniqueKeysWithValues: tumours.map { ($0.ordinal, $0) })
        let build = try store.assembly()?.rawValue ?? ""
        var report = Report(tumours: tumours.count)
        try emit("#version 2.4\n" + MAF.exportColumns.joined(separator: "\t") + "\n")
        try store.forEachVariantCarriers(eligible: Set(byOrdinal.keys), wanted: { v, n in
            n > 0 && (!passOnly || v.filters == nil)
        }) { v in
            let kind = AlleleKind.classify(ref: v.ref, alt: v.alt)
            if kind == .symbolic || kind == .breakend { report.skippedStructural += 1; return }
            let m = MAF.alleles(position: v.position, ref: v.ref, alt: v.alt)
            let type = MAF.variantType(ref: m.ref, alt: m.alt)
            let annotations = try store.annotations(of: v.variantID)
            let best = annotations.min { a, b in
                let x = MAF.mostSevere(a.consequences).flatMap { MAF.severity.firstIndex(of: $0) } ?? Int.max
                let y = MAF.mostSevere(b.consequences).flatMap { MAF.severity.firstIndex(of: $0) } ?? Int.max
                return x < y
            }
            let effect = best.flatMap { MAF.mostSevere($0.consequences) }
            let lengthChange = (m.ref == "-" ? 0 : m.ref.count) - (m.alt == "-" ? 0 : m.alt.count)
            let classification = MAF.classification(effect: effect, variantType: type, inframe: lengthChange % 3 == 0)
            var wrote = false
            for c in v.carriers {
                guard let t = byOrdinal[c.ordinal] else { continue }
                var depth = "", refCount = "", altCount = "", vaf = ""
                if let d = c.depth { depth = String(d) }
                if c.refDepth != nil || c.altDepth != nil {
                    refCount = c.refDepth.map(String.init) ?? ""
                    altCount = c.altDepth.map(String.init) ?? ""
                } else if let d = c.depth, let f = c.vaf {
                    // A store from before 0009: the counts from the quantised VAF.
                    let alt = Int((f * Double(d)).rounded())
                    altCount = String(alt); refCount = String(max(d - alt, 0))
                }
                if let f = c.vaf { vaf = String(format: "%.4f", f) }
                let hgvsp = best?.hgvsp ?? ""
                let row: [String] = [
                    (best?.gene).flatMap { $0.isEmpty ? nil : $0 } ?? "Unknown", "0", ".", build, v.contig, String(m.start), String(m.end), "+",
                    classification, type, m.ref, m.ref, m.alt, v.rsid ?? "", "",
                    t.name, normalOf[t.personID] ?? "", m.ref, m.ref,
                    "", "Somatic", "", best?.hgvsc ?? "", hgvsp, hgvsp.isEmpty ? "" : MAF.shortProtein(hgvsp), best?.transcript ?? "",
                    depth, refCount, altCount, "", "", "", (best?.consequences ?? []).joined(separator: ","),
                    v.filters.map { $0 } ?? "PASS", vaf,
                ]
                try emit(row.joined(separator: "\t") + "\n")
                report.rows += 1
                wrote = true
            }
            if wrote { report.variants += 1 }
        }
        return report
    }
}
