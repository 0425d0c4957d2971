public import VariantCore

/// The national variant store, spoken in the domain's terms (batches, samples, sites, aggregates).
/// Backends (SQLite, later PostgreSQL) keep their SQL to themselves.
public protocol VariantStore: AnyObject {
    /// The store's reference assembly; `nil` until the first batch fixes it.
    func assembly() throws -> Assembly?

    /// Opens a batch: registers its files and samples (refusing duplicates unless `plan.replace`) inside one
    /// transaction that only ``BatchWriter/commit()`` makes visible.
    func beginBatch(_ plan: BatchPlan) throws -> any BatchWriter

    /// Removes a person's (or one sample's) genotypes from every batch, recomputes the aggregates,
    /// drops variants left with no carrier, audits, and reclaims the space.
    func erase(_ target: ErasureTarget) throws -> ErasureReport

    /// Variants overlapping `region` with their aggregates, in position order; with `cohort` (sample
    /// ordinals), also the counts within it, computed from the carrier lists (cost grows with carriers).
    func aggregates(in region: Region, cohort: Set<UInt32>?) throws -> [VariantAggregate]

    /// What these samples carry (het, hom-alt or hemizygous), with each variant's aggregates; sorted by
    /// contig, position, sample. Cost grows with the samples' batches, not with the store.
    func carried(by ordinals: Set<UInt32>) throws -> [CarriedVariant]

    /// Active samples whose manifest field `key` (a known column such as `role`, `diagnosis`, `sex`, or a free
    /// attribute) equals `value`; `diagnosis` matches ICD prefixes (`C34` matches `C34.1`).
    func ordinals(whereField key: String, equals value: String) throws -> Set<UInt32>

    /// Named cohorts saved in the store (`varde cohort`). Erased samples leave them with the rest.
    func saveCohort(name: String, definition: String, members: Set<UInt32>) throws
    func cohort(named name: String) throws -> Set<UInt32>?
    func cohorts() throws -> [(name: String, size: Int, definition: String, createdAt: String)]
    func deleteCohort(named name: String) throws -> Bool

    /// Contigs with their declared lengths, in the order the store first met them.
    func contigs() throws -> [(name: String, length: Int?)]

    /// A variant's transcript-level CSQ/ANN annotations as loaded (empty when its files had none).
    func annotations(of id: VariantID) throws -> [Annotation]

    /// VCF GT strings of `samples` (ordinals, in that order) at each variant, rebuilt from the carrier lists:
    /// het 0/1, hom-alt 1/1, hemizygous 1, no-call ./., hom-ref (listed, or absent under --absent-as ref) 0/0,
    /// absent under --absent-as missing ./.; ploidy from the sample's contig class.
    func genotypes(at ids: [VariantID], samples: [UInt32]) throws -> [[String]]

    /// FILTER names other than PASS that any loaded record carried (for VCF output headers).
    func filterNames() throws -> [String]

    /// Variants with this dbSNP ID.
    func variants(rsid: String) throws -> [VariantID]

    /// Active samples by name, and by person pseudonym: the ordinals a cohort file names.
    func ordinals(samples names: [String]) throws -> [String: UInt32]
    func ordinals(pseudonyms: [String]) throws -> [String: [UInt32]]

    /// Recomputes every aggregate from the stored calls and compares: the incremental path's proof.
    func verifyAggregates() throws -> [String]

    func stats() throws -> StoreStats
    func samples() throws -> [SampleRecord]

    /// The ordinals stored in every genotype list (for erasure checks): sample ordinal -> rows naming it.
    func ordinalsInCalls() throws -> Set<UInt32>

    /// Runs `body`'s reads against one snapshot of the store: a batch committed meanwhile is seen by all of them
    /// or by none (the service runs each request in one). Not for writes.
    func readSnapshot<T>(_ body: () throws -> T) throws -> T
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

extension VariantStore {
    /// Backends without snapshots run `body` as it is.
    public func readSnapshot<T>(_ body: () throws -> T) throws -> T { try body() }

    public func aggregates(in region: Region) throws -> [VariantAggregate] { try aggregates(in: region, cohort: nil) }
}
