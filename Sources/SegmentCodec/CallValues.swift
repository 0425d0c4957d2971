// The values the segment codec stores beside the lists: per-call exceptions and per-carrier QC.

/// A call whose (AN, AC) contribution is not its list's default.
public struct CallException: Sendable, Equatable {
    public var ordinal: UInt32
    /// Alleles this call adds to AN beyond what its absent policy already assumes (can be negative).
    public var anDelta: Int32
    public var altAlleles: Int32
    public init(ordinal: UInt32, anDelta: Int32, altAlleles: Int32) {
        self.ordinal = ordinal
        self.anDelta = anDelta
        self.altAlleles = altAlleles
    }
}

/// Quantised per-carrier FORMAT values: DP (capped at 65,534), GQ (capped at 254), VAF in 1/254 steps, and the
/// reads for REF and for this ALT (capped at 65,534; AD or the caller's own fields, as ``VCF/CallerDepths`` reads
/// them), which the VAF alone cannot give back (FHIR's allelic read depth, MAF's t_ref_count/t_alt_count). The
/// loader keeps reads for tumour and normal samples only.
public struct CarrierQC: Sendable, Equatable {
    public var depth: UInt16?
    public var genotypeQuality: UInt8?
    public var vaf: UInt8?
    public var refDepth: UInt16?
    public var altDepth: UInt16?
    public init(depth: UInt16?, genotypeQuality: UInt8?, vaf: UInt8?, refDepth: UInt16? = nil, altDepth: UInt16? = nil) {
        self.depth = depth
        self.genotypeQuality = genotypeQuality
        self.vaf = vaf
        self.refDepth = refDepth
        self.altDepth = altDepth
    }
}
