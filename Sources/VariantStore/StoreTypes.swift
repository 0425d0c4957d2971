public import VariantCore

/// What a sample is to the store. Germline and normal samples can count toward population frequencies
/// (one sample per person); tumour calls never do and are counted separately.
public enum SampleRole: String, Sendable, Codable, CaseIterable {
    case germline, tumour, normal
}

/// What a site absent from a plain VCF means for its samples (`varde load --absent-as`).
public enum AbsentPolicy: String, Sendable, Codable, CaseIterable {
    /// Absent = homozygous reference (a germline call set lists only variant sites): `bcftools merge -0`.
    case ref
    /// Absent = not called: only explicit calls and gVCF reference blocks count toward AN.
    case missing
}

/// Which ploidy rules a contig follows.
public enum ContigClass: Int, Sendable, Codable, CaseIterable {
    case autosome = 0, x = 1, y = 2, mitochondrial = 3

    public init(contig: String) {
        switch Assembly.canonicalChromosome(contig) {
        case "X": self = .x
        case "Y": self = .y
        case "MT": self = .mitochondrial
        default: self = .autosome
        }
    }
}

/// One sample as the loader hands it to the store: manifest facts plus where it sits in the batch.
public struct SampleSpec: Sendable, Equatable {
    public var name: String
    /// HMAC-SHA256 of the person key; the raw key never reaches the store.
    public var pseudonym: String
    public var role: SampleRole
    /// Index of the input file (within the batch) whose column this sample is.
    public var fileIndex: Int
    public var absentPolicy: AbsentPolicy
    public var sex: String?
    public var birthYear: Int?
    public var specimenType: String?
    public var collectionDate: String?
    public var diagnosis: String?
    public var diagnosisDate: String?
    public var careSite: String?
    public var assay: String?
    /// Manifest columns Varde does not know, kept as they are.
    public var attributes: [String: String]

    public init(name: String, pseudonym: String, role: SampleRole = .germline, fileIndex: Int = 0,
                absentPolicy: AbsentPolicy = .ref, sex: String? = nil, birthYear: Int? = nil, specimenType: String? = nil,
                collectionDate: String? = nil, diagnosis: String? = nil, diagnosisDate: String? = nil,
                careSite: String? = nil, assay: String? = nil, attributes: [String: String] = [:]) {
        self.name = name
        self.pseudonym = pseudonym
        self.role = role
        self.fileIndex = fileIndex
        self.absentPolicy = absentPolicy
        self.sex = sex
        self.birthYear = birthYear
        self.specimenType = specimenType
        self.collectionDate = collectionDate
        self.diagnosis = diagnosis
        self.diagnosisDate = diagnosisDate
        self.careSite = careSite
        self.assay = assay
        self.attributes = attributes
    }
}

/// A sample after the store registered it: its ordinal (global, dense per batch) and whether it counts
/// toward population frequencies (germline or normal, the first such sample of its person).
public struct AssignedSample: Sendable, Equatable {
    public var ordinal: UInt32
    public var counted: Bool
    public var spec: SampleSpec

    public init(ordinal: UInt32, counted: Bool, spec: SampleSpec) {
        self.ordinal = ordinal
        self.counted = counted
        self.spec = spec
    }
}

/// One input file of a batch.
public struct SourceFile: Sendable, Equatable {
    public var path: String
    public var sha256: String
    public var isGVCF: Bool
    public init(path: String, sha256: String, isGVCF: Bool) {
        self.path = path
        self.sha256 = sha256
        self.isGVCF = isGVCF
    }
}

/// A batch to open: its files and samples, in file order.
public struct BatchPlan: Sendable {
    public var command: String
    public var assembly: Assembly
    public var contigs: [(name: String, length: Int?)]
    public var files: [SourceFile]
    public var samples: [SampleSpec]
    /// Supersede files (by checksum) and samples (by name) already in the store.
    public var replace: Bool

    public init(command: String, assembly: Assembly, contigs: [(name: String, length: Int?)], files: [SourceFile],
                samples: [SampleSpec], replace: Bool = false) {
        self.command = command
        self.assembly = assembly
        self.contigs = contigs
        self.files = files
        self.samples = samples
        self.replace = replace
    }
}

/// A normalised bi-allelic site and the calls of one input file's samples at it.
///
/// Sample lists hold batch-global ordinals, sorted. Hom-ref is implied for samples whose absent policy
/// is `ref`; for `missing` (gVCF) samples an explicit hom-ref call is listed in ``homRef``.
/// ``exceptions`` records calls whose contribution differs from their list's rule (half-calls, other
/// ploidies), so every sample's contribution can be recomputed exactly from what is stored.
public struct SiteCalls: Sendable, Equatable {
    public var contig: String
    public var position: Int
    public var end: Int
    public var ref: String
    public var alt: String
    public var kind: AlleleKind
    public var rsid: String?
    public var fileIndex: Int
    public var het: [UInt32] = []
    public var homAlt: [UInt32] = []
    public var hemi: [UInt32] = []
    public var homRef: [UInt32] = []
    public var noCall: [UInt32] = []
    public var exceptions: [CallException] = []
    /// Per carrier (het, then hom-alt, then hemi order), quantised DP, GQ and VAF; empty when not kept.
    public var qc: [CarrierQC] = []
    /// What this occurrence adds to the population aggregates (counted samples only).
    public var contribution = Contribution()
    /// Tumour samples carrying the ALT, and their VAFs (when known).
    public var tumourCarriers = 0
    public var tumourVAFs: [Float] = []
    /// The record's FILTER names other than PASS (empty: PASS or '.').
    public var filters: [String] = []
    /// The record's CSQ/ANN annotations for this ALT.
    public var annotations: [Annotation] = []

    public init(contig: String, position: Int, end: Int, ref: String, alt: String, kind: AlleleKind, rsid: String?,
                fileIndex: Int) {
        self.contig = contig
        self.position = position
        self.end = end
        self.ref = ref
        self.alt = alt
        self.kind = kind
        self.rsid = rsid
        self.fileIndex = fileIndex
    }

    public var variantID: VariantID { VariantID(contig: contig, position: position, ref: ref, alt: alt) }
}

/// Additive population counts: what a site occurrence, a sample or a batch adds.
public struct Contribution: Sendable, Equatable {
    public var ac: Int = 0
    /// AN beyond the store's default (hom-ref assumed for absent `ref`-policy samples).
    public var anDelta: Int = 0
    public var nHomAlt: Int = 0
    public var nHemi: Int = 0
    public init(ac: Int = 0, anDelta: Int = 0, nHomAlt: Int = 0, nHemi: Int = 0) {
        self.ac = ac
        self.anDelta = anDelta
        self.nHomAlt = nHomAlt
        self.nHemi = nHemi
    }
    public static func += (a: inout Contribution, b: Contribution) {
        a.ac += b.ac; a.anDelta += b.anDelta; a.nHomAlt += b.nHomAlt; a.nHemi += b.nHemi
    }
}

/// A reference block of a gVCF sample: called hom-ref over `start...end` (1-based, inclusive).
public struct CoverageBlock: Sendable, Equatable {
    public var contig: String
    public var start: Int
    public var end: Int
    public var ordinal: UInt32
    public var ploidy: Int
    public init(contig: String, start: Int, end: Int, ordinal: UInt32, ploidy: Int) {
        self.contig = contig
        self.start = start
        self.end = end
        self.ordinal = ordinal
        self.ploidy = ploidy
    }
}

/// A variant with its population aggregates (germline samples of people not erased, one per person).
public struct VariantAggregate: Sendable, Equatable {
    public var contig: String
    public var position: Int
    public var end: Int
    public var ref: String
    public var alt: String
    public var kind: String
    public var rsid: String?
    public var ac: Int
    public var an: Int
    public var nHomAlt: Int
    public var nHemi: Int
    /// Tumour samples carrying the variant (never part of AC/AN).
    public var tumours: Int
    /// Median tumour VAF, when any tumour carrier had one.
    public var tumourMedianVAF: Double?
    /// Non-PASS FILTER names of any record that called it (empty: PASS).
    public var filters: [String] = []
    /// Distinct genes and SO consequence terms from its CSQ/ANN annotations.
    public var genes: [String] = []
    public var consequences: [String] = []

    /// Counts within a cohort, when one was asked for.
    public var cohort: CohortCounts?

    public var af: Double? { an > 0 ? Double(ac) / Double(an) : nil }
    public var variantID: VariantID { VariantID(contig: contig, position: position, ref: ref, alt: alt) }

    public init(contig: String, position: Int, end: Int, ref: String, alt: String, kind: String, rsid: String?, ac: Int,
                an: Int, nHomAlt: Int, nHemi: Int, tumours: Int, tumourMedianVAF: Double?) {
        self.contig = contig
        self.position = position
        self.end = end
        self.ref = ref
        self.alt = alt
        self.kind = kind
        self.rsid = rsid
        self.ac = ac
        self.an = an
        self.nHomAlt = nHomAlt
        self.nHemi = nHemi
        self.tumours = tumours
        self.tumourMedianVAF = tumourMedianVAF
    }
}

/// A sample as `varde samples` lists it.
public struct SampleRecord: Sendable, Equatable {
    public var ordinal: UInt32
    public var name: String
    public var batch: Int
    public var role: SampleRole
    public var counted: Bool
    public var loadedAt: String
    public var pseudonym: String

    public init(ordinal: UInt32, name: String, batch: Int, role: SampleRole, counted: Bool, loadedAt: String, pseudonym: String) {
        self.ordinal = ordinal
        self.name = name
        self.batch = batch
        self.role = role
        self.counted = counted
        self.loadedAt = loadedAt
        self.pseudonym = pseudonym
    }
}

/// What `varde stats` prints.
public struct StoreStats: Sendable, Equatable {
    public var assembly: Assembly?
    public var samples: Int
    public var people: Int
    public var batches: Int
    public var variantsByKind: [String: Int]
    public var callRows: Int
    public var bytesOnDisk: Int
    /// Store bytes per (variant × sample): what a genotype costs on disk, hom-ref included.
    public var bytesPerGenotype: Double?
    public var erasures: Int

    public init(assembly: Assembly?, samples: Int, people: Int, batches: Int, variantsByKind: [String: Int], callRows: Int, bytesOnDisk: Int, bytesPerGenotype: Double?, erasures: Int) {
        self.assembly = assembly
        self.samples = samples
        self.people = people
        self.batches = batches
        self.variantsByKind = variantsByKind
        self.callRows = callRows
        self.bytesOnDisk = bytesOnDisk
        self.bytesPerGenotype = bytesPerGenotype
        self.erasures = erasures
    }
}

/// What has happened to a store, for monitoring (`varde serve`'s `/metrics`): cheap to read at every scrape, and
/// the same from every process, since it comes from the store itself and not from one loader's memory.
public struct StoreActivity: Sendable, Equatable {
    /// Batches committed (one per `varde load`), and the VCF/MAF records they read.
    public var batches: Int
    public var recordsLoaded: Int
    /// Samples present (erased ones excluded).
    public var samples: Int
    /// When the newest batch and the newest compaction committed (UTC, ISO 8601 as stored), if any did.
    public var lastLoad: String?
    public var compactions: Int
    public var lastCompaction: String?
    /// Consent withdrawals carried out.
    public var erasures: Int
    /// Small batches a load's automatic compaction would merge now (the backlog).
    public var compactionPending: Int

    public init(batches: Int, recordsLoaded: Int, samples: Int, lastLoad: String?, compactions: Int, lastCompaction: String?,
                erasures: Int, compactionPending: Int) {
        self.batches = batches
        self.recordsLoaded = recordsLoaded
        self.samples = samples
        self.lastLoad = lastLoad
        self.compactions = compactions
        self.lastCompaction = lastCompaction
        self.erasures = erasures
        self.compactionPending = compactionPending
    }
}

/// Whose data to erase.
public enum ErasureTarget: Sendable, Equatable {
    case person(pseudonym: String)
    case sample(name: String)
}

public struct ErasureReport: Sendable, Equatable {
    public var samples: [String]
    public var callRowsRewritten: Int
    public var variantsDropped: Int
    public var coverageBlocksDeleted: Int

    public init(samples: [String], callRowsRewritten: Int, variantsDropped: Int, coverageBlocksDeleted: Int) {
        self.samples = samples
        self.callRowsRewritten = callRowsRewritten
        self.variantsDropped = variantsDropped
        self.coverageBlocksDeleted = coverageBlocksDeleted
    }
}

/// A store-level failure said plainly, with what to do.
public struct StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let name: String
        public init(_ name: String) { self.name = name }
        public static let duplicateSample = Code("duplicate-sample")
        public static let duplicateFile = Code("duplicate-file")
        public static let assemblyMismatch = Code("assembly-mismatch")
        public static let notFound = Code("not-found")
        public static let database = Code("database")
        public static let corrupt = Code("corrupt")
        public static let invalidInput = Code("invalid-input")
        /// Another process held the store's write lock for longer than the wait allows.
        public static let busy = Code("busy")
    }
    public var code: Code
    public var message: String
    public var fix: String?
    public init(_ code: Code, _ message: String, fix: String? = nil) {
        self.code = code
        self.message = message
        self.fix = fix
    }
    public var description: String { message + (fix.map { ". Fix: " + $0 } ?? "") }
}

/// AC, AN and hom-alt count within a cohort (its counted germline samples only).
public struct CohortCounts: Sendable, Equatable {
    public var ac: Int
    public var an: Int
    public var nHomAlt: Int
    public var af: Double? { an > 0 ? Double(ac) / Double(an) : nil }
    public init(ac: Int, an: Int, nHomAlt: Int) {
        self.ac = ac
        self.an = an
        self.nHomAlt = nHomAlt
    }
}

/// One sample carrying one variant (controlled data: `varde query --sample/--person`).
public struct CarriedVariant: Sendable, Equatable {
    public var variant: VariantAggregate
    public var sample: String
    public var zygosity: Zygosity
    public init(variant: VariantAggregate, sample: String, zygosity: Zygosity) {
        self.variant = variant
        self.sample = sample
        self.zygosity = zygosity
    }
}
