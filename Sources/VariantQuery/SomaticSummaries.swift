public import VariantCore
public import VariantStore

/// Per variant: the tumours carrying it, their VAF distribution and counts by diagnosis, for `varde query
/// --origin somatic`, the native API and the Beacon. Carriers come from the stored lists of tumour samples
/// (`genotypes(at:samples:)`, through the vid index), diagnoses from the manifest, VAFs from the histogram
/// the loader keeps per variant.
public enum SomaticSummaries {
    public static func summaries(_ rows: [VariantAggregate], store: any VariantStore) throws -> [SomaticSummary] {
        guard !rows.isEmpty else { return [] }
        let tumours = try store.samples().filter { $0.role == .tumour }
        var diagnosis: [UInt32: String] = [:]
        if let scan = store as? any CarrierScan {
            for d in try scan.sampleDetails() where d.role == .tumour { diagnosis[d.ordinal] = d.diagnosis }
        }
        let bins = try (store as? any TumourVAFSource)?.tumourVAFBins(rows.map(\.variantID))
        var out: [SomaticSummary] = []
        out.reserveCapacity(rows.count)
        for start in stride(from: 0, to: rows.count, by: 1000) {
            let part = Array(rows[start..<min(rows.count, start + 1000)])
            let calls = tumours.isEmpty ? part.map { _ in [String]() } : try store.genotypes(at: part.map(\.variantID), samples: tumours.map(\.ordinal))
            for (k, (a, row)) in zip(part, calls).enumerated() {
                var by: [String: Int] = [:]
                for (sample, gt) in zip(tumours, row) where gt.contains("1") {
                    by[SomaticSummary.category(diagnosis[sample.ordinal]), default: 0] += 1
                }
                let hist = bins?[start + k] ?? [Int](repeating: 0, count: 10)
                out.append(SomaticSummary(tumours: a.tumours, vafBins: hist, medianVAF: a.tumourMedianVAF, byDiagnosis: by))
            }
        }
        return out
    }
}
