public import VariantCore
public import VariantStore

/// One batch inside one transaction (opened by ``SQLVariantStore/beginBatch(_:)``).
final class SQLBatchWriter: BatchWriter {
    let store: SQLVariantStore
    let batchID: Int
    let samples: [AssignedSample]
    private var db: any SQLConnection { store.db }
    private var contigIDs: [String: Int] = [:]
    private var coverageExists: Bool
    /// Samples superseded by `--replace`: aggregates are recomputed at commit.
    private var needsRecompute = false
    private var finished = false
    private var open = true
    private let segments: SegmentWriter
    /// On a server engine, the variant ids of one window of a contig, fetched in one statement (instead of one round
    /// trip a site): `(contig, first position)` of the window, and its ids by (position, REF, ALT). Sites arrive in
    /// position order, so a window is fetched once; a variant this batch inserts joins it.
    private var window: (contig: Int, start: Int)?
    private var windowIDs: [VariantKey: Int] = [:]
    private static let windowSpan = 100_000
    private struct VariantKey: Hashable { var pos: Int, ref: String, alt: String }

    init(store: SQLVariantStore, plan: BatchPlan) throws {
        self.store = store
        let db = store.db
        // One assembly per store.
        if let existing = try store.assembly() {
            guard existing == plan.assembly else {
                throw StoreError(.assemblyMismatch, "the store holds \(existing.rawValue) but the input is \(plan.assembly.rawValue)",
                                 fix: "load files called against \(existing.rawValue), or use another store")
            }
        } else {
            try db.statement("INSERT INTO meta(key, value) VALUES ('assembly', ?)").run([.text(plan.assembly.rawValue)])
        }
        for c in plan.contigs {
            let s = try db.statement("SELECT length FROM contig WHERE name = ?")
            try s.bind([.text(c.name)])
            if try s.step(), !s.isNull(0), let l = c.length, s.int(0) != l {
                throw StoreError(.assemblyMismatch, "contig \(c.name) has length \(l) in the input but \(s.int(0)) in the store",
                                 fix: "the file was called against another reference; re-header or re-call it")
            }
        }
        for c in plan.contigs { _ = try store.contigID(c.name, length: c.length) }
        // Duplicates: the same file (by checksum) or sample name already loaded.
        var superseded = Set<UInt32>()
        for f in plan.files {
            let s = try db.statement("SELECT s.ordinal FROM source_file f JOIN sample s ON s.batch_id = f.batch_id AND s.file_index = f.file_index AND s.active = 1 WHERE f.sha256 = ? AND f.active = 1")
            try s.bind([.text(f.sha256)])
            var found = false
            while try s.step() { found = true; superseded.insert(UInt32(s.int(0))) }
            if !found, try db.scalarInt("SELECT count(*) FROM source_file WHERE sha256 = ? AND active = 1", [.text(f.sha256)]) ?? 0 > 0 {
                found = true
            }
            if found && !plan.replace {
                throw StoreError(.duplicateFile, "\(f.path) is already in the store (same SHA-256 \(f.sha256.prefix(12))…)",
                                 fix: "nothing to do if it is the same data; use --replace to supersede the earlier load")
            }
            if found { try db.statement("UPDATE source_file SET active = 0 WHERE sha256 = ?").run([.text(f.sha256)]) }
        }
        for sp in plan.samples {
            if let o = try db.scalarInt("SELECT ordinal FROM sample WHERE name = ? AND active = 1", [.text(sp.name)]) {
                guard plan.replace else {
                    throw StoreError(.duplicateSample, "sample \(sp.name) is already in the store",
                                     fix: "rename it in the VCF or manifest if it is another sample, or use --replace to supersede the earlier load")
                }
                superseded.insert(UInt32(o))
            }
        }
        if !superseded.isEmpty {
            _ = try store.removeSamples(superseded)
            needsRecompute = true
        }

        let first = UInt32(try db.scalarInt("SELECT value FROM meta WHERE key = 'next_ordinal'") ?? 0)
        let now = Clock.now()
        try db.statement("INSERT INTO batch(loaded_at, command, first_ordinal, sample_count) VALUES (?, ?, ?, ?)")
            .run([.text(now), .text(plan.command), .int(Int(first)), .int(plan.samples.count)])
        batchID = Int(try db.lastInsertRowID)
        try db.statement("INSERT INTO meta(key, value) VALUES ('next_ordinal', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
            .run([.text(String(Int(first) + plan.samples.count))])
        for (i, f) in plan.files.enumerated() {
            try db.statement("INSERT INTO source_file(batch_id, file_index, path, sha256, is_gvcf) VALUES (?, ?, ?, ?, ?)")
                .run([.int(batchID), .int(i), .text(f.path), .text(f.sha256), .int(f.isGVCF ? 1 : 0)])
        }
        // People and samples; who counts is the domain's rule (CountingRule).
        var assigned: [AssignedSample] = []
        var countedFlags = [Bool](repeating: false, count: plan.samples.count)
        var personIDs = [Int](repeating: 0, count: plan.samples.count)
        // In pseudonym order, so the pseudonym index fills its pages as it grows instead of splitting them.
        for i in plan.samples.indices.sorted(by: { plan.samples[$0].pseudonym < plan.samples[$1].pseudonym }) {
            let sp = plan.samples[i]
            try db.statement("INSERT INTO person(pseudonym, sex, birth_year) VALUES (?, ?, ?) ON CONFLICT(pseudonym) DO UPDATE SET sex = coalesce(excluded.sex, person.sex), birth_year = coalesce(excluded.birth_year, person.birth_year)")
                .run([.pseudonym(sp.pseudonym), .optional(sp.sex), .optional(sp.birthYear)])
            personIDs[i] = try db.scalarInt("SELECT person_id FROM person WHERE pseudonym = ?", [.pseudonym(sp.pseudonym)]) ?? 0
        }
        countedFlags = try CountingRule.counted(roles: plan.samples.map(\.role), people: personIDs) { pid throws(StoreError) in
            try db.scalarInt("SELECT count(*) FROM sample WHERE person_id = ? AND counted = 1 AND active = 1", [.int(pid)]) ?? 0 > 0
        }
        for (i, sp) in plan.samples.enumerated() {
            let ordinal = first + UInt32(i)
            let attributes = sp.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\t")
            try db.statement("""
                INSERT INTO sample(ordinal, name, person_id, batch_id, file_index, role, counted, absent_policy, specimen_type,
                                   collection_date, diagnosis, diagnosis_date, care_site, assay, attributes, loaded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([.int(Int(ordinal)), .text(sp.name), .int(personIDs[i]), .int(batchID), .int(sp.fileIndex),
                          .text(sp.role.rawValue), .int(countedFlags[i] ? 1 : 0), .text(sp.absentPolicy.rawValue),
                          .optional(sp.specimenType), .optional(sp.collectionDate), .optional(sp.diagnosis),
                          .optional(sp.diagnosisDate), .optional(sp.careSite), .optional(sp.assay),
                          attributes.isEmpty ? .null : .text(attributes), .text("")])
            assigned.append(AssignedSample(ordinal: ordinal, counted: countedFlags[i], spec: sp))
        }
        samples = assigned
        segments = SegmentWriter(db: db, batchID: batchID, layout: SegmentRange(base: first, span: plan.samples.count))
        coverageExists = try db.scalarInt("SELECT count(*) FROM (SELECT 1 FROM coverage LIMIT 1) AS one") ?? 0 > 0
    }

    private func contigID(_ name: String) throws(StoreError) -> Int {
        if let id = contigIDs[name] { return id }
        let id = try store.contigID(name)
        contigIDs[name] = id
        return id
    }

    /// The id of the variant at `site` if the store has it: from the window on a server engine, else one lookup.
    private func existingID(contig cid: Int, _ site: SiteCalls) throws(StoreError) -> Int? {
        guard db.engine == .postgres else {
            let find = try db.statement("SELECT vid FROM variant WHERE contig_id = ? AND pos = ? AND ref = ? AND alt = ?")
            try find.bind([.int(cid), .int(site.position), .text(site.ref), .text(site.alt)])
            defer { find.reset() }
            return try find.step() ? find.int(0) : nil
        }
        let start = site.position - site.position % Self.windowSpan
        if window?.contig != cid || window?.start != start {
            windowIDs.removeAll(keepingCapacity: true)
            let rows = try db.statement("SELECT vid, pos, ref, alt FROM variant WHERE contig_id = ? AND pos >= ? AND pos < ?")
            try rows.bind([.int(cid), .int(start), .int(start + Self.windowSpan)])
            while try rows.step() { windowIDs[VariantKey(pos: rows.int(1), ref: rows.text(2) ?? "", alt: rows.text(3) ?? "")] = rows.int(0) }
            rows.reset()
            window = (cid, start)
        }
        return windowIDs[VariantKey(pos: site.position, ref: site.ref, alt: site.alt)]
    }

    func add(_ site: SiteCalls) throws {
        let cid = try contigID(site.contig)
        let vid: Int
        var isNew = false
        if let found = try existingID(contig: cid, site) {
            vid = found
            if let rsid = site.rsid {
                try db.statement("UPDATE variant SET rsid = coalesce(rsid, ?) WHERE vid = ?").run([.text(rsid), .int(vid)])
            }
        } else {
            // gVCF samples loaded earlier (or earlier in this batch) that cover this position count toward its AN.
            var covered = 0
            if coverageExists {
                covered = try db.scalarInt("SELECT coalesce(sum(ploidy), 0) FROM coverage WHERE contig_lo <= ?1 AND contig_hi >= ?1 AND start <= ?2 AND \"end\" >= ?2",
                                           [.int(cid), .int(site.position)]) ?? 0
            }
            // A new variant starts with this occurrence's counts: one statement, not an insert and an update.
            let c = site.contribution
            try db.statement("""
                INSERT INTO variant(contig_id, pos, end_pos, ref, alt, kind, rsid, ac, an_delta, nhomalt, nhemi, tumours)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
                .run([.int(cid), .int(site.position), .int(SQLVariantStore.storedEnd(site.end, position: site.position, refLength: site.ref.utf8.count)),
                      .text(site.ref), .text(site.alt), .text(SQLVariantStore.storedKind(site.kind)),
                      .optional(site.rsid), .int(c.ac), .int(covered + c.anDelta), .int(c.nHomAlt), .int(c.nHemi), .int(site.tumourCarriers)])
            vid = Int(try db.lastInsertRowID)
            isNew = true
            // existingID(contig:_:) has just made the window this site's (server engines only).
            if window != nil { windowIDs[VariantKey(pos: site.position, ref: site.ref, alt: site.alt)] = vid }
            if site.end - site.position > 0 {
                try db.statement("UPDATE contig SET max_span = max(max_span, ?) WHERE contig_id = ?").run([.int(site.end - site.position), .int(cid)])
            }
        }
        if !site.filters.isEmpty { try addFilters(site.filters, vid: vid) }
        if !site.annotations.isEmpty { try addAnnotations(site.annotations, vid: vid) }
        try writeCalls(vid: vid, site)
        let c = site.contribution
        if !isNew && (c != Contribution() || site.tumourCarriers > 0) {
            try db.statement("UPDATE variant SET ac = ac + ?, an_delta = an_delta + ?, nhomalt = nhomalt + ?, nhemi = nhemi + ?, tumours = tumours + ? WHERE vid = ?")
                .run([.int(c.ac), .int(c.anDelta), .int(c.nHomAlt), .int(c.nHemi), .int(site.tumourCarriers), .int(vid)])
        }
        if !site.tumourVAFs.isEmpty {
            let s = try db.statement("SELECT vaf_hist FROM variant WHERE vid = ?")
            try s.bind([.int(vid)])
            var hist = VAFHistogram(try s.step() ? s.blob(0) : [])
            for v in site.tumourVAFs { hist.add(v) }
            try db.statement("UPDATE variant SET vaf_hist = ? WHERE vid = ?").run([.blob(hist.bytes), .int(vid)])
        }
    }

    /// FILTER names join the variant's union (the common PASS record costs nothing here).
    private func addFilters(_ names: [String], vid: Int) throws(StoreError) {
        let current = try db.statement("SELECT filters FROM variant WHERE vid = ?")
        try current.bind([.int(vid)])
        let existing = try current.step() ? (current.text(0) ?? "") : ""
        current.reset()
        let union = Set(existing.split(separator: ";").map(String.init)).union(names).sorted().joined(separator: ";")
        guard union != existing else { return }
        try db.statement("UPDATE variant SET filters = ? WHERE vid = ?").run([.text(union), .int(vid)])
        for n in names { try db.statement("INSERT INTO filter_name(name) VALUES (?) ON CONFLICT DO NOTHING").run([.text(n)]) }
    }

    /// Transcript-level annotations, deduplicated, and the variant's gene and consequence summaries.
    private func addAnnotations(_ annotations: [Annotation], vid: Int) throws(StoreError) {
        let insert = try db.statement("INSERT INTO annotation(vid, source, gene, consequence, transcript, hgvsc, hgvsp) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
        for a in annotations {
            try insert.run([.int(vid), .text(a.source.rawValue), .text(a.gene ?? ""), .text(a.consequences.joined(separator: "&")),
                            .text(a.transcript ?? ""), .text(a.hgvsc ?? ""), .text(a.hgvsp ?? "")])
        }
        let current = try db.statement("SELECT genes, consequences FROM variant WHERE vid = ?")
        try current.bind([.int(vid)])
        guard try current.step() else { return }
        let oldGenes = current.text(0) ?? "", oldTerms = current.text(1) ?? ""
        current.reset()
        func union(_ old: String, _ new: [String]) -> String {
            var seen = old.split(separator: ",").map(String.init)
            for n in new where !n.isEmpty && !seen.contains(n) { seen.append(n) }
            return seen.joined(separator: ",")
        }
        let genes = union(oldGenes, annotations.compactMap(\.gene)), terms = union(oldTerms, annotations.flatMap(\.consequences))
        guard genes != oldGenes || terms != oldTerms else { return }
        try db.statement("UPDATE variant SET genes = ?, consequences = ? WHERE vid = ?")
            .run([genes.isEmpty ? .null : .text(genes), terms.isEmpty ? .null : .text(terms), .int(vid)])
    }

    private func writeCalls(vid: Int, _ site: SiteCalls) throws(StoreError) {
        let rows = StoredCalls(het: site.het, homAlt: site.homAlt, hemi: site.hemi, homRef: site.homRef, noCall: site.noCall,
                               exceptions: site.exceptions, qc: site.qc)
        guard !rows.isEmpty else { return }
        try segments.add(vid: vid, contigID: try contigID(site.contig), position: site.position, rows)
    }

    func addCoverage(_ block: CoverageBlock) throws {
        let cid = try contigID(block.contig)
        try db.statement("INSERT INTO coverage(contig_lo, contig_hi, start, \"end\", ordinal, ploidy, batch_id) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .run([.int(cid), .int(cid), .int(block.start), .int(block.end), .int(Int(block.ordinal)), .int(block.ploidy), .int(batchID)])
        coverageExists = true
        // Variants already in the store at these positions are now called hom-ref for this sample.
        try db.statement("UPDATE variant SET an_delta = an_delta + ? WHERE contig_id = ? AND pos BETWEEN ? AND ?")
            .run([.int(block.ploidy), .int(cid), .int(block.start), .int(block.end)])
    }

    func finish(ploidy: [UInt32: [ContigClass: Int]], records: [Int]) throws {
        try segments.flush()
        var defaults: [ContigClass: Int] = [:]
        for s in samples {
            let p = SamplePloidy.resolve(learned: ploidy[s.ordinal] ?? [:], sex: s.spec.sex)
            try db.statement("UPDATE sample SET ploidy_autosome = ?, ploidy_x = ?, ploidy_y = ?, ploidy_mt = ? WHERE ordinal = ?")
                .run([.int(p.autosome), .int(p.x), .int(p.y), .int(p.mitochondrial), .int(Int(s.ordinal))])
            if s.counted && s.spec.absentPolicy == .ref {
                for (cls, n) in p.pairs { defaults[cls, default: 0] += n }
            }
        }
        for (cls, n) in defaults where n != 0 {
            try db.statement("UPDATE default_an SET alleles = alleles + ? WHERE class = ?").run([.int(n), .int(cls.rawValue)])
        }
        for (i, n) in records.enumerated() {
            try db.statement("UPDATE source_file SET records = ? WHERE batch_id = ? AND file_index = ?").run([.int(n), .int(batchID), .int(i)])
        }
        if needsRecompute { try store.recomputeAggregates(write: true) } else { try store.recomputeVariants(segments.merged) }
        finished = true
    }

    func commit() throws {
        guard open else { return }
        guard finished else { throw StoreError(.invalidInput, "a batch must be finished before it is committed") }
        db.resetAll()
        try db.commit()
        open = false
    }

    func rollback() {
        guard open else { return }
        db.resetAll()
        db.rollback()
        open = false
    }

    deinit { rollback() }
}

extension StoredCalls {
    /// Reads columns het, hom, hemi, homref, nocall, exceptions, qc (in that order) from column `offset` of a pre-0006
    /// `calls` row (migration 0006).
    init(columns s: any SQLStatement, base: UInt32, offset: Int32 = 0, decodeQC: Bool = true) {
        self.init(het: CarrierList.decode(s.blob(offset), base: base), homAlt: CarrierList.decode(s.blob(offset + 1), base: base),
                  hemi: CarrierList.decode(s.blob(offset + 2), base: base), homRef: CarrierList.decode(s.blob(offset + 3), base: base),
                  noCall: CarrierList.decode(s.blob(offset + 4), base: base), exceptions: ExceptionCodec.decode(s.blob(offset + 5), base: base),
                  qc: decodeQC ? QCCodec.decode(s.blob(offset + 6)) : [])
    }
}
