public import VariantStoreSQL

/// The PostgreSQL store's migrations: the same ids as SQLite's (`SQLiteSchema`), so either engine knows what the
/// other has applied. The PostgreSQL engine began at the schema SQLite reached with 0008, so its first migration
/// creates that schema whole, in PostgreSQL's types, and 0002-0008 have nothing left to do; a new migration from now
/// on is written for both engines.
///
/// Types: SQLite's INTEGER is `integer` (bigint where a value may pass 2^31), TEXT is `text COLLATE "C"` (byte order,
/// as SQLite sorts), BLOB is `bytea`; segment blobs are stored EXTERNAL (out of line, not recompressed: they are
/// Rice-coded already). SQLite's rowid ids (max + 1 at each insert) are `varde_next_id`, which also records the id
/// for `lastInsertRowID`, so both engines number rows alike. SQLite's R*Tree of gVCF blocks is a B-tree here.
enum PostgresSchema {
    static let migrations: [SQLMigration] = [SQLMigration("0001-variant-store", create)]
        + ["0002-named-cohorts", "0003-filters-annotations", "0004-omop-vocabulary", "0005-aggregates-in-variant",
           "0006-call-segments", "0007-compact-rows", "0008-segment-ranges"].map { SQLMigration($0, "") }
        // Per-carrier REF/ALT read depths in the segments' QC (SQLite's 0009: no DDL, an id an older varde refuses).
        + [SQLMigration("0009-carrier-allele-depths", "")]

    /// The whole schema of a single-server store.
    static var create: String { [functions, catalogTables, largeTables].joined(separator: "\n") }

    /// Row ids numbered as SQLite numbers rowids.
    static let functions = #"""
    CREATE FUNCTION varde_next_id(t regclass, c text) RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE id bigint;
    BEGIN
        EXECUTE format('SELECT coalesce(max(%I), 0) + 1 FROM %s', c, t) INTO id;
        PERFORM set_config('varde.last_insert_id', id::text, true);
        RETURN id;
    END $$;
    """#

    /// The tables a sharded store keeps on its catalog server: everything but ``largeTables``.
    static let catalogTables = #"""
    CREATE TABLE meta(key text COLLATE "C" PRIMARY KEY, value text COLLATE "C" NOT NULL);
    CREATE TABLE contig(contig_id integer PRIMARY KEY, name text COLLATE "C" NOT NULL UNIQUE, length bigint,
                        class integer NOT NULL, max_span integer NOT NULL DEFAULT 0);
    ALTER TABLE contig ALTER contig_id SET DEFAULT varde_next_id('contig', 'contig_id');
    CREATE TABLE batch(batch_id integer PRIMARY KEY, loaded_at text COLLATE "C" NOT NULL, command text COLLATE "C" NOT NULL,
                       first_ordinal integer NOT NULL, sample_count integer NOT NULL);
    ALTER TABLE batch ALTER batch_id SET DEFAULT varde_next_id('batch', 'batch_id');
    CREATE TABLE source_file(file_id integer PRIMARY KEY, batch_id integer NOT NULL REFERENCES batch(batch_id),
                             file_index integer NOT NULL, path text COLLATE "C" NOT NULL, sha256 text COLLATE "C" NOT NULL,
                             records bigint NOT NULL DEFAULT 0, is_gvcf integer NOT NULL, active integer NOT NULL DEFAULT 1);
    ALTER TABLE source_file ALTER file_id SET DEFAULT varde_next_id('source_file', 'file_id');
    CREATE UNIQUE INDEX source_file_active_sha ON source_file(sha256) WHERE active = 1;
    CREATE TABLE person(person_id integer PRIMARY KEY, pseudonym bytea NOT NULL UNIQUE, sex text COLLATE "C", birth_year integer);
    ALTER TABLE person ALTER person_id SET DEFAULT varde_next_id('person', 'person_id');
    CREATE TABLE sample(ordinal integer PRIMARY KEY, name text COLLATE "C" NOT NULL,
                        person_id integer NOT NULL REFERENCES person(person_id),
                        batch_id integer NOT NULL REFERENCES batch(batch_id), file_index integer NOT NULL,
                        role text COLLATE "C" NOT NULL CHECK (role IN ('germline', 'tumour', 'normal')),
                        counted integer NOT NULL, absent_policy text COLLATE "C" NOT NULL CHECK (absent_policy IN ('ref', 'missing')),
                        ploidy_autosome integer NOT NULL DEFAULT 2, ploidy_x integer NOT NULL DEFAULT 2,
                        ploidy_y integer NOT NULL DEFAULT 1, ploidy_mt integer NOT NULL DEFAULT 1,
                        specimen_type text COLLATE "C", collection_date text COLLATE "C", diagnosis text COLLATE "C",
                        diagnosis_date text COLLATE "C", care_site text COLLATE "C", assay text COLLATE "C",
                        attributes text COLLATE "C", loaded_at text COLLATE "C" NOT NULL, active integer NOT NULL DEFAULT 1);
    CREATE UNIQUE INDEX sample_active_name ON sample(name) WHERE active = 1;
    CREATE INDEX sample_person ON sample(person_id);
    CREATE TABLE default_an(class integer PRIMARY KEY, alleles integer NOT NULL);
    INSERT INTO default_an VALUES (0, 0), (1, 0), (2, 0), (3, 0);
    CREATE TABLE audit(audit_id integer PRIMARY KEY, at text COLLATE "C" NOT NULL, action text COLLATE "C" NOT NULL,
                       subject text COLLATE "C" NOT NULL, details text COLLATE "C" NOT NULL);
    ALTER TABLE audit ALTER audit_id SET DEFAULT varde_next_id('audit', 'audit_id');
    CREATE TABLE cohort(name text COLLATE "C" PRIMARY KEY, created_at text COLLATE "C" NOT NULL, definition text COLLATE "C" NOT NULL);
    CREATE TABLE cohort_member(name text COLLATE "C" NOT NULL REFERENCES cohort(name) ON DELETE CASCADE, ordinal integer NOT NULL,
                               PRIMARY KEY (name, ordinal));
    CREATE TABLE filter_name(name text COLLATE "C" PRIMARY KEY);
    CREATE TABLE annotation(vid integer NOT NULL, source text COLLATE "C" NOT NULL, gene text COLLATE "C" NOT NULL,
                            consequence text COLLATE "C" NOT NULL, transcript text COLLATE "C" NOT NULL,
                            hgvsc text COLLATE "C" NOT NULL, hgvsp text COLLATE "C" NOT NULL,
                            PRIMARY KEY (vid, source, transcript, gene, consequence, hgvsc, hgvsp));
    CREATE INDEX annotation_gene ON annotation(gene);
    CREATE TABLE omop_concept(concept_id bigint PRIMARY KEY, concept_name text COLLATE "C" NOT NULL, domain_id text COLLATE "C" NOT NULL,
                              vocabulary_id text COLLATE "C" NOT NULL, concept_class_id text COLLATE "C" NOT NULL,
                              standard_concept text COLLATE "C", concept_code text COLLATE "C" NOT NULL,
                              valid_start_date text COLLATE "C" NOT NULL, valid_end_date text COLLATE "C" NOT NULL,
                              invalid_reason text COLLATE "C");
    CREATE INDEX omop_concept_code ON omop_concept(vocabulary_id, concept_code);
    CREATE INDEX omop_concept_name ON omop_concept(vocabulary_id, concept_name);
    CREATE TABLE omop_concept_synonym(concept_id bigint NOT NULL, concept_synonym_name text COLLATE "C" NOT NULL,
                                      language_concept_id bigint NOT NULL, PRIMARY KEY (concept_synonym_name, concept_id));
    CREATE INDEX omop_concept_synonym_concept ON omop_concept_synonym(concept_id);
    CREATE TABLE omop_concept_relationship(concept_id_1 bigint NOT NULL, concept_id_2 bigint NOT NULL,
                                           relationship_id text COLLATE "C" NOT NULL, valid_start_date text COLLATE "C" NOT NULL,
                                           valid_end_date text COLLATE "C" NOT NULL, invalid_reason text COLLATE "C",
                                           PRIMARY KEY (concept_id_1, relationship_id, concept_id_2));
    CREATE TABLE omop_vocabulary_row(tbl text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, cells text COLLATE "C" NOT NULL,
                                     PRIMARY KEY (tbl, key));
    """#

    /// The tables that grow with the genomes (variants, coverage, call segments): a sharded store LIST-partitions
    /// them by contig across its shard servers (``ShardedSchema``).
    static let largeTables = #"""
    -- Aggregates are updated in place by every load: room on each page keeps those updates HOT.
    CREATE TABLE variant(vid integer PRIMARY KEY, contig_id integer NOT NULL REFERENCES contig(contig_id),
                         pos integer NOT NULL, end_pos integer NOT NULL, ref text COLLATE "C" NOT NULL, alt text COLLATE "C" NOT NULL,
                         kind text COLLATE "C" NOT NULL, rsid text COLLATE "C", filters text COLLATE "C", genes text COLLATE "C",
                         consequences text COLLATE "C", ac integer NOT NULL DEFAULT 0, an_delta integer NOT NULL DEFAULT 0,
                         nhomalt integer NOT NULL DEFAULT 0, nhemi integer NOT NULL DEFAULT 0, tumours integer NOT NULL DEFAULT 0,
                         vaf_hist bytea) WITH (fillfactor = 80);
    ALTER TABLE variant ALTER vid SET DEFAULT varde_next_id('variant', 'vid');
    CREATE UNIQUE INDEX variant_allele ON variant(contig_id, pos, ref, alt);
    CREATE INDEX variant_rsid ON variant(rsid) WHERE rsid IS NOT NULL;
    CREATE TABLE coverage(id bigint PRIMARY KEY, contig_lo integer NOT NULL, contig_hi integer NOT NULL, start integer NOT NULL,
                          "end" integer NOT NULL, ordinal integer NOT NULL, ploidy integer NOT NULL, batch_id integer NOT NULL);
    ALTER TABLE coverage ALTER id SET DEFAULT varde_next_id('coverage', 'id');
    CREATE INDEX coverage_locus ON coverage(contig_lo, start);
    CREATE INDEX coverage_ordinal ON coverage(ordinal);
    -- Call segments (CallSegment): a batch's (or a compacted range's) carrier lists for up to 2,048 variants.
    CREATE TABLE calls_segment(segment_id integer PRIMARY KEY, batch_id integer NOT NULL REFERENCES batch(batch_id),
                               contig_id integer NOT NULL, first_pos integer NOT NULL, last_pos integer NOT NULL,
                               base integer NOT NULL, span integer NOT NULL, entries integer NOT NULL, data bytea NOT NULL);
    ALTER TABLE calls_segment ALTER segment_id SET DEFAULT varde_next_id('calls_segment', 'segment_id');
    ALTER TABLE calls_segment ALTER data SET STORAGE EXTERNAL;
    CREATE INDEX calls_segment_locus ON calls_segment(contig_id, first_pos);
    CREATE INDEX calls_segment_range ON calls_segment(base, span);
    """#
}
