/// One VCF record as an owned, `Sendable` value: what crosses module and task boundaries.
///
/// Positions are 1-based (VCF `POS`); ``end`` is the last reference base covered, 1-based inclusive
/// (INFO/END for symbolic alleles and gVCF blocks, otherwise `position + ref.count - 1`).
public struct Variant: Sendable, Equatable {
    public var contig: String
    public var position: Int
    public var ids: [String]
    public var ref: String
    public var alts: [String]
    public var qual: Double?
    /// FILTER values; empty when FILTER is `.` (not applied); `["PASS"]` when passed.
    public var filters: [String]
    /// INFO/END when present.
    public var infoEnd: Int?
    /// INFO/SVLEN (first value), for symbolic SVs that give a length instead of (or beside) END.
    public var svLength: Int?
    /// INFO/SOMATIC flag, as somatic callers (Strelka, VarScan, Mutect) set it.
    public var isSomatic: Bool
    public var annotations: [Annotation]
    public var genotypes: Genotypes?
    public var sampleValues: SampleValues
    /// 1-based line number in a text VCF, or the record ordinal in BCF; for messages only.
    public var line: Int?

    public init(contig: String, position: Int, ids: [String] = [], ref: String, alts: [String], qual: Double? = nil,
                filters: [String] = [], infoEnd: Int? = nil, isSomatic: Bool = false, annotations: [Annotation] = [],
                genotypes: Genotypes? = nil, sampleValues: SampleValues = SampleValues(), line: Int? = nil) {
        self.contig = contig
        self.position = position
        self.ids = ids
        self.ref = ref
        self.alts = alts
        self.qual = qual
        self.filters = filters
        self.infoEnd = infoEnd
        self.isSomatic = isSomatic
        self.annotations = annotations
        self.genotypes = genotypes
        self.sampleValues = sampleValues
        self.line = line
    }

    /// The last reference base this record covers, 1-based inclusive.
    public var end: Int { infoEnd ?? (position + max(ref.utf8.count, 1) - 1) }

    /// The kind of each ALT allele.
    public var altKinds: [AlleleKind] { alts.map { AlleleKind.classify(ref: ref, alt: $0) } }

    /// Is this a gVCF reference block: no ALT, or only `<NON_REF>`/`<*>` placeholders?
    public var isReferenceBlock: Bool { alts.allSatisfy { AlleleKind.classify(ref: ref, alt: $0) == .referenceBlock } }

    /// `CHROM:POS` as used in messages.
    public var locus: String { "\(contig):\(position)" }

    /// gnomAD-style identifiers (`22-16050075-A-G`), one per ALT allele; the `chr` prefix is dropped.
    public var variantIDs: [String] { alts.map { VariantID(contig: contig, position: position, ref: ref, alt: $0).description } }
}

/// Per-sample FORMAT values clinicians need, flat with one slot (or one stride) per sample.
///
/// `nil` arrays mean the FORMAT field is absent from the record. Missing values are `nil` entries.
public struct SampleValues: Sendable, Equatable {
    /// FORMAT/DP (read depth), one per sample.
    public var depth: [Int32?]?
    /// FORMAT/GQ (genotype quality), one per sample.
    public var genotypeQuality: [Int32?]?
    /// FORMAT/AD (Number=R): `alleleCount` values per sample, REF first.
    public var alleleDepths: [Int32?]?
    /// FORMAT/AF (Number=A, somatic callers): `alleleCount - 1` values per sample.
    public var alleleFractions: [Float?]?

    public init(depth: [Int32?]? = nil, genotypeQuality: [Int32?]? = nil, alleleDepths: [Int32?]? = nil,
                alleleFractions: [Float?]? = nil) {
        self.depth = depth
        self.genotypeQuality = genotypeQuality
        self.alleleDepths = alleleDepths
        self.alleleFractions = alleleFractions
    }
}

/// A variant identifier in gnomAD style: `CHROM-POS-REF-ALT` with the `chr` prefix dropped (`22-16050075-A-G`).
public struct VariantID: Hashable, Sendable, CustomStringConvertible {
    public var contig: String
    public var position: Int
    public var ref: String
    public var alt: String

    public init(contig: String, position: Int, ref: String, alt: String) {
        self.contig = contig
        self.position = position
        self.ref = ref
        self.alt = alt
    }

    public var description: String {
        var c = Substring(contig)
        if c.lowercased().hasPrefix("chr") { c = c.dropFirst(3) }
        return "\(c)-\(position)-\(ref)-\(alt)"
    }

    /// Parses `22-16050075-A-G` (also `chr22-16050075-A-G` and `22:16050075:A:G`).
    public init(parsing text: String) throws(VariantIDError) {
        let sep: Character = text.contains("-") ? "-" : ":"
        let parts = text.trimmingWhitespace().split(separator: sep, omittingEmptySubsequences: false)
        guard parts.count == 4, !parts[0].isEmpty else { throw .malformed(text) }
        guard let pos = Int(parts[1]), pos >= 1, pos <= Region.maxPosition else { throw .malformed(text) }
        let ref = parts[2].uppercased(), alt = parts[3].uppercased()
        let bases = Set("ACGTN")
        guard !ref.isEmpty, !alt.isEmpty, ref.allSatisfy(bases.contains), alt.allSatisfy(bases.contains) else {
            throw .malformed(text)
        }
        self.init(contig: String(parts[0]), position: pos, ref: ref, alt: alt)
    }
}

public enum VariantIDError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    public var description: String {
        switch self {
        case let .malformed(t):
            "cannot read variant ID '\(t)': write it as CHROM-POS-REF-ALT with a 1-based POS (1 to \(Region.maxPosition)) and A/C/G/T/N alleles, e.g. 22-16050075-A-G"
        }
    }
}
