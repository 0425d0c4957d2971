public import VariantCore
public import VariantStore

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The store's logic over SQL, one for every engine: SQLite (the embedded default, `SQLiteVariantStore`) and
/// PostgreSQL run these same statements through their ``SQLConnection``, so they give the same answers. Each batch
/// is one transaction, so a load that fails or is killed leaves the store exactly as it was.
///
/// One value is one connection (and, for large regions, a second one it opens itself): `@unchecked Sendable` because
/// it may be handed between tasks, but it must be used by one task at a time (the service's pool does so).
public final class SQLVariantStore: VariantStore, @unchecked Sendable {
    /// Where the store is: a path, or a URL without its password.
    public let path: String
    let db: any SQLConnection
    private var companion: (any SQLConnection)?
    /// Regions of this many variants or more are read on two connections at once (tests lower it to cover that path).
    var parallelFrom = 4096

    /// Runs the store on `connection`, applying its pending migrations first.
    public init(connection: any SQLConnection) throws(StoreError) {
        path = connection.location
        db = connection
        try migrate()
    }

    /// Applies the migrations this store lacks, exactly once however many processes open it at the same moment: the
    /// check and the changes run under the write lock, in one transaction (so a killed migration leaves the store as
    /// it was). A store that already has every migration is opened without taking the lock.
    func migrate() throws(StoreError) {
        if try pending(applied: try appliedMigrationIDs()).isEmpty { return }
        do {
            try db.transaction {
                try db.execute("CREATE TABLE IF NOT EXISTS migration(id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
                for m in try pending(applied: try appliedMigrationIDs()) {
                    if !m.sql.isEmpty { try db.execute(m.sql) }
                    switch m.step {
                    case .callsToSegments?: try convertCallsToSegments()
                    case .pseudonymsToBlobs?: try convertPseudonymsToBlobs()
                    case nil: break
                    }
                    try db.statement("INSERT INTO migration(id, applied_at) VALUES (?, ?)").run([.text(m.id), .text(Clock.now())])
                }
            }
        } catch let e as StoreError { throw e } catch { throw StoreError(.database, "\(error)") }
    }

    /// The migrations applied so far (none for a new store).
    private func appliedMigrationIDs() throws(StoreError) -> Set<String> {
        guard try db.hasTable("migration") else { return [] }
        let s = try db.statement("SELECT id FROM migration")
        defer { s.reset() }
        var out = Set<String>()
        while try s.step() { out.insert(s.text(0) ?? "") }
        return out
    }

    /// The known migrations not yet applied, in order; a store with a migration this build does not know was written
    /// by a newer Varde, and is refused before anything is changed.
    private func pending(applied: Set<String>) throws(StoreError) -> [SQLMigration] {
        let known = Set(db.migrations.map(\.id))
        if let newer = applied.subtracting(known).sorted().last {
            throw StoreError(.invalidInput, "this store was written by a newer version of Varde (it has migration \(newer), which this varde does not know)",
                             fix: "use that newer varde with this store; this one would not read it correctly, so it has changed nothing")
        }
        return db.migrations.filter { !applied.contains($0.id) }
    }

    /// The migrations applied, in order (for the migration-parity test).
    public func appliedMigrations() throws(StoreError) -> [String] {
        let s = try db.statement("SELECT id FROM migration ORDER BY id")
        var out: [String] = []
        while try s.step() { out.append(s.text(0) ?? "") }
        return out
    }

    public func assembly() throws -> Assembly? {
        let s = try db.statement("SELECT value FROM meta WHERE key = 'assembly'")
        guard try s.step(), let v = s.text(0) else { return nil }
        return Assembly(rawValue: v)
    }

    public func beginBatch(_ plan: BatchPlan) throws -> any BatchWriter {
        try db.begin(.write)
        do {
            return try SQLBatchWriter(store: self, plan: plan)
        } catch {
            db.rollback()
            throw error
        }
    }

    // MARK: - Lookups shared with the writer

    func contigID(_ name: String, length: Int? = nil) throws(StoreError) -> Int {
        let s = try db.statement("SELECT contig_id, length FROM contig WHERE name = ?")
        try s.bind([.text(name)])
        if try s.step() {
            let id = s.int(0)
            let known = !s.isNull(1)
            s.reset()
            if !known, let length { try db.statement("UPDATE contig SET length = ? WHERE contig_id = ?").run([.int(length), .int(id)]) }
            return id
        }
        try db.statement("INSERT INTO contig(name, length, class) VALUES (?, ?, ?)")
            .run([.text(name), .optional(length), .int(ContigClass(contig: name).rawValue)])
        return Int(try db.lastInsertRowID)
    }

    /// Active samples; with `among`, only those (a cohort of a thousand is read by key, not by scanning all).
    func activeSamples(among ordinals: Set<UInt32>? = nil) throws(StoreError) -> SampleTable {
        let columns = "ordinal, batch_id, role, counted, absent_policy, ploidy_autosome, ploidy_x, ploidy_y, ploidy_mt"
        var out = SampleTable()
        func read(_ s: any SQLStatement) throws(StoreError) {
            while try s.step() {
                let o = UInt32(s.int(0))
                out[assign: o] = ActiveSample(ordinal: o, batch: s.int(1), role: SampleRole(rawValue: s.text(2) ?? "") ?? .germline,
                                              counted: s.int(3) == 1, policy: AbsentPolicy(rawValue: s.text(4) ?? "") ?? .ref,
                                              ploidy: SamplePloidy(autosome: s.int(5), x: s.int(6), y: s.int(7), mitochondrial: s.int(8)))
            }
        }
        if let ordinals, ordinals.count < 4096 {
            out.reserve(Int(ordinals.max() ?? 0) + 1)
            let s = try db.statement("SELECT \(columns) FROM sample WHERE ordinal = ? AND active = 1")
            for o in ordinals {
                s.reset()
                try s.bind([.int(Int(o))])
                try read(s)
            }
            return out
        }
        try read(try db.statement("SELECT \(columns) FROM sample WHERE active = 1"))
        return out
    }

    // MARK: - Queries

    /// The store's name for a contig, accepting `chr7` for `7` and the other way round.
    func storedContigName(_ name: String) throws(StoreError) -> String {
        let alternatives = [name, name.lowercased().hasPrefix("chr") ? String(name.dropFirst(3)) : "chr" + name]
        for n in alternatives where try db.scalarInt("SELECT contig_id FROM contig WHERE name = ?", [.text(n)]) != nil { return n }
        return name
    }

    public func aggregates(in requested: Region, cohort: Set<UInt32>?) throws -> [VariantAggregate] {
        try db.reading { try aggregatesInSnapshot(in: requested, cohort: cohort) }
    }

    private func aggregatesInSnapshot(in requested: Region, cohort: Set<UInt32>?) throws -> [VariantAggregate] {
        var region = requested
        region.contig = try storedContigName(requested.contig)
        guard let cid = try db.scalarInt("SELECT contig_id FROM contig WHERE name = ?", [.text(region.contig)]) else { return [] }
        // Long alleles (deletions, SVs) may start before the region and reach into it: widen by the longest span.
        let span = try db.scalarInt("SELECT max_span FROM contig WHERE contig_id = ?", [.int(cid)]) ?? 0
        let from = max(1, region.start - span), end = region.end ?? Int(Int32.max)
        // The region's variants in output order, from the allele index alone (it holds the vid).
        let ids = try db.statement("SELECT vid FROM variant WHERE contig_id = ? AND pos BETWEEN ? AND ? ORDER BY pos, ref, alt")
        try ids.bind([.int(cid), .int(from), .int(end)])
        var vids: [Int] = []
        while try ids.step() { vids.append(ids.int(0)) }
        guard !vids.isEmpty else { return [] }
        let slots = VidSlots(vids)
        // A large region is read on both cores, the second through a second connection: with a cohort, its calls are
        // counted there while this connection reads the variants; without, each reads half the variants. The two
        // connections read one state when no batch or erasure committed between their read transactions (every
        // change to samples, variants and calls comes with a batch or an audit row); otherwise the second one's
        // share is read here afterwards. (Two halves of both variants and counts measured slower, 29-35 ms in-process
        // against 24-27: the variant reads and the decoding share a core better.)
        let context = try cohort.map { try CohortContext(store: self, members: $0) }
        let defaults = try defaultAN()
        func rows(_ runs: [ClosedRange<Int>], on connection: any SQLConnection) throws(StoreError) -> Rows {
            try Self.rows(runs, slots: slots, statement: try connection.statement(Self.rowsSQL), defaults: defaults,
                          contig: region.contig, contigStart: region.start)
        }
        func totals(_ share: ClosedRange<Int>, on connection: any SQLConnection) throws(StoreError) -> [Totals]? {
            try context.map { c throws(StoreError) in
                try c.totals(slots, contigID: cid, from: from, to: end, share: share, segments: try connection.statement(Self.segmentsSQL))
            }
        }
        // With a cohort the second connection counts the segments starting in the first 85 % of the region while
        // this one reads the variants, then this one counts the rest (in-process 1 Mb cohort query, min of 200:
        // two thirds 24.8 ms, three quarters 23.2-23.7, 85 % 21.6-22.3).
        let split = from + (end - from) / 20 * 17
        let (companionShare, ownShare) = (Int.min...split, (split + 1)...Int.max)
        let (first, second) = slots.count >= parallelFrom && context == nil ? slots.halves() : (slots.runs, [])
        var main: Result<Rows, StoreError> = .success(Rows(found: [], slot: []))
        var own: Result<[Totals]?, StoreError> = .success(nil)
        var other: Result<(rows: Rows?, totals: [Totals]?)?, any Error> = .success(nil)   // nil: read it here
        if slots.count >= parallelFrom, let companion = try companionConnection() {
            let state = try Self.committedState(db)
            inParallel({
                main = Result { () throws(StoreError) in try rows(first, on: self.db) }
                own = Result { () throws(StoreError) in try totals(ownShare, on: self.db) }
            }, {
                other = Result {
                    try companion.reading { () throws -> (rows: Rows?, totals: [Totals]?)? in
                        guard try Self.committedState(companion) == state else { return nil }
                        return (second.isEmpty ? nil : try rows(second, on: companion), try totals(companionShare, on: companion))
                    }
                }
            })
        } else {
            main = Result { () throws(StoreError) in try rows(first, on: db) }
            own = Result { () throws(StoreError) in try totals(ownShare, on: db) }
        }
        var read = try main.get()
        main = .success(Rows(found: [], slot: []))   // the one reference left to its rows: no copy below
        let share = try other.get() ?? (second.isEmpty ? nil : try rows(second, on: db), try totals(companionShare, on: db))
        if let more = share.rows {
            read.found += more.found
            read.slot += more.slot
        }
        var totalsBySlot = share.totals ?? []
        if let more = try own.get() {
            for i in totalsBySlot.indices { totalsBySlot[i].add(more[i]) }
        }
        var found = read.found
        let slotOfRow = read.slot
        read = Rows(found: [], slot: [])
        // Rows come in vid order; the output is in position order (the same order for one load's variants).
        var out: [VariantAggregate] = []
        var rowOfSlot = [Int32](repeating: -1, count: vids.count)
        for (r, slot) in slotOfRow.enumerated() { rowOfSlot[Int(slot)] = Int32(r) }
        // Put each row at its rank by slot, by swaps (following the permutation's cycles): rows are moved, never
        // copied, and most are in place already (only split multi-allelic sites, or later batches' variants, are not).
        var destination = [Int](repeating: 0, count: found.count)
        var rank = 0
        for r in rowOfSlot where r >= 0 { destination[Int(r)] = rank; rank += 1 }
        for i in destination.indices {
            while destination[i] != i {
                let d = destination[i]
                found.swapAt(i, d)
                destination.swapAt(i, d)
            }
        }
        swap(&out, &found)
        if let context {
            let cls = ContigClass(contig: region.contig)
            var j = 0
            for r in rowOfSlot.indices where rowOfSlot[r] >= 0 {
                out[j].cohort = try context.counts(totalsBySlot[r], contigClass: cls, contigID: cid, position: out[j].position)
                j += 1
            }
        }
        return out
    }

    /// ``variantColumns`` by vid range: the region's contig is known, so no join.
    static let rowsSQL = "SELECT \(variantColumns) FROM variant v WHERE v.vid BETWEEN ? AND ?"

    /// What changes with every batch and every erasure: two connections that read the same value see one state.
    static func committedState(_ db: any SQLConnection) throws(StoreError) -> [Int] {
        [try db.scalarInt("SELECT max(batch_id) FROM batch") ?? 0, try db.scalarInt("SELECT max(audit_id) FROM audit") ?? 0]
    }

    /// A second connection to the store, opened by the first large region query, to read beside this one.
    private func companionConnection() throws(StoreError) -> (any SQLConnection)? {
        if companion == nil { companion = try db.openCompanion() }
        return companion
    }

    /// Rows of a region query in vid order, with each one's slot.
    struct Rows {
        var found: [VariantAggregate]
        var slot: [Int32]
    }

    /// The aggregates of `slots`' variants in `runs` that reach `contigStart`, in vid order, with each one's slot:
    /// one range scan of the variant key per run (`statement`, prepared from ``rowsSQL`` on the connection to read).
    private static func rows(_ runs: [ClosedRange<Int>], slots: VidSlots, statement s: any SQLStatement, defaults: [ContigClass: Int],
                             contig: String, contigStart: Int) throws(StoreError) -> Rows {
        let cls = ContigClass(contig: contig)
        var found: [VariantAggregate] = []
        var slotOfRow: [Int32] = []
        found.reserveCapacity(slots.count)
        slotOfRow.reserveCapacity(slots.count)
        defer { s.reset() }
        for run in runs {
            s.reset()
            try s.bind([.int(run.lowerBound), .int(run.upperBound)])
            while try s.step() {
                guard let i = slots[s.int(12)] else { continue }
                guard Self.end(s.int(1), position: s.int(0), refLength: s.byteCount(2)) >= contigStart else { continue }
                found.append(aggregate(s, defaults: defaults, contig: contig, contigClass: cls))
                slotOfRow.append(Int32(i))
            }
        }
        return Rows(found: found, slot: slotOfRow)
    }

    /// The variant columns ``aggregate(_:defaults:contig:contigClass:)`` reads, in its order (vid 12, contig_id 13
    /// for callers).
    static let variantColumns = """
        v.pos, v.end_pos, v.ref, v.alt, v.kind, v.rsid, v.ac, v.an_delta, v.nhomalt, v.nhemi, v.tumours, v.vaf_hist,
        v.vid, v.contig_id, v.filters, v.genes, v.consequences
        """
    /// ``variantColumns`` and the contig's name and class (17, 18), from a join with `contig c`.
    static let aggregateColumns = variantColumns + ", c.name, c.class"

    /// A row of ``aggregateColumns``, or of ``variantColumns`` when the caller gives the contig and its class.
    static func aggregate(_ s: any SQLStatement, defaults: [ContigClass: Int], contig: String? = nil, contigClass: ContigClass? = nil) -> VariantAggregate {
        let cls = contigClass ?? ContigClass(rawValue: s.int(18)) ?? .autosome
        var a = VariantAggregate(
            contig: contig ?? s.text(17) ?? "", position: s.int(0), end: Self.end(s.int(1), position: s.int(0), refLength: s.byteCount(2)), ref: s.text(2) ?? "", alt: s.text(3) ?? "",
            kind: Self.kind(s.text(4)), rsid: s.text(5), ac: s.int(6), an: defaults[cls, default: 0] + s.int(7),
            nHomAlt: s.int(8), nHemi: s.int(9), tumours: s.int(10),
            tumourMedianVAF: s.isNull(11) ? nil : VAFHistogram(s.blob(11)).median)
        if !s.isNull(14) { a.filters = (s.text(14) ?? "").split(separator: ";").map(String.init) }
        if !s.isNull(15) { a.genes = (s.text(15) ?? "").split(separator: ",").map(String.init) }
        if !s.isNull(16) { a.consequences = (s.text(16) ?? "").split(separator: ",").map(String.init) }
        return a
    }

    /// `kind` as stored: '' for the common SNV (no bytes in the row).
    static func storedKind(_ kind: AlleleKind) -> String { kind == .snv ? "" : kind.rawValue }
    static func kind(_ stored: String?) -> String {
        guard let stored, !stored.isEmpty else { return AlleleKind.snv.rawValue }
        return stored
    }

    /// `end_pos` as stored: 0 when it is the last base of REF (no bytes in the row); symbolic alleles keep INFO/END.
    static func storedEnd(_ end: Int, position: Int, refLength: Int) -> Int {
        end == position + max(1, refLength) - 1 ? 0 : end
    }
    static func end(_ stored: Int, position: Int, refLength: Int) -> Int {
        stored != 0 ? stored : position + max(1, refLength) - 1
    }

    public func annotations(of id: VariantID) throws -> [Annotation] {
        let s = try db.statement("""
            SELECT n.source, n.gene, n.consequence, n.transcript, n.hgvsc, n.hgvsp
            FROM annotation n JOIN variant v ON v.vid = n.vid JOIN contig c ON c.contig_id = v.contig_id
            WHERE c.name = ? AND v.pos = ? AND v.ref = ? AND v.alt = ? ORDER BY n.gene, n.transcript
            """)
        try s.bind([.text(try storedContigName(id.contig)), .int(id.position), .text(id.ref), .text(id.alt)])
        var out: [Annotation] = []
        func opt(_ i: Int32) -> String? { s.text(i).flatMap { $0.isEmpty ? nil : $0 } }
        while try s.step() {
            out.append(Annotation(source: Annotation.Source(rawValue: s.text(0) ?? "") ?? .vep, allele: id.alt, gene: opt(1),
                                  consequences: (s.text(2) ?? "").split(separator: "&").map(String.init), transcript: opt(3),
                                  hgvsc: opt(4), hgvsp: opt(5)))
        }
        return out
    }

    public func genotypes(at ids: [VariantID], samples: [UInt32]) throws -> [[String]] {
        struct Sample { var batch: Int; var ploidy: [ContigClass: Int]; var absentIsRef: Bool }
        var info: [UInt32: Sample] = [:]
        let sq = try db.statement("SELECT batch_id, ploidy_autosome, ploidy_x, ploidy_y, ploidy_mt, absent_policy FROM sample WHERE ordinal = ?")
        for o in samples {
            sq.reset()
            try sq.bind([.int(Int(o))])
            guard try sq.step() else { continue }
            info[o] = Sample(batch: sq.int(0), ploidy: [.autosome: sq.int(1), .x: sq.int(2), .y: sq.int(3), .mitochondrial: sq.int(4)],
                             absentIsRef: sq.text(5) == "ref")
        }
        let batches = try batchRanges()
        let wanted = Set(samples)
        let find = try db.statement("SELECT v.vid, v.contig_id FROM variant v JOIN contig c ON c.contig_id = v.contig_id WHERE c.name = ? AND v.pos = ? AND v.ref = ? AND v.alt = ?")
        let segments = try db.statement(Self.segmentsSQL)
        // Neighbouring lookups share segments: keep the last few decoded.
        var decoded: [Int: [SegmentEntry]] = [:]
        var out: [[String]] = []
        for id in ids {
            find.reset()
            try find.bind([.text(try storedContigName(id.contig)), .int(id.position), .text(id.ref), .text(id.alt)])
            var state: [UInt32: Int] = [:]   // 1 + the list index (GenotypeText.listClasses)
            // The variant's stored entries with their ranges: a batch "has a row" when any of its ordinals is listed
            // (an entry is stored only when a list holds someone), in a batch's own segment or a compacted one.
            var rows: [(range: SegmentRange, entry: SegmentEntry)] = []
            if try find.step() {
                let vid = find.int(0), cid = find.int(1)
                find.reset()
                segments.reset()
                try segments.bind([.int(cid), .int(id.position), .int(id.position), .int(Int.min), .int(Int.max)])
                while try segments.step() {
                    let segment = segments.int(0), layout = Self.range(segments)
                    if decoded[segment] == nil {
                        if decoded.count >= 8 { decoded.removeAll() }
                        decoded[segment] = try Self.decodeSegment(segments, column: 2, segmentID: segment, span: layout.span)
                    }
                    for e in decoded[segment] ?? [] where e.vid == vid {
                        rows.append((layout, e))
                        for kind in 0..<CallSegment.kinds {
                            for r in e.lists[kind] where wanted.contains(layout.base + r) { state[layout.base + r] = kind + 1 }
                        }
                    }
                }
                segments.reset()
            }
            func batchHasRow(_ batch: Int) -> Bool {
                guard let b = batches[batch] else { return false }
                return rows.contains { row in row.entry.lists.contains { Self.holdsAny($0, of: b, relativeTo: row.range.base) } }
            }
            let cls = ContigClass(contig: id.contig)
            out.append(samples.map { o in
                guard let sample = info[o] else { return "." }
                let listed = state[o].map { GenotypeText.listClasses[$0 - 1] }
                return GenotypeText.gt(listed, ploidy: sample.ploidy[cls] ?? 2,
                                       absentIsCalled: listed == nil && (sample.absentIsRef || batchHasRow(sample.batch)))
            })
        }
        return out
    }

    /// Whether a sorted list of ordinals relative to `base` holds one of `range`'s ordinals.
    static func holdsAny(_ list: [UInt32], of range: SegmentRange, relativeTo base: UInt32) -> Bool {
        guard range.upperBound > base else { return false }
        let lo = range.base > base ? range.base - base : 0, hi = range.upperBound - base
        var a = 0, b = list.count
        while a < b { let m = (a + b) / 2; if list[m] < lo { a = m + 1 } else { b = m } }
        return a < list.count && list[a] < hi
    }

    public func filterNames() throws -> [String] {
        let s = try db.statement("SELECT name FROM filter_name ORDER BY name")
        var out: [String] = []
        while try s.step() { out.append(s.text(0) ?? "") }
        return out
    }

    public func carried(by ordinals: Set<UInt32>) throws -> [CarriedVariant] {
        guard !ordinals.isEmpty else { return [] }
        var names: [UInt32: String] = [:]
        let sq = try db.statement("SELECT name FROM sample WHERE ordinal = ? AND active = 1")
        for o in ordinals {
            sq.reset()
            try sq.bind([.int(Int(o))])
            if try sq.step() { names[o] = sq.text(0) }
        }
        var hits: [(vid: Int, ordinal: UInt32, zygosity: Zygosity)] = []
        try forEachSegment(holding: Set(names.keys)) { layout, entries in
            for e in entries {
                for (kind, z) in [(0, Zygosity.het), (1, .homAlt), (2, .hemizygous)] {
                    for r in e.lists[kind] where ordinals.contains(layout.base + r) { hits.append((e.vid, layout.base + r, z)) }
                }
            }
        }
        let defaults = try defaultAN()
        let one = try db.statement("""
            SELECT \(Self.aggregateColumns)
            FROM variant v JOIN contig c ON c.contig_id = v.contig_id WHERE v.vid = ?
            """)
        var out: [(key: (Int, Int, String, Int), row: CarriedVariant)] = []
        for h in hits {
            one.reset()
            try one.bind([.int(h.vid)])
            guard try one.step() else { continue }
            let agg = Self.aggregate(one, defaults: defaults)
            let contigID = one.int(13)
            out.append(((contigID, agg.position, names[h.ordinal] ?? "", h.vid), CarriedVariant(variant: agg, sample: names[h.ordinal] ?? "", zygosity: h.zygosity)))
        }
        return out.sorted { $0.key < $1.key }.map(\.row)
    }

    public func ordinals(whereField key: String, equals value: String) throws -> Set<UInt32> {
        let criterion = SampleCriterion(key: key, value: value)
        let columns: [SampleCriterion.Field: String] = [
            .role: "s.role", .specimenType: "s.specimen_type", .collectionDate: "s.collection_date", .diagnosis: "s.diagnosis",
            .diagnosisDate: "s.diagnosis_date", .careSite: "s.care_site", .assay: "s.assay", .sex: "p.sex", .birthYear: "p.birth_year",
            .sample: "s.name",
        ]
        var out = Set<UInt32>()
        if let field = criterion.field, let column = columns[field] {
            let match: String, bindings: [SQLValue]
            switch criterion.match {
            case let .icdPrefix(v): (match, bindings) = ("(\(column) = ?1 OR \(column) LIKE ?1 || '.%' OR \(column) LIKE ?1 || '%')", [.text(v)])
            case .tumour: (match, bindings) = ("\(column) = 'tumour'", [])
            case let .equalIgnoringCase(v): (match, bindings) = ("lower(CAST(\(column) AS TEXT)) = lower(?1)", [.text(v)])
            case .attribute: return []
            }
            let s = try db.statement("SELECT s.ordinal FROM sample s JOIN person p ON p.person_id = s.person_id WHERE s.active = 1 AND \(match)")
            try s.bind(bindings)
            while try s.step() { out.insert(UInt32(s.int(0))) }
            return out
        }
        guard case let .attribute(k, v) = criterion.match else { return [] }
        // Free attributes are stored as tab-separated key=value pairs.
        let s = try db.statement("SELECT ordinal, attributes FROM sample WHERE active = 1 AND attributes IS NOT NULL")
        while try s.step() {
            let pairs = (s.text(1) ?? "").split(separator: "\t")
            if pairs.contains(where: { $0 == "\(k)=\(v)" }) { out.insert(UInt32(s.int(0))) }
        }
        return out
    }

    public func saveCohort(name: String, definition: String, members: Set<UInt32>) throws {
        try db.transaction {
            guard try db.scalarInt("SELECT count(*) FROM cohort WHERE name = ?", [.text(name)]) == 0 else {
                throw StoreError(.invalidInput, "a cohort named \(name) already exists", fix: "delete it first or choose another name")
            }
            try db.statement("INSERT INTO cohort(name, created_at, definition) VALUES (?, ?, ?)").run([.text(name), .text(Clock.now()), .text(definition)])
            let ins = try db.statement("INSERT INTO cohort_member(name, ordinal) VALUES (?, ?)")
            for o in members.sorted() { try ins.run([.text(name), .int(Int(o))]) }
        }
    }

    public func cohort(named name: String) throws -> Set<UInt32>? {
        guard try db.scalarInt("SELECT count(*) FROM cohort WHERE name = ?", [.text(name)]) == 1 else { return nil }
        let s = try db.statement("SELECT m.ordinal FROM cohort_member m JOIN sample s ON s.ordinal = m.ordinal AND s.active = 1 WHERE m.name = ?")
        try s.bind([.text(name)])
        var out = Set<UInt32>()
        while try s.step() { out.insert(UInt32(s.int(0))) }
        return out
    }

    public func cohorts() throws -> [(name: String, size: Int, definition: String, createdAt: String)] {
        let s = try db.statement("""
            SELECT c.name, (SELECT count(*) FROM cohort_member m JOIN sample s ON s.ordinal = m.ordinal AND s.active = 1 WHERE m.name = c.name),
                   c.definition, c.created_at FROM cohort c ORDER BY c.name
            """)
        var out: [(String, Int, String, String)] = []
        while try s.step() { out.append((s.text(0) ?? "", s.int(1), s.text(2) ?? "", s.text(3) ?? "")) }
        return out
    }

    public func deleteCohort(named name: String) throws -> Bool {
        try db.statement("DELETE FROM cohort_member WHERE name = ?").run([.text(name)])
        try db.statement("DELETE FROM cohort WHERE name = ?").run([.text(name)])
        return try db.changes > 0
    }

    /// Contigs with their lengths, in the order the store first met them (for VCF output headers).
    public func contigs() throws -> [(name: String, length: Int?)] {
        let s = try db.statement("SELECT name, length FROM contig ORDER BY contig_id")
        var out: [(String, Int?)] = []
        while try s.step() { out.append((s.text(0) ?? "", s.isNull(1) ? nil : s.int(1))) }
        return out
    }

    public func variants(rsid: String) throws -> [VariantID] {
        let s = try db.statement("SELECT c.name, v.pos, v.ref, v.alt FROM variant v JOIN contig c ON c.contig_id = v.contig_id WHERE v.rsid = ? ORDER BY v.contig_id, v.pos")
        try s.bind([.text(rsid)])
        var out: [VariantID] = []
        while try s.step() { out.append(VariantID(contig: s.text(0) ?? "", position: s.int(1), ref: s.text(2) ?? "", alt: s.text(3) ?? "")) }
        return out
    }

    public func ordinals(samples names: [String]) throws -> [String: UInt32] {
        var out: [String: UInt32] = [:]
        let s = try db.statement("SELECT ordinal FROM sample WHERE name = ? AND active = 1")
        for n in names {
            s.reset()
            try s.bind([.text(n)])
            if try s.step() { out[n] = UInt32(s.int(0)) }
        }
        return out
    }

    public func ordinals(pseudonyms: [String]) throws -> [String: [UInt32]] {
        var out: [String: [UInt32]] = [:]
        let s = try db.statement("SELECT s.ordinal FROM sample s JOIN person p ON p.person_id = s.person_id WHERE p.pseudonym = ? AND s.active = 1")
        for p in pseudonyms {
            s.reset()
            try s.bind([.pseudonym(p)])
            while try s.step() { out[p, default: []].append(UInt32(s.int(0))) }
        }
        return out
    }

    func defaultAN() throws(StoreError) -> [ContigClass: Int] {
        let s = try db.statement("SELECT class, alleles FROM default_an")
        var out: [ContigClass: Int] = [:]
        while try s.step() { if let c = ContigClass(rawValue: s.int(0)) { out[c] = s.int(1) } }
        return out
    }

    public func stats() throws -> StoreStats {
        var kinds: [String: Int] = [:]
        let s = try db.statement("SELECT kind, count(*) FROM variant GROUP BY kind")
        while try s.step() { kinds[Self.kind(s.text(0)), default: 0] += s.int(1) }
        let samples = try db.scalarInt("SELECT count(*) FROM sample WHERE active = 1") ?? 0
        let variants = kinds.values.reduce(0, +)
        let bytes = try db.bytesUsed()
        return StoreStats(
            assembly: try assembly(), samples: samples,
            people: try db.scalarInt("SELECT count(DISTINCT person_id) FROM sample WHERE active = 1") ?? 0,
            batches: try db.scalarInt("SELECT count(*) FROM batch") ?? 0, variantsByKind: kinds,
            callRows: try db.scalarInt("SELECT coalesce(sum(entries), 0) FROM calls_segment") ?? 0, bytesOnDisk: bytes,
            bytesPerGenotype: variants > 0 && samples > 0 ? Double(bytes) / (Double(variants) * Double(samples)) : nil,
            erasures: try db.scalarInt("SELECT count(*) FROM audit WHERE action = 'erase'") ?? 0)
    }

    public func activity() throws -> StoreActivity {
        func text(_ sql: String) throws -> String? {
            let s = try db.statement(sql)
            defer { s.reset() }
            return try s.step() ? s.text(0) : nil
        }
        return StoreActivity(
            batches: try db.scalarInt("SELECT count(*) FROM batch") ?? 0,
            recordsLoaded: try db.scalarInt("SELECT coalesce(sum(records), 0) FROM source_file") ?? 0,
            samples: try db.scalarInt("SELECT count(*) FROM sample WHERE active = 1") ?? 0,
            lastLoad: try text("SELECT max(loaded_at) FROM batch"),
            compactions: try db.scalarInt("SELECT count(*) FROM audit WHERE action = 'compact'") ?? 0,
            lastCompaction: try text("SELECT max(at) FROM audit WHERE action = 'compact'"),
            erasures: try db.scalarInt("SELECT count(*) FROM audit WHERE action = 'erase'") ?? 0,
            compactionPending: try automaticCompactionPending(CompactionPolicy()))
    }

    public func generation() throws -> String {
        let s = try db.statement("""
            SELECT (SELECT coalesce(max(batch_id), 0) FROM batch), (SELECT coalesce(max(audit_id), 0) FROM audit),
                   (SELECT count(*) FROM cohort), (SELECT coalesce(max(created_at), '') FROM cohort)
            """)
        defer { s.reset() }
        // A load adds a batch; an erasure or a compaction an audit row: each answer-changing write moves one of these.
        guard try s.step() else { return "" }
        return "\(s.int(0)):\(s.int(1)):\(s.int(2)):\(s.text(3) ?? "")"
    }

    public func samples() throws -> [SampleRecord] {
        let s = try db.statement("""
            SELECT s.ordinal, s.name, s.batch_id, s.role, s.counted, b.loaded_at, p.pseudonym
            FROM sample s JOIN person p ON p.person_id = s.person_id JOIN batch b ON b.batch_id = s.batch_id
            WHERE s.active = 1 ORDER BY s.ordinal
            """)
        var out: [SampleRecord] = []
        while try s.step() {
            out.append(SampleRecord(ordinal: UInt32(s.int(0)), name: s.text(1) ?? "", batch: s.int(2),
                                    role: SampleRole(rawValue: s.text(3) ?? "") ?? .germline, counted: s.int(4) == 1,
                                    loadedAt: s.text(5) ?? "", pseudonym: s.pseudonym(6)))
        }
        return out
    }

    public func ordinalsInCalls() throws -> Set<UInt32> {
        var out = Set<UInt32>()
        try forEachSegment { layout, entries in
            for e in entries {
                for list in e.lists { out.formUnion(list.map { layout.base + $0 }) }
                out.formUnion(ExceptionCodec.decode(e.exceptions, base: layout.base).map(\.ordinal))
            }
        }
        return out
    }
}

/// ISO 8601 UTC timestamps without Foundation.
enum Clock {
    static func now() -> String {
        var t = time(nil)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func p(_ v: Int32, _ w: Int = 2) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(p(tmv.tm_year + 1900, 4))-\(p(tmv.tm_mon + 1))-\(p(tmv.tm_mday))T\(p(tmv.tm_hour)):\(p(tmv.tm_min)):\(p(tmv.tm_sec))Z"
    }
}

extension SQLVariantStore {
    /// One deferred read transaction around `body`: in WAL mode every read inside sees the same committed state,
    /// so a batch committed by a concurrent `varde load` is seen whole or not at all. Nested calls run inside the
    /// outer snapshot.
    public func readSnapshot<T>(_ body: () throws -> T) throws -> T {
        guard !db.inTransaction else { return try body() }
        return try db.transaction(.read, body)
    }
}
