public import VariantStoreSQL

/// The SQLite store's named, append-only migrations, run in order at open. Never edit one that has shipped: add
/// another. PostgreSQL's (`PostgresSchema`) have the same ids.
enum SQLiteSchema {
    static let migrations: [SQLMigration] = [
        SQLMigration("0001-variant-store", """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        -- max_span: the longest END - POS of any variant on the contig, so a region query knows how far back
        -- a deletion or SV starting before the region can reach into it, without scanning.
        CREATE TABLE contig(contig_id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, length INTEGER,
                            class INTEGER NOT NULL, max_span INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE batch(batch_id INTEGER PRIMARY KEY, loaded_at TEXT NOT NULL, command TEXT NOT NULL,
                           first_ordinal INTEGER NOT NULL, sample_count INTEGER NOT NULL);
        CREATE TABLE source_file(file_id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batch(batch_id),
                                 file_index INTEGER NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
                                 records INTEGER NOT NULL DEFAULT 0, is_gvcf INTEGER NOT NULL,
                                 active INTEGER NOT NULL DEFAULT 1);
        CREATE UNIQUE INDEX source_file_active_sha ON source_file(sha256) WHERE active = 1;
        CREATE TABLE person(person_id INTEGER PRIMARY KEY, pseudonym TEXT NOT NULL UNIQUE, sex TEXT, birth_year INTEGER);
        CREATE TABLE sample(ordinal INTEGER PRIMARY KEY, name TEXT NOT NULL,
                            person_id INTEGER NOT NULL REFERENCES person(person_id),
                            batch_id INTEGER NOT NULL REFERENCES batch(batch_id), file_index INTEGER NOT NULL,
                            role TEXT NOT NULL CHECK (role IN ('germline', 'tumour', 'normal')),
                            counted INTEGER NOT NULL, absent_policy TEXT NOT NULL CHECK (absent_policy IN ('ref', 'missing')),
                            ploidy_autosome INTEGER NOT NULL DEFAULT 2, ploidy_x INTEGER NOT NULL DEFAULT 2,
                            ploidy_y INTEGER NOT NULL DEFAULT 1, ploidy_mt INTEGER NOT NULL DEFAULT 1,
                            specimen_type TEXT, collection_date TEXT, diagnosis TEXT, diagnosis_date TEXT,
                            care_site TEXT, assay TEXT, attributes TEXT, loaded_at TEXT NOT NULL,
                            active INTEGER NOT NULL DEFAULT 1);
        CREATE UNIQUE INDEX sample_active_name ON sample(name) WHERE active = 1;
        CREATE INDEX sample_person ON sample(person_id);
        CREATE TABLE variant(vid INTEGER PRIMARY KEY, contig_id INTEGER NOT NULL REFERENCES contig(contig_id),
                             pos INTEGER NOT NULL, end_pos INTEGER NOT NULL, ref TEXT NOT NULL, alt TEXT NOT NULL,
                             kind TEXT NOT NULL, rsid TEXT);
        CREATE UNIQUE INDEX variant_allele ON variant(contig_id, pos, ref, alt);
        CREATE INDEX variant_rsid ON variant(rsid) WHERE rsid IS NOT NULL;
        -- Carriers of one variant in one batch: sorted sample-ordinal lists (CarrierList), hom-ref implied.
        -- Keyed batch first, so a new batch appends at the end of the tree instead of touching one page per
        -- existing variant (measured: 42 MB of page writes for one 2,608-site sample into a 10,000-sample store).
        CREATE TABLE calls(batch_id INTEGER NOT NULL, vid INTEGER NOT NULL, het BLOB, hom BLOB, hemi BLOB,
                           homref BLOB, nocall BLOB, exceptions BLOB, qc BLOB,
                           PRIMARY KEY (batch_id, vid)) WITHOUT ROWID;
        CREATE INDEX calls_vid ON calls(vid);
        -- Population aggregates: AN = default_an[class] + an_delta.
        CREATE TABLE aggregate(vid INTEGER PRIMARY KEY, ac INTEGER NOT NULL, an_delta INTEGER NOT NULL,
                               nhomalt INTEGER NOT NULL, nhemi INTEGER NOT NULL, tumours INTEGER NOT NULL,
                               vaf_hist BLOB);
        CREATE TABLE default_an(class INTEGER PRIMARY KEY, alleles INTEGER NOT NULL);
        INSERT INTO default_an VALUES (0, 0), (1, 0), (2, 0), (3, 0);
        -- gVCF reference blocks of counted samples (coverage for AN).
        CREATE VIRTUAL TABLE coverage USING rtree_i32(id, contig_lo, contig_hi, start, end, +ordinal, +ploidy, +batch_id);
        CREATE TABLE audit(audit_id INTEGER PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
                           details TEXT NOT NULL);
        """),
        SQLMigration("0002-named-cohorts", """
        CREATE TABLE cohort(name TEXT PRIMARY KEY, created_at TEXT NOT NULL, definition TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE cohort_member(name TEXT NOT NULL REFERENCES cohort(name) ON DELETE CASCADE, ordinal INTEGER NOT NULL,
                                   PRIMARY KEY (name, ordinal)) WITHOUT ROWID;
        """),
        SQLMigration("0003-filters-annotations", """
        -- FILTER: the union of the non-PASS filter names of every record that called the variant (';'-joined, as
        -- 'bcftools merge' does by default); NULL when every record said PASS or '.'.
        ALTER TABLE variant ADD COLUMN filters TEXT;
        -- Distinct gene symbols and Sequence Ontology consequence terms over the variant's CSQ/ANN annotations
        -- (','-joined), so region queries filter on them without a join.
        ALTER TABLE variant ADD COLUMN genes TEXT;
        ALTER TABLE variant ADD COLUMN consequences TEXT;
        CREATE TABLE filter_name(name TEXT PRIMARY KEY) WITHOUT ROWID;
        -- One transcript-level annotation (VEP CSQ or SnpEff ANN) of one variant; '' for absent fields.
        CREATE TABLE annotation(vid INTEGER NOT NULL, source TEXT NOT NULL, gene TEXT NOT NULL, consequence TEXT NOT NULL,
                                transcript TEXT NOT NULL, hgvsc TEXT NOT NULL, hgvsp TEXT NOT NULL,
                                PRIMARY KEY (vid, source, transcript, gene, consequence, hgvsc, hgvsp)) WITHOUT ROWID;
        CREATE INDEX annotation_gene ON annotation(gene);
        """),
        // The OMOP vocabulary (Athena tables, or the Koios extracts), loaded once by `varde vocab load`.
        // Synonyms are indexed by name: the DNA-level mapping is one exact lookup of the HGVSg per variant.
        SQLMigration("0004-omop-vocabulary", """
        CREATE TABLE omop_concept(concept_id INTEGER PRIMARY KEY, concept_name TEXT NOT NULL, domain_id TEXT NOT NULL,
                                  vocabulary_id TEXT NOT NULL, concept_class_id TEXT NOT NULL, standard_concept TEXT,
                                  concept_code TEXT NOT NULL, valid_start_date TEXT NOT NULL, valid_end_date TEXT NOT NULL,
                                  invalid_reason TEXT);
        CREATE INDEX omop_concept_code ON omop_concept(vocabulary_id, concept_code);
        CREATE INDEX omop_concept_name ON omop_concept(vocabulary_id, concept_name);
        CREATE TABLE omop_concept_synonym(concept_id INTEGER NOT NULL, concept_synonym_name TEXT NOT NULL,
                                          language_concept_id INTEGER NOT NULL,
                                          PRIMARY KEY (concept_synonym_name, concept_id)) WITHOUT ROWID;
        CREATE INDEX omop_concept_synonym_concept ON omop_concept_synonym(concept_id);
        CREATE TABLE omop_concept_relationship(concept_id_1 INTEGER NOT NULL, concept_id_2 INTEGER NOT NULL,
                                               relationship_id TEXT NOT NULL, valid_start_date TEXT NOT NULL,
                                               valid_end_date TEXT NOT NULL, invalid_reason TEXT,
                                               PRIMARY KEY (concept_id_1, relationship_id, concept_id_2)) WITHOUT ROWID;
        CREATE TABLE omop_vocabulary_row(tbl TEXT NOT NULL, key TEXT NOT NULL, cells TEXT NOT NULL,
                                         PRIMARY KEY (tbl, key)) WITHOUT ROWID;
        """),
        // Aggregates move into the variant row: a region query reads one table by vid range instead of joining a
        // second one per row (the 10,000-sample 1 Mb cohort query: 10 ms of SQL to 6), a new variant is one
        // insert, and the store loses the aggregate table's keys.
        SQLMigration("0005-aggregates-in-variant", """
        ALTER TABLE variant ADD COLUMN ac INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE variant ADD COLUMN an_delta INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE variant ADD COLUMN nhomalt INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE variant ADD COLUMN nhemi INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE variant ADD COLUMN tumours INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE variant ADD COLUMN vaf_hist BLOB;
        UPDATE variant SET ac = a.ac, an_delta = a.an_delta, nhomalt = a.nhomalt, nhemi = a.nhemi, tumours = a.tumours,
                           vaf_hist = a.vaf_hist
        FROM aggregate a WHERE a.vid = variant.vid;
        DROP TABLE aggregate;
        """),
        // Calls move from a row per variant and batch to segments of up to 2,048 variants of one batch (CallSegment):
        // the row keys, the vid index and their page slack cost more than the lists, and inside a segment a
        // variant's het/hom-alt lists can be stored as the difference from a linked earlier variant's. The rows
        // are converted by `convertCallsToSegments` (Swift), which then drops `calls` and `calls_vid`.
        SQLMigration("0006-call-segments", step: .callsToSegments, """
        CREATE TABLE calls_segment(segment_id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batch(batch_id),
                                   contig_id INTEGER NOT NULL, first_pos INTEGER NOT NULL, last_pos INTEGER NOT NULL,
                                   entries INTEGER NOT NULL, data BLOB NOT NULL);
        CREATE INDEX calls_segment_locus ON calls_segment(contig_id, first_pos);
        CREATE INDEX calls_segment_batch ON calls_segment(batch_id);
        """),
        // Values a row can do without: a variant's kind '' for an SNV and end_pos 0 for the last base of REF (both
        // derived when read; SQLite stores '' and 0 in no bytes), a sample's load time (its batch's), and pseudonyms
        // as the HMAC's 32 bytes instead of 64 hex characters (converted by `pseudonymsToBlobs`). On the
        // 10,000-sample benchmark: 0.7 MB of the variant table, 0.2 MB of samples, 0.6 MB of people and their index.
        SQLMigration("0007-compact-rows", step: .pseudonymsToBlobs, """
        UPDATE variant SET kind = '' WHERE kind = 'snv';
        UPDATE variant SET end_pos = 0 WHERE end_pos = pos + max(1, length(ref)) - 1;
        UPDATE sample SET loaded_at = '';
        """),
        // A segment names the ordinal range its lists are relative to (base, span) instead of taking its batch's:
        // compaction (`varde compact`) merges the segments of many small batches into segments over all their
        // samples, whose range covers those batches (a batch's ordinals follow the previous batch's, so neighbouring
        // batches form one range). batch_id stays, as the first batch of the range. The table is rebuilt so that
        // the range sits before the blob in each row: a column after a blob is read through its overflow pages.
        // The range index makes "which segments hold this ordinal" and "which ranges are there" index-only reads;
        // the batch index has no reader left.
        SQLMigration("0008-segment-ranges", """
        CREATE TABLE calls_segment_ranged(segment_id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL REFERENCES batch(batch_id),
                                          contig_id INTEGER NOT NULL, first_pos INTEGER NOT NULL, last_pos INTEGER NOT NULL,
                                          base INTEGER NOT NULL, span INTEGER NOT NULL, entries INTEGER NOT NULL,
                                          data BLOB NOT NULL);
        INSERT INTO calls_segment_ranged(segment_id, batch_id, contig_id, first_pos, last_pos, base, span, entries, data)
            SELECT s.segment_id, s.batch_id, s.contig_id, s.first_pos, s.last_pos, b.first_ordinal, b.sample_count, s.entries, s.data
            FROM calls_segment s JOIN batch b ON b.batch_id = s.batch_id ORDER BY s.segment_id;
        DROP TABLE calls_segment;
        ALTER TABLE calls_segment_ranged RENAME TO calls_segment;
        CREATE INDEX calls_segment_locus ON calls_segment(contig_id, first_pos);
        CREATE INDEX calls_segment_range ON calls_segment(base, span);
        """),
        SQLMigration("0009-carrier-allele-depths", carrierAlleleDepths),
    ]

    /// No DDL: from 0009 a segment's per-carrier QC may carry the REF and ALT read depths (``QCCodec``'s 8-byte layout,
    /// which this build reads beside the 4-byte one). A varde that predates it would read those bytes as 4-byte
    /// records; the applied id makes it refuse the store ("written by a newer version") instead. PostgreSQL's 0009 is
    /// the same.
    static let carrierAlleleDepths = ""
}
