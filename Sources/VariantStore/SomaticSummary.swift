public import VariantCore

/// What clinicians ask of a somatic variant: how many tumours carry it, at which VAFs, in which diagnoses
/// (e.g. KRAS G12C in C34 tumours). Tumours never count in AC/AN; this is their separate tally.
public struct SomaticSummary: Sendable, Equatable {
    /// Tumour samples carrying the variant.
    public var tumours: Int
    /// Tumour VAFs in ten bins (0–0.1, …, 0.9–1.0), for carriers whose caller gave depths or AF.
    public var vafBins: [Int]
    public var medianVAF: Double?
    /// Carrying tumours by diagnosis category (ICD-10/ICD-O-3 code up to the dot, e.g. `C34`), `unknown`
    /// for tumours without a diagnosis in the manifest.
    public var byDiagnosis: [String: Int]

    public init(tumours: Int, vafBins: [Int], medianVAF: Double?, byDiagnosis: [String: Int]) {
        self.tumours = tumours
        self.vafBins = vafBins
        self.medianVAF = medianVAF
        self.byDiagnosis = byDiagnosis
    }

    /// `C34.1` → `C34`; `8140/3` (ICD-O-3 morphology) stays whole.
    public static func category(_ diagnosis: String?) -> String {
        guard let d = diagnosis?.trimmingWhitespace(), !d.isEmpty else { return "unknown" }
        return String(d.split(separator: ".").first ?? Substring(d)).uppercased()
    }
}

/// A store that keeps each variant's tumour VAF histogram.
public protocol TumourVAFSource {
    /// The ten-bin tumour VAF histogram of each variant (zeros when none is kept), in the order asked.
    func tumourVAFBins(_ ids: [VariantID]) throws -> [[Int]]
}
