public import VariantCore

/// A sample with its person and manifest fields, as the OMOP export reads them (controlled data).
public struct SampleDetail: Sendable, Equatable {
    public var ordinal: UInt32
    public var name: String
    /// The store's surrogate for the person (stable while the person is in the store).
    public var personID: Int
    /// HMAC-SHA256 pseudonym of the person key: the only person identifier that leaves the store.
    public var pseudonym: String
    public var role: SampleRole
    public var sex: String?
    public var birthYear: Int?
    public var specimenType: String?
    public var collectionDate: String?
    public var diagnosis: String?
    public var diagnosisDate: String?
    public var careSite: String?
    public var assay: String?
    public var batch: Int
    /// ISO 8601 UTC time of the load.
    public var loadedAt: String

    public init(ordinal: UInt32, name: String, personID: Int, pseudonym: String, role: SampleRole, sex: String?, birthYear: Int?,
                specimenType: String?, collectionDate: String?, diagnosis: String?, diagnosisDate: String?, careSite: String?,
                assay: String?, batch: Int, loadedAt: String) {
        self.ordinal = ordinal
        self.name = name
        self.personID = personID
        self.pseudonym = pseudonym
        self.role = role
        self.sex = sex
        self.birthYear = birthYear
        self.specimenType = specimenType
        self.collectionDate = collectionDate
        self.diagnosis = diagnosis
        self.diagnosisDate = diagnosisDate
        self.careSite = careSite
        self.assay = assay
        self.batch = batch
        self.loadedAt = loadedAt
    }
}

/// One sample carrying a variant, with its quantised QC when the caller gave FORMAT DP/AD/AF.
public struct Carrier: Sendable, Equatable {
    public var ordinal: UInt32
    public var zygosity: Zygosity
    public var depth: Int?
    /// Variant allele fraction, 0...1 (quantised to 1/254).
    public var vaf: Double?
    /// FORMAT/GQ, capped at 254 (the FHIR export's Varde-coded component).
    public var genotypeQuality: Int?
    /// Reads for REF and for this ALT (AD, or the caller's own fields read the vcf2maf way), capped at 65,534;
    /// kept for tumour and normal samples; `nil` for germline samples, in stores loaded before migration 0009, and
    /// where the caller gave none.
    public var refDepth: Int?
    public var altDepth: Int?
    public init(ordinal: UInt32, zygosity: Zygosity, depth: Int?, vaf: Double?, genotypeQuality: Int? = nil,
                refDepth: Int? = nil, altDepth: Int? = nil) {
        self.ordinal = ordinal
        self.zygosity = zygosity
        self.depth = depth
        self.vaf = vaf
        self.genotypeQuality = genotypeQuality
        self.refDepth = refDepth
        self.altDepth = altDepth
    }
}

/// A stored variant (1-based, inclusive) with every active sample carrying it.
public struct VariantCarriers: Sendable, Equatable {
    /// The store's variant surrogate (stable while the variant is in the store).
    public var variantKey: Int
    public var contig: String
    public var position: Int
    public var end: Int
    public var ref: String
    public var alt: String
    public var kind: String
    public var rsid: String?
    /// Non-PASS FILTER names (`;`-joined); `nil` when every record said PASS or `.`.
    public var filters: String?
    /// Gene symbols of its CSQ/ANN annotations.
    public var genes: [String]
    public var carriers: [Carrier]
    public var variantID: VariantID { VariantID(contig: contig, position: position, ref: ref, alt: alt) }
    public init(variantKey: Int, contig: String, position: Int, end: Int, ref: String, alt: String, kind: String, rsid: String?,
                filters: String? = nil, genes: [String] = [], carriers: [Carrier]) {
        self.variantKey = variantKey
        self.contig = contig
        self.position = position
        self.end = end
        self.ref = ref
        self.alt = alt
        self.kind = kind
        self.rsid = rsid
        self.filters = filters
        self.genes = genes
        self.carriers = carriers
    }
}

/// The narrow read API of the OMOP export: samples and, variant by variant, who carries what.
public protocol CarrierScan: AnyObject {
    /// Active samples, by ordinal.
    func sampleDetails() throws -> [SampleDetail]
    /// Every variant with at least one active carrier, in genomic order (contig, then position), with carriers in
    /// ordinal order.
    func forEachVariantCarriers(_ body: (VariantCarriers) throws -> Void) throws

    /// Every variant carried by at least one of `eligible` (active samples), in genomic order: first `wanted`
    /// sees it without carriers but with how many of `eligible` carry it; only when it says yes are the carriers
    /// decoded (all active ones, in ordinal order) and handed to `body`. An export that maps few variants decodes
    /// only those.
    func forEachVariantCarriers(eligible: Set<UInt32>, wanted: (VariantCarriers, _ eligibleCarriers: Int) throws -> Bool,
                                _ body: (VariantCarriers) throws -> Void) throws
}
