public import VariantCore
public import VariantStore

// The OMOP vocabulary tables (migration 0004) and the carrier scan the OMOP export reads.

extension SQLVariantStore: VocabularyStore {
    public func loadVocabulary(replace: Bool, _ body: (any VocabularyWriter) throws -> Void) throws {
        try db.transaction {
            if replace {
                try db.execute("""
                    DELETE FROM omop_concept; DELETE FROM omop_concept_synonym; DELETE FROM omop_concept_relationship;
                    DELETE FROM omop_vocabulary_row;
                    """)
            }
            try body(SQLVocabularyWriter(db: db))
        }
    }

    private static let conceptColumns = """
        concept_id, concept_name, domain_id, vocabulary_id, concept_class_id, standard_concept, concept_code,
        valid_start_date, valid_end_date, invalid_reason
        """

    private func readConcepts(_ s: any SQLStatement) throws(StoreError) -> [Concept] {
        var out: [Concept] = []
        while try s.step() {
            out.append(Concept(conceptID: s.int(0), conceptName: s.text(1) ?? "", domainID: s.text(2) ?? "", vocabularyID: s.text(3) ?? "",
                               conceptClassID: s.text(4) ?? "", standardConcept: s.text(5), conceptCode: s.text(6) ?? "",
                               validStartDate: s.text(7) ?? "", validEndDate: s.text(8) ?? "", invalidReason: s.text(9)))
        }
        return out
    }

    public func concept(id: Int) throws -> Concept? {
        let s = try db.statement("SELECT \(Self.conceptColumns) FROM omop_concept WHERE concept_id = ?")
        try s.bind([.int(id)])
        return try readConcepts(s).first
    }

    public func concepts(vocabularyID: String, code: String) throws -> [Concept] {
        let s = try db.statement("SELECT \(Self.conceptColumns) FROM omop_concept WHERE vocabulary_id = ? AND concept_code = ? ORDER BY concept_id")
        try s.bind([.text(vocabularyID), .text(code)])
        return try readConcepts(s)
    }

    public func concepts(vocabularyID: String, name: String) throws -> [Concept] {
        let s = try db.statement("SELECT \(Self.conceptColumns) FROM omop_concept WHERE vocabulary_id = ? AND concept_name = ? ORDER BY concept_id")
        try s.bind([.text(vocabularyID), .text(name)])
        return try readConcepts(s)
    }

    public func hasVocabulary() throws -> Bool {
        try db.scalarInt("SELECT EXISTS (SELECT 1 FROM omop_concept_synonym)") == 1
    }

    public func conceptIDs(synonym: String) throws -> [Int] {
        let s = try db.statement("SELECT concept_id FROM omop_concept_synonym WHERE concept_synonym_name = ? ORDER BY concept_id")
        try s.bind([.text(synonym)])
        var out: [Int] = []
        while try s.step() { out.append(s.int(0)) }
        return out
    }

    public func related(_ conceptID: Int, relationshipID: String) throws -> [Int] {
        let s = try db.statement("""
            SELECT concept_id_2 FROM omop_concept_relationship
            WHERE concept_id_1 = ? AND relationship_id = ? AND invalid_reason IS NULL ORDER BY concept_id_2
            """)
        try s.bind([.int(conceptID), .text(relationshipID)])
        var out: [Int] = []
        while try s.step() { out.append(s.int(0)) }
        return out
    }

    public func allSynonyms(vocabularyID: String) throws -> [(synonym: String, conceptID: Int)] {
        let s = try db.statement("""
            SELECT s.concept_synonym_name, s.concept_id FROM omop_concept_synonym s JOIN omop_concept c ON c.concept_id = s.concept_id
            WHERE c.vocabulary_id = ? ORDER BY s.concept_synonym_name, s.concept_id
            """)
        try s.bind([.text(vocabularyID)])
        var out: [(String, Int)] = []
        while try s.step() { out.append((s.text(0) ?? "", s.int(1))) }
        return out
    }

    public func synonyms(of conceptID: Int) throws -> [(name: String, languageConceptID: Int)] {
        let s = try db.statement("SELECT concept_synonym_name, language_concept_id FROM omop_concept_synonym WHERE concept_id = ? ORDER BY concept_synonym_name")
        try s.bind([.int(conceptID)])
        var out: [(String, Int)] = []
        while try s.step() { out.append((s.text(0) ?? "", s.int(1))) }
        return out
    }

    public func rows(of table: VocabularyTable) throws -> [[String]] {
        let s = try db.statement("SELECT cells FROM omop_vocabulary_row WHERE tbl = ? ORDER BY key")
        try s.bind([.text(table.rawValue)])
        var out: [[String]] = []
        while try s.step() {
            out.append((s.text(0) ?? "").split(separator: "\t", omittingEmptySubsequences: false).map(String.init))
        }
        return out
    }

    public func vocabularyCounts() throws -> [String: Int] {
        var out: [String: Int] = [
            "CONCEPT": try db.scalarInt("SELECT count(*) FROM omop_concept") ?? 0,
            "CONCEPT_SYNONYM": try db.scalarInt("SELECT count(*) FROM omop_concept_synonym") ?? 0,
            "CONCEPT_RELATIONSHIP": try db.scalarInt("SELECT count(*) FROM omop_concept_relationship") ?? 0,
        ]
        for t in VocabularyTable.allCases {
            out[t.rawValue] = try db.scalarInt("SELECT count(*) FROM omop_vocabulary_row WHERE tbl = ?", [.text(t.rawValue)]) ?? 0
        }
        return out
    }
}

/// Inserts through cached prepared statements inside the caller's transaction.
final class SQLVocabularyWriter: VocabularyWriter {
    let db: any SQLConnection
    init(db: any SQLConnection) { self.db = db }

    private func values(_ c: Concept) -> [SQLValue] {
        [.int(c.conceptID), .text(c.conceptName), .text(c.domainID), .text(c.vocabularyID), .text(c.conceptClassID),
         .optional(c.standardConcept), .text(c.conceptCode), .text(c.validStartDate), .text(c.validEndDate), .optional(c.invalidReason)]
    }

    func add(_ concept: Concept) throws {
        try db.statement("""
            INSERT INTO omop_concept VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(concept_id) DO UPDATE SET
                concept_name = excluded.concept_name, domain_id = excluded.domain_id, vocabulary_id = excluded.vocabulary_id,
                concept_class_id = excluded.concept_class_id, standard_concept = excluded.standard_concept,
                concept_code = excluded.concept_code, valid_start_date = excluded.valid_start_date,
                valid_end_date = excluded.valid_end_date, invalid_reason = excluded.invalid_reason
            """).run(values(concept))
    }

    func addIfAbsent(_ concept: Concept) throws {
        try db.statement("INSERT INTO omop_concept VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING").run(values(concept))
    }

    func addSynonym(conceptID: Int, name: String, languageConceptID: Int) throws {
        try db.statement("INSERT INTO omop_concept_synonym VALUES (?, ?, ?) ON CONFLICT DO NOTHING").run([.int(conceptID), .text(name), .int(languageConceptID)])
    }

    func addRelationship(_ conceptID1: Int, _ conceptID2: Int, relationshipID: String, validStartDate: String, validEndDate: String,
                         invalidReason: String?) throws {
        try db.statement("""
            INSERT INTO omop_concept_relationship VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(concept_id_1, relationship_id, concept_id_2)
            DO UPDATE SET valid_start_date = excluded.valid_start_date, valid_end_date = excluded.valid_end_date,
                          invalid_reason = excluded.invalid_reason
            """)
            .run([.int(conceptID1), .int(conceptID2), .text(relationshipID), .text(validStartDate), .text(validEndDate), .optional(invalidReason)])
    }

    func add(_ table: VocabularyTable, cells: [String]) throws {
        try db.statement("INSERT INTO omop_vocabulary_row VALUES (?, ?, ?) ON CONFLICT(tbl, key) DO UPDATE SET cells = excluded.cells")
            .run([.text(table.rawValue), .text(cells.first ?? ""), .text(cells.joined(separator: "\t"))])
    }
}

extension SQLVariantStore: CarrierScan {
    public func sampleDetails() throws -> [SampleDetail] {
        let s = try db.statement("""
            SELECT s.ordinal, s.name, s.person_id, p.pseudonym, s.role, p.sex, p.birth_year, s.specimen_type, s.collection_date,
                   s.diagnosis, s.diagnosis_date, s.care_site, s.assay, s.batch_id, b.loaded_at
            FROM sample s JOIN person p ON p.person_id = s.person_id JOIN batch b ON b.batch_id = s.batch_id
            WHERE s.active = 1 ORDER BY s.ordinal
            """)
        var out: [SampleDetail] = []
        while try s.step() {
            out.append(SampleDetail(
                ordinal: UInt32(s.int(0)), name: s.text(1) ?? "", personID: s.int(2), pseudonym: s.pseudonym(3),
                role: SampleRole(rawValue: s.text(4) ?? "") ?? .germline, sex: s.text(5), birthYear: s.isNull(6) ? nil : s.int(6),
                specimenType: s.text(7), collectionDate: s.text(8), diagnosis: s.text(9), diagnosisDate: s.text(10),
                careSite: s.text(11), assay: s.text(12), batch: s.int(13), loadedAt: s.text(14) ?? ""))
        }
        return out
    }

    public func forEachVariantCarriers(_ body: (VariantCarriers) throws -> Void) throws {
        let active = try activeSamples()
        try forEachVariantCarriers(eligible: Set(active.values.map(\.ordinal)), wanted: { _, _ in true }, body)
    }

    public func forEachVariantCarriers(eligible: Set<UInt32>, wanted: (VariantCarriers, Int) throws -> Bool,
                                       _ body: (VariantCarriers) throws -> Void) throws {
        let active = try activeSamples()
        let masks = Self.masksByRange(eligible, ranges: try segmentRanges())
        // Contig by contig, window by window of 256 kb: the window's variants in position order, then every segment
        // that can hold them, counted from its bytes and decoded only for a wanted variant; memory follows the window,
        // not the store.
        let window = 1 << 18
        let contigs = try db.statement("SELECT contig_id, name FROM contig ORDER BY contig_id")
        var contigList: [(Int, String)] = []
        while try contigs.step() { contigList.append((contigs.int(0), contigs.text(1) ?? "")) }
        let extent = try db.statement("SELECT min(pos), max(pos) FROM variant WHERE contig_id = ?")
        let variants = try db.statement("""
            SELECT vid, pos, end_pos, ref, alt, kind, rsid, filters, genes FROM variant
            WHERE contig_id = ? AND pos BETWEEN ? AND ? ORDER BY pos, ref, alt
            """)
        let segments = try db.statement(Self.segmentsSQL)
        struct Row { var base: UInt32; var entry: SegmentEntry }
        for (cid, name) in contigList {
            extent.reset()
            try extent.bind([.int(cid)])
            guard try extent.step(), !extent.isNull(0) else { continue }
            let (low, high) = (extent.int(0), extent.int(1))
            extent.reset()
            var start = low
            while start <= high {
                let end = start + window - 1
                defer { start = end + 1 }
                var found: [VariantCarriers] = []
                var slot: [Int: Int] = [:]
                variants.reset()
                try variants.bind([.int(cid), .int(start), .int(end)])
                while try variants.step() {
                    slot[variants.int(0)] = found.count
                    found.append(VariantCarriers(variantKey: variants.int(0), contig: name, position: variants.int(1),
                                                 end: Self.end(variants.int(2), position: variants.int(1), refLength: variants.byteCount(3)),
                                                 ref: variants.text(3) ?? "", alt: variants.text(4) ?? "", kind: Self.kind(variants.text(5)),
                                                 rsid: variants.text(6), filters: variants.text(7),
                                                 genes: (variants.text(8) ?? "").split(separator: ",").map(String.init), carriers: []))
                }
                variants.reset()
                guard !found.isEmpty else { continue }
                // Count each variant's eligible carriers from the coded segments: most variants are not wanted, and
                // their segments need no decoding.
                var eligibleCarriers = [Int](repeating: 0, count: found.count)
                var holders = [[Int]](repeating: [], count: found.count)
                var blobs: [(id: Int, base: UInt32, span: Int, bytes: [UInt8])] = []
                segments.reset()
                try segments.bind([.int(cid), .int(start), .int(end), .int(Int.min), .int(Int.max)])
                while try segments.step() {
                    let id = segments.int(0), layout = Self.range(segments), mask = masks[layout.base] ?? []
                    let counts = try Self.withSegment(id) { () throws(SegmentError) in
                        try segments.withBlob(2) { bytes throws(SegmentError) in
                            try CallSegment.countMembers(bytes, span: layout.span, ref: mask, missing: [], carriersOnly: true)
                        }
                    }
                    var holds = false
                    for (e, vid) in counts.vids.enumerated() {
                        guard let i = slot[vid] else { continue }
                        eligibleCarriers[i] += Int(counts.ref[e * CallSegment.kinds] + counts.ref[e * CallSegment.kinds + 1]
                                                   + counts.ref[e * CallSegment.kinds + 2])
                        holders[i].append(blobs.count)
                        holds = true
                    }
                    if holds { blobs.append((id, layout.base, layout.span, segments.blob(2))) }
                }
                segments.reset()
                var decoded: [Int: [SegmentEntry]] = [:]
                for (i, var c) in found.enumerated() {
                    let count = eligibleCarriers[i]
                    guard count > 0, try wanted(c, count) else { continue }
                    var rows: [Row] = []
                    for h in holders[i] {
                        if decoded[h] == nil {
                            decoded[h] = try Self.withSegment(blobs[h].id) { () throws(SegmentError) in
                                try CallSegment.decode(blobs[h].bytes, span: blobs[h].span)
                            }
                        }
                        for e in decoded[h] ?? [] where e.vid == c.variantKey { rows.append(Row(base: blobs[h].base, entry: e)) }
                    }
                    for r in rows { c.carriers += Carrier.carriers(of: r.entry, base: r.base) { active[$0] != nil } }
                    guard !c.carriers.isEmpty else { continue }
                    c.carriers.sort { $0.ordinal < $1.ordinal }
                    try body(c)
                }
            }
        }
    }
}
