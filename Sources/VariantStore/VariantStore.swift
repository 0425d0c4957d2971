public import VariantCore

/// The national variant store, spoken in the domain's terms (batches, samples, sites, aggregates), split by what a
/// caller needs: ``VariantReading`` for queries and the service, ``BatchLoading`` for `varde load`, ``CohortStoring``,
/// ``PersonErasing`` and ``StoreMaintaining``. Backends (SQLite; PostgreSQL next) keep their SQL to themselves, and
/// the rules (who counts, ploidy, contributions, genotype strings, compaction plans) live in this module, for every
/// backend alike. Opened by `StoreFactory.open(_:)` from a path or a URL.
///
/// A store value is one connection: it is `Sendable` so that it can be handed between tasks (the service's pool
/// does), but it is used by one task at a time.
public protocol VariantStore: VariantReading, BatchLoading, CohortStoring, PersonErasing, StoreMaintaining {}

/// Reading: the queries, the service and the exports.
public protocol VariantReading: AnyObject, Sendable {
    /// The store's reference assembly; `nil` until the first batch fixes it.
    func assembly() throws -> Assembly?

    /// Variants overlapping `region` with their aggregates, in position order; with `cohort` (sample
    /// ordinals), also the counts within it, computed from the carrier lists (cost grows with carriers).
    func aggregates(in region: Region, cohort: Set<UInt32>?) throws -> [VariantAggregate]

    /// What these samples carry (het, hom-alt or hemizygous), with each variant's aggregates; sorted by
    /// contig, position, sample. Cost grows with the samples' segments, not with the store.
    func carried(by ordinals: Set<UInt32>) throws -> [CarriedVariant]

    /// Active samples matching a manifest field criterion (``SampleCriterion``).
    func ordinals(whereField key: String, equals value: String) throws -> Set<UInt32>

    /// Contigs with their declared lengths, in the order the store first met them.
    func contigs() throws -> [(name: String, length: Int?)]

    /// A variant's transcript-level CSQ/ANN annotations as loaded (empty when its files had none).
    func annotations(of id: VariantID) throws -> [Annotation]

    /// VCF GT strings of `samples` (ordinals, in that order) at each variant, rebuilt from the carrier lists by
    /// ``GenotypeText``.
    func genotypes(at ids: [VariantID], samples: [UInt32]) throws -> [[String]]

    /// FILTER names other than PASS that any loaded record carried (for VCF output headers).
    func filterNames() throws -> [String]

    /// Variants with this dbSNP ID.
    func variants(rsid: String) throws -> [VariantID]

    /// Active samples by name, and by person pseudonym: the ordinals a cohort file names.
    func ordinals(samples names: [String]) throws -> [String: UInt32]
    func ordinals(pseudonyms: [String]) throws -> [String: [UInt32]]

    func stats() throws -> StoreStats
    /// Loads, compactions and erasures so far (monitoring).
    func activity() throws -> StoreActivity
    /// A value that changes whenever an answer could: a batch committed, an erasure, a compaction, a cohort saved
    /// or deleted. The service keys its cache of query results on it (one small query).
    func generation() throws -> String
    func samples() throws -> [SampleRecord]

    /// Runs `body`'s reads against one snapshot of the store: a batch committed meanwhile is seen by all of them
    /// or by none (the service runs each request in one). Not for writes.
    func readSnapshot<T>(_ body: () throws -> T) throws -> T
}

/// Loading: one batch at a time, all or nothing.
public protocol BatchLoading: AnyObject, Sendable {
    /// Opens a batch: registers its files and samples (refusing duplicates unless `plan.replace`) inside one
    /// transaction that only ``BatchWriter/commit()`` makes visible. Waits while another writer holds the store.
    func beginBatch(_ plan: BatchPlan) throws -> any BatchWriter
}

/// Named cohorts saved in the store (`varde cohort`). Erased samples leave them with the rest.
public protocol CohortStoring: AnyObject, Sendable {
    func saveCohort(name: String, definition: String, members: Set<UInt32>) throws
    func cohort(named name: String) throws -> Set<UInt32>?
    func cohorts() throws -> [(name: String, size: Int, definition: String, createdAt: String)]
    func deleteCohort(named name: String) throws -> Bool
}

/// Consent withdrawal.
public protocol PersonErasing: AnyObject, Sendable {
    /// Removes a person's (or one sample's) genotypes from every segment holding them (their batch's or a compacted
    /// range's), recomputes the aggregates, drops variants left with no carrier, audits, and reclaims the space.
    func erase(_ target: ErasureTarget) throws -> ErasureReport
}

/// Upkeep: proofs, compaction.
public protocol StoreMaintaining: AnyObject, Sendable {
    /// Recomputes every aggregate from the stored calls and compares: the incremental path's proof.
    func verifyAggregates() throws -> [String]

    /// The ordinals stored in every genotype list (for erasure checks).
    func ordinalsInCalls() throws -> Set<UInt32>

    /// Merges small batches' segments (``CompactionPolicy``, ``CompactionPlanner``) without changing any answer;
    /// all or nothing. `automatic`: only what a load's automatic compaction merges.
    func compact(_ policy: CompactionPolicy, automatic: Bool, progress: ((String) -> Void)?) throws -> CompactionReport

    /// How many small batches automatic compaction would merge now (0: nothing due).
    func automaticCompactionPending(_ policy: CompactionPolicy) throws -> Int
}

/// One open batch. Everything added becomes visible at ``commit()``, or never.
public protocol BatchWriter: AnyObject {
    var batchID: Int { get }
    var samples: [AssignedSample] { get }
    /// Adds one site occurrence (one normalised bi-allelic record of one file).
    func add(_ site: SiteCalls) throws
    /// Adds a gVCF reference block (coverage) of a counted sample.
    func addCoverage(_ block: CoverageBlock) throws
    /// Records per-sample ploidy seen per contig class, and per-file record counts, before commit.
    func finish(ploidy: [UInt32: [ContigClass: Int]], records: [Int]) throws
    func commit() throws
    func rollback()
}

extension VariantReading {
    public func aggregates(in region: Region) throws -> [VariantAggregate] { try aggregates(in: region, cohort: nil) }
}

extension StoreMaintaining {
    public func compact(_ policy: CompactionPolicy = CompactionPolicy(), automatic: Bool = false) throws -> CompactionReport {
        try compact(policy, automatic: automatic, progress: nil)
    }
    public func automaticCompactionPending() throws -> Int { try automaticCompactionPending(CompactionPolicy()) }
}
