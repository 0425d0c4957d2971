internal import Foundation
internal import VariantCore

/// The layout of a store spread over several PostgreSQL servers with PostgreSQL's own partitioning
/// (`../shared/spec/postgres-scaleout.md` §3a, §5):
///
/// - **Shards** hold the tables that grow with the genomes (``PostgresSchema/largeTables``: variants, coverage, call
///   segments), with their keys and indexes, in a schema of the store's name. Each also keeps `shard_state` (the last
///   write it took part in, its *epoch*) and `undo_log`: a row trigger records how to undo every change of the write in
///   progress, so that a write the catalog never committed can be taken back exactly.
/// - The **catalog** holds every other table (samples, people, batches, cohorts, vocabulary) and sees the large tables
///   as LIST-partitioned tables (by contig) whose partitions are `postgres_fdw` foreign tables, one per shard: any SQL
///   client reads one table set, and the store logic runs its SQL unchanged. Contigs are placed on shards as they
///   appear (``placement(shards:assembly:)``); the catalog's `contig_shard` is the map.
/// - **Publishing**: postgres_fdw has no two-phase commit, so a write commits on its shards first and on the catalog
///   last; every write moves the catalog's epoch and each shard's to the same next value. A reader sees the store only
///   when every shard's epoch equals the catalog's (a write in flight: it waits; a shard ahead with no writer: the
///   write failed after some shards committed, and it is undone from the undo log before anyone reads; a shard
///   behind: it lost committed data, and the store is refused, naming it).
///
/// The layout keeps Citus's shape: contig is the distribution key, the catalog tables are what Citus calls reference
/// tables.
enum ShardedSchema {
    /// The large tables: name, partition key, primary key.
    static let tables: [(name: String, key: String, id: String)] = [("variant", "contig_id", "vid"),
                                                                     ("calls_segment", "contig_id", "segment_id"),
                                                                     ("coverage", "contig_lo", "id")]

    /// What a shard holds: the large tables as a single server has them (without the foreign keys into catalog
    /// tables), the epoch, and the undo log with its triggers. `schema` is the store's schema on the shard.
    static func shard(schema: String) -> String {
        let q = PostgresStoreConnection.quoted(schema)
        let large = PostgresSchema.largeTables
            .replacingOccurrences(of: " REFERENCES contig(contig_id)", with: "")
            .replacingOccurrences(of: " REFERENCES batch(batch_id)", with: "")
            .replacingOccurrences(of: "ALTER TABLE variant ALTER vid SET DEFAULT varde_next_id('variant', 'vid');", with: "")
            .replacingOccurrences(of: "ALTER TABLE coverage ALTER id SET DEFAULT varde_next_id('coverage', 'id');", with: "")
            .replacingOccurrences(of: "ALTER TABLE calls_segment ALTER segment_id SET DEFAULT varde_next_id('calls_segment', 'segment_id');", with: "")
        var sql = large + """

            CREATE TABLE shard_state(epoch bigint NOT NULL);
            INSERT INTO shard_state VALUES (0);
            CREATE TABLE undo_log(undo_id bigserial PRIMARY KEY, epoch bigint NOT NULL, tbl text NOT NULL, op "char" NOT NULL,
                                  pk bigint, old jsonb);
            CREATE INDEX undo_log_epoch ON undo_log(epoch);
            CREATE FUNCTION varde_undo(target bigint) RETURNS bigint LANGUAGE plpgsql SET search_path = \(q) AS $$
            DECLARE r record; n bigint := 0; id text;
            BEGIN
                PERFORM set_config('varde.undoing', 'on', true);
                FOR r IN SELECT * FROM undo_log WHERE epoch > target ORDER BY undo_id DESC LOOP
                    id := CASE r.tbl WHEN 'variant' THEN 'vid' WHEN 'calls_segment' THEN 'segment_id' ELSE 'id' END;
                    IF r.op IN ('I', 'U') THEN
                        EXECUTE format('DELETE FROM %I WHERE %I = $1', r.tbl, id) USING r.pk;
                    END IF;
                    IF r.op IN ('U', 'D') THEN
                        EXECUTE format('INSERT INTO %I SELECT * FROM jsonb_populate_record(NULL::%I, $1)', r.tbl, r.tbl) USING r.old;
                    END IF;
                    n := n + 1;
                END LOOP;
                DELETE FROM undo_log WHERE epoch > target;
                UPDATE shard_state SET epoch = target;
                RETURN n;
            END $$;
            """
        for t in tables {
            sql += """

                CREATE FUNCTION varde_capture_\(t.name)() RETURNS trigger LANGUAGE plpgsql SET search_path = \(q) AS $$
                DECLARE e bigint;
                BEGIN
                    IF current_setting('varde.undoing', true) = 'on' THEN RETURN NULL; END IF;
                    SELECT epoch + 1 INTO e FROM shard_state;
                    IF TG_OP = 'INSERT' THEN
                        INSERT INTO undo_log(epoch, tbl, op, pk) VALUES (e, TG_TABLE_NAME, 'I', NEW.\(t.id));
                    ELSIF TG_OP = 'UPDATE' THEN
                        INSERT INTO undo_log(epoch, tbl, op, pk, old) VALUES (e, TG_TABLE_NAME, 'U', NEW.\(t.id), to_jsonb(OLD));
                    ELSE
                        INSERT INTO undo_log(epoch, tbl, op, old) VALUES (e, TG_TABLE_NAME, 'D', to_jsonb(OLD));
                    END IF;
                    RETURN NULL;
                END $$;
                CREATE TRIGGER \(t.name)_undo AFTER INSERT OR UPDATE OR DELETE ON \(t.name) FOR EACH ROW EXECUTE FUNCTION varde_capture_\(t.name)();
                """
        }
        return sql
    }

    /// A shard as the catalog names it: its number (from 1), its postgres_fdw server, where it is.
    struct Shard {
        var number: Int
        var server: String
        var target: PostgresTarget
    }

    /// The catalog's side: the foreign servers and user mappings, every catalog table, the large tables as
    /// partitioned tables over foreign partitions, the shard and placement tables, and the publishing functions.
    static func catalog(schema: String, shards: [Shard], placement: [String: Int], dblink: String) -> String {
        func lit(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }
        var sql = ""
        for s in shards {
            sql += """
                CREATE SERVER \(s.server) FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host \(lit(s.target.host)), port \(lit(String(s.target.port))),
                    dbname \(lit(s.target.database)), async_capable 'true', fetch_size '10000', batch_size '1000', parallel_commit 'true');
                CREATE USER MAPPING FOR CURRENT_USER SERVER \(s.server) OPTIONS (user \(lit(s.target.user))\(s.target.password.map { ", password \(lit($0))" } ?? ""));

                """
        }
        sql += shardedIDs + "\n" + PostgresSchema.catalogTables + "\n"
        // The large tables: the single server's columns, without keys (PostgreSQL keeps no unique index over foreign
        // partitions; each shard keeps its own, and contig, the partition key, is part of every natural key).
        for statement in PostgresSQL.statements(PostgresSchema.largeTables) {
            if statement.hasPrefix("CREATE INDEX") || statement.hasPrefix("CREATE UNIQUE INDEX") || statement.contains("SET STORAGE") { continue }
            guard statement.hasPrefix("CREATE TABLE"), let t = tables.first(where: { statement.hasPrefix("CREATE TABLE \($0.name)(") }) else {
                sql += statement + ";\n"
                continue
            }
            let columns = statement
                .replacingOccurrences(of: " PRIMARY KEY", with: " NOT NULL")
                .replacingOccurrences(of: " REFERENCES contig(contig_id)", with: "")
                .replacingOccurrences(of: " REFERENCES batch(batch_id)", with: "")
                .replacingOccurrences(of: " WITH (fillfactor = 80)", with: "")
            sql += columns + " PARTITION BY LIST (\(t.key));\n"
            for s in shards {
                sql += "CREATE FOREIGN TABLE \(t.name)_s\(s.number) PARTITION OF \(t.name) FOR VALUES IN (\(-s.number)) SERVER \(s.server) OPTIONS (schema_name \(lit(schema)), table_name \(lit(t.name)));\n"
            }
        }
        for s in shards {
            sql += """
                CREATE FOREIGN TABLE shard_state_s\(s.number)(epoch bigint) SERVER \(s.server) OPTIONS (schema_name \(lit(schema)), table_name 'shard_state');
                CREATE FOREIGN TABLE undo_log_s\(s.number)(undo_id bigint, epoch bigint) SERVER \(s.server) OPTIONS (schema_name \(lit(schema)), table_name 'undo_log');

                """
        }
        sql += """
            CREATE TABLE shard(shard integer PRIMARY KEY, server text NOT NULL, location text NOT NULL);
            CREATE TABLE shard_placement(name text COLLATE "C" PRIMARY KEY, shard integer NOT NULL REFERENCES shard(shard));
            CREATE TABLE contig_shard(contig_id integer PRIMARY KEY, shard integer NOT NULL REFERENCES shard(shard));
            INSERT INTO meta(key, value) VALUES ('layout', 'sharded'), ('epoch', '0');

            """
        for s in shards {
            sql += "INSERT INTO shard VALUES (\(s.number), \(lit(s.server)), \(lit(s.target.redacted)));\n"
        }
        for (name, shard) in placement.sorted(by: { $0.key < $1.key }) {
            sql += "INSERT INTO shard_placement VALUES (\(lit(name)), \(shard));\n"
        }
        sql += """
            -- A new contig goes to the shard its name is placed on (any other name: by its hash), and that shard's
            -- partitions are re-attached with the new id among their values (foreign partitions hold no rows here: no scan).
            CREATE FUNCTION varde_place_contig() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE s integer; ids text; t text;
            BEGIN
                SELECT shard INTO s FROM shard_placement WHERE name = NEW.name;
                IF s IS NULL THEN s := abs(hashtext(NEW.name)) % (SELECT count(*) FROM shard) + 1; END IF;
                INSERT INTO contig_shard VALUES (NEW.contig_id, s);
                SELECT string_agg(contig_id::text, ', ' ORDER BY contig_id) INTO ids FROM contig_shard WHERE shard = s;
                FOREACH t IN ARRAY ARRAY['variant', 'calls_segment', 'coverage'] LOOP
                    EXECUTE format('ALTER TABLE %I DETACH PARTITION %I', t, t || '_s' || s);
                    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%s, %s)', t, t || '_s' || s, -s, ids);
                END LOOP;
                RETURN NEW;
            END $$;
            CREATE TRIGGER contig_placed AFTER INSERT ON contig FOR EACH ROW EXECUTE FUNCTION varde_place_contig();
            -- Each shard's epoch, read in the caller's transaction (so in the snapshot its reads will use).
            CREATE FUNCTION varde_shard_epochs() RETURNS TABLE(shard integer, epoch bigint) LANGUAGE plpgsql AS $$
            DECLARE s integer; e bigint;
            BEGIN
                FOR s IN SELECT x.shard FROM shard x ORDER BY x.shard LOOP
                    EXECUTE format('SELECT epoch FROM %I', 'shard_state_s' || s) INTO e;
                    shard := s; epoch := e; RETURN NEXT;
                END LOOP;
            END $$;
            -- The last step of every write, before its COMMIT: the next epoch on every shard and on the catalog, and the
            -- undo log of the write before this one dropped (that write is committed everywhere, or it is undone first).
            CREATE FUNCTION varde_publish() RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE e bigint; s integer;
            BEGIN
                e := (SELECT value::bigint FROM meta WHERE key = 'epoch') + 1;
                UPDATE meta SET value = e::text WHERE key = 'epoch';
                FOR s IN SELECT shard FROM shard ORDER BY shard LOOP
                    EXECUTE format('UPDATE %I SET epoch = $1', 'shard_state_s' || s) USING e;
                    EXECUTE format('DELETE FROM %I WHERE epoch < $1', 'undo_log_s' || s) USING e;
                END LOOP;
                RETURN e;
            END $$;
            -- Takes a shard back to the catalog's epoch from its undo log, in the shard's own session (dblink): it commits
            -- there at once, whatever the caller's transaction does.
            CREATE FUNCTION varde_undo_shard(s integer, target bigint) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE n bigint;
            BEGIN
                SELECT x.n INTO n FROM \(dblink).dblink((SELECT server FROM shard WHERE shard = s),
                    format('SELECT %I.varde_undo(%s)', \(lit(schema)), target)) AS x(n bigint);
                RETURN n;
            END $$;
            -- A statement on one shard's own session (VACUUM, sizes): its single bigint answer.
            CREATE FUNCTION varde_on_shard(s integer, command text) RETURNS bigint LANGUAGE plpgsql AS $$
            DECLARE n bigint;
            BEGIN
                SELECT x.n INTO n FROM \(dblink).dblink((SELECT server FROM shard WHERE shard = s), command) AS x(n bigint);
                RETURN n;
            END $$;
            CREATE FUNCTION varde_exec_on_shard(s integer, command text) RETURNS text LANGUAGE sql AS $$
                SELECT \(dblink).dblink_exec((SELECT server FROM shard WHERE shard = s), command)
            $$;
            """
        return sql
    }

    /// Row ids over partitions: the highest id of every partition (each asked on its shard, where its key index
    /// answers) + 1, and then within the same transaction one more each time (the writer holds the store's write lock,
    /// so nobody else inserts), as a single server numbers them.
    static let shardedIDs = #"""
    CREATE FUNCTION varde_next_id(t regclass, c text) RETURNS bigint LANGUAGE plpgsql AS $$
    DECLARE id bigint := 0; m bigint; p regclass; seen text;
    BEGIN
        IF EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = t) THEN
            seen := current_setting('varde.hi_' || t::oid, true);
            IF seen IS NOT NULL AND seen <> '' THEN
                id := seen::bigint + 1;
            ELSE
                FOR p IN SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = t LOOP
                    EXECUTE format('SELECT max(%I) FROM %s', c, p) INTO m;
                    id := greatest(id, coalesce(m, 0));
                END LOOP;
                id := id + 1;
            END IF;
            PERFORM set_config('varde.hi_' || t::oid, id::text, true);
        ELSE
            EXECUTE format('SELECT coalesce(max(%I), 0) + 1 FROM %s', c, t) INTO id;
        END IF;
        PERFORM set_config('varde.last_insert_id', id::text, true);
        RETURN id;
    END $$;
    """#

    /// Which shard each primary chromosome goes to, under both spellings (`1`/`chr1`, `MT`/`chrM`): longest first to
    /// the shard with the fewest bases so far (GRCh38 lengths), so each shard holds about the same share of the genome.
    /// Other contigs (alternates, decoys) go by the hash of their name.
    static func placement(shards: Int) -> [String: Int] {
        let lengths = Assembly.grch38.chromosomeLengths.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        var load = [Int](repeating: 0, count: shards)
        var out: [String: Int] = [:]
        for (name, length) in lengths {
            let s = load.indices.min { (load[$0], $0) < (load[$1], $1) }!
            load[s] += length
            for spelling in [name, "chr" + name] + (name == "MT" ? ["M", "chrM", "chrMT"] : []) { out[spelling] = s + 1 }
        }
        return out
    }
}
