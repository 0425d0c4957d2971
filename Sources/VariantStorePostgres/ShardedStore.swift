internal import Foundation
internal import VariantCore
public import VariantStore

/// A sharded store's shards as its catalog lists them, and what a failure on one of them means to a user.
struct Sharding {
    struct Member {
        var number: Int, server: String, location: String
    }

    var shards: [Member]

    init(loading c: PostgresStoreConnection) throws(StoreError) {
        shards = try c.queryRows("SELECT shard, server, location FROM shard ORDER BY shard", unchecked: true).map { row in
            func text(_ v: PostgresValue) -> String { if case let .text(t) = v { t } else { "" } }
            return Member(number: row[0].int ?? 0, server: text(row[1]), location: text(row[2]))
        }
    }

    /// A server error that comes from a shard, in words that name it: postgres_fdw names the server it could not
    /// reach; a shard that fails in the middle of a query is found by asking each.
    func shardError(_ raw: String, location: String) -> StoreError? {
        let text = raw.split(whereSeparator: { $0 == "\n" || $0 == "\t" }).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        for m in shards where text.contains("\"\(m.server)\"") {
            return StoreError(.database, "shard \(m.number) of the store \(location) (\(m.location)) is not reachable: \(text). Nothing was answered or changed",
                              fix: "start that PostgreSQL server (or restore the network to it) and run the command again")
        }
        let lost = ["server closed the connection", "could not receive data", "terminating connection", "connection to server", "lost connection"]
        guard lost.contains(where: { text.contains($0) }) else { return nil }
        return StoreError(.database, "a shard server of the store \(location) failed during the query (\(text)). Nothing was answered or changed",
                          fix: "`varde store status --store URL` names the shard that is down; start it and run the command again")
    }
}

extension PostgresStoreConnection {
    /// A transaction on a sharded store: BEGIN (with the write lock for a write), then every shard's epoch against the
    /// catalog's, in the snapshot the transaction reads with. Equal: go on. A shard ahead while a writer holds the
    /// lock: a write is publishing, so wait and look again. A shard ahead with no writer: a write failed after some
    /// shards had committed, so it is undone there (under the write lock) before anything is read or written. A shard
    /// behind: it lost committed writes, and the store is refused.
    func beginSharded(_ mode: SQLTransactionMode) throws(StoreError) {
        let deadline = Date().addingTimeInterval(TimeInterval(lockTimeout))
        var told = false
        while true {
            try beginOnCatalog(mode)
            let state: EpochState
            do { state = try epochs() } catch { rollback(); throw error }
            if state.consistent { return }
            rollback()
            if let (shard, epoch) = state.behind.first {
                throw StoreError(.corrupt, "shard \(shard) of the store \(location) (\(sharding?.shards.first { $0.number == shard }?.location ?? "?")) has the store's writes up to \(epoch), but the catalog has \(state.catalog): the shard lost committed data",
                                 fix: "restore that shard from a backup taken with (or after) the catalog's, or restore the catalog and every shard from one backup set")
            }
            if mode == .write {
                // This process holds the write lock: the shards ahead took part in a write whose catalog commit failed.
                try undo(state)
                continue
            }
            if try writerActive() {
                if !told { onWait?("waiting for a write to \(location) to be published on every shard"); told = true }
                if Date() > deadline {
                    throw StoreError(.busy, "the store \(location) stayed in the middle of publishing a write past VARDE_LOCK_TIMEOUT",
                                     fix: "wait for the varde load, erase or compaction writing it to finish, or raise VARDE_LOCK_TIMEOUT (seconds)")
                }
                usleep(20_000)
                continue
            }
            // No writer holds the lock, so the write ahead failed: take it back under the write lock, then read.
            try beginSharded(.write)
            rollback()
        }
    }

    /// Takes every shard ahead back to the catalog's epoch from its undo log (in the shard's own session: it commits
    /// there at once), then ends this transaction, which has already read the shards' old state.
    private func undo(_ state: EpochState) throws(StoreError) {
        var undone = 0
        do {
            for s in state.ahead {
                undone += try queryRows("SELECT varde_undo_shard(\(s), \(state.catalog))", unchecked: true).first?.first?.int ?? 0
            }
        } catch {
            rollback()
            throw error
        }
        rollback()
        onWait?("took back \(undone) row change(s) on shard(s) \(state.ahead.map(String.init).joined(separator: ", ")) of a write whose catalog commit had failed")
    }

    struct EpochState {
        var catalog: Int
        var ahead: [Int] = []
        var behind: [(Int, Int)] = []
        var consistent: Bool { ahead.isEmpty && behind.isEmpty }
    }

    /// The catalog's epoch and each shard's, in the open transaction.
    func epochs() throws(StoreError) -> EpochState {
        let rows = try queryRows("SELECT (SELECT value::bigint FROM meta WHERE key = 'epoch'), shard, epoch FROM varde_shard_epochs()", unchecked: true)
        var state = EpochState(catalog: rows.first?[0].int ?? 0)
        for row in rows {
            let (shard, epoch) = (row[1].int ?? 0, row[2].int ?? 0)
            if epoch > state.catalog { state.ahead.append(shard) } else if epoch < state.catalog { state.behind.append((shard, epoch)) }
        }
        return state
    }

    /// Whether some session holds the store's write lock (a write is under way or publishing).
    func writerActive() throws(StoreError) -> Bool {
        try queryRows("""
            SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = \(Self.lockClass)
            AND objid = (hashtext(current_schema())::bigint & 4294967295)::oid
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, unchecked: true).first?.first?.int ?? 0 > 0
    }

    /// The bytes of the store's tables on every shard (none for a single server).
    func shardBytes() throws(StoreError) -> Int {
        guard let sharding else { return 0 }
        var total = 0
        for s in sharding.shards {
            let size = "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ''\(schema)'' AND c.relkind = ''r''"
            total += try queryRows("SELECT varde_on_shard(\(s.number), '\(size)')").first?.first?.int ?? 0
        }
        return total
    }

    /// VACUUM of the large tables on every shard, after an erasure (each in the shard's own session).
    func vacuumShards() throws(StoreError) {
        guard let sharding else { return }
        for s in sharding.shards {
            for t in ShardedSchema.tables {
                _ = try queryRows("SELECT varde_exec_on_shard(\(s.number), 'VACUUM \(Self.quoted(schema)).\(t.name)')")
            }
        }
    }
}

/// Creating a sharded store, and what its shards say (`varde store init`, `varde store status`).
public enum ShardedStore {
    public struct ShardStatus: Sendable {
        public var number: Int
        public var location: String
        /// The last write the shard took part in; nil when it cannot be reached (`problem` says why).
        public var epoch: Int?
        public var problem: String?
        public var contigs: [String]
    }

    /// Creates a new store whose large tables are spread over `shards` by contig, with its catalog at `catalog` (see
    /// ``ShardedSchema``). Each shard gets the store's schema (the catalog URL's `schema`, default `varde`); the catalog
    /// server reaches the shards at the hosts and ports given, with the users and passwords in their URLs, through
    /// postgres_fdw and dblink (which must be installed in the catalog database, or creatable by its user). Returns
    /// which canonical chromosomes went to each shard.
    @discardableResult
    public static func create(catalog url: String, shards urls: [String]) throws(StoreError) -> [[String]] {
        guard urls.count >= 1 else {
            throw StoreError(.invalidInput, "a sharded store needs at least one --shard postgres://… URL", fix: "name each shard server with --shard")
        }
        let catalog = try PostgresStoreConnection(url: url)
        guard try catalog.queryRows("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").first?.first?.int == 0 else {
            throw StoreError(.invalidInput, "\(catalog.location) already holds a store (its schema has tables)",
                             fix: "name a new schema with ?schema=NAME, or drop the old one first")
        }
        var shards: [ShardedSchema.Shard] = []
        let prefix = "varde_" + catalog.schema.prefix(40)
        for (i, shardURL) in urls.enumerated() {
            var target = try PostgresTarget(url: shardURL)
            if !shardURL.contains("schema=") { target.schema = catalog.schema }
            shards.append(.init(number: i + 1, server: "\(prefix)_s\(i + 1)", target: target))
        }
        if Set(shards.map { "\($0.target.host):\($0.target.port)/\($0.target.database)/\($0.target.schema)" }).count != shards.count {
            throw StoreError(.invalidInput, "two --shard URLs name the same database and schema", fix: "give each shard its own server or database")
        }
        let placement = ShardedSchema.placement(shards: shards.count)
        var created: [PostgresStoreConnection] = []
        do {
            for s in shards {
                let c = try PostgresStoreConnection(url: shardURL(of: s.target))
                guard try c.queryRows("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()").first?.first?.int == 0 else {
                    throw StoreError(.invalidInput, "shard \(s.number) (\(s.target.redacted)) already holds tables in schema \(s.target.schema)",
                                     fix: "use an empty schema (?schema=NAME) or database for every shard")
                }
                created.append(c)
                try c.execute("BEGIN")
                try c.execute(ShardedSchema.shard(schema: s.target.schema))
                try c.execute("COMMIT")
            }
            let dblink = try extensionSchema("dblink", on: catalog)
            _ = try extensionSchema("postgres_fdw", on: catalog)
            try catalog.execute("BEGIN")
            try catalog.execute(ShardedSchema.catalog(schema: catalog.schema, shards: shards, placement: placement, dblink: dblink))
            try catalog.execute("CREATE TABLE IF NOT EXISTS migration(id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            for m in PostgresSchema.migrations {
                try catalog.execute("INSERT INTO migration VALUES ('\(m.id)', '\(ISO8601DateFormatter().string(from: Date()))')")
            }
            // The catalog must reach every shard the way it will from now on.
            for s in shards { try catalog.execute("SELECT epoch FROM shard_state_s\(s.number)") }
            try catalog.execute("COMMIT")
        } catch {
            catalog.rollback()
            for c in created { try? c.execute("ROLLBACK"); try? c.execute("DROP SCHEMA \(PostgresStoreConnection.quoted(c.schema)) CASCADE") }
            throw (error as? StoreError) ?? StoreError(.database, "\(error)")
        }
        let chromosomes = Assembly.grch38.chromosomeLengths
        return shards.map { s in placement.filter { $0.value == s.number && chromosomes[$0.key] != nil }.keys.sorted { Int($0) ?? 99 < Int($1) ?? 99 } }
    }

    /// Each shard's epoch (or why it cannot be reached) and its contigs, beside the catalog's epoch.
    public static func status(_ url: String) throws(StoreError) -> (catalogEpoch: Int, shards: [ShardStatus]) {
        let c = try PostgresStoreConnection(url: url)
        guard let sharding = c.sharding else {
            throw StoreError(.invalidInput, "\(c.location) is not a sharded store", fix: "`varde store init CATALOG --shard URL…` creates one")
        }
        let epoch = try c.queryRows("SELECT value::bigint FROM meta WHERE key = 'epoch'", unchecked: true).first?.first?.int ?? 0
        var out: [ShardStatus] = []
        for s in sharding.shards {
            let contigs = try c.queryRows("SELECT c.name FROM contig_shard p JOIN contig c ON c.contig_id = p.contig_id WHERE p.shard = \(s.number) ORDER BY c.contig_id", unchecked: true)
                .map { if case let .text(t) = $0[0] { t } else { "" } }
            var status = ShardStatus(number: s.number, location: s.location, epoch: nil, problem: nil, contigs: contigs)
            do {
                status.epoch = try c.queryRows("SELECT epoch FROM shard_state_s\(s.number)", unchecked: true).first?.first?.int
            } catch {
                status.problem = error.message
                try? c.execute("ROLLBACK")
            }
            out.append(status)
        }
        return (epoch, out)
    }

    private static func shardURL(of t: PostgresTarget) -> String {
        let user = t.user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? t.user
        let password = t.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? ""
        return "postgres://\(user)\(password)@\(t.host):\(t.port)/\(t.database)?schema=\(t.schema)"
    }

    /// The schema an extension lives in, creating it if it is missing (which needs a user allowed to).
    private static func extensionSchema(_ name: String, on c: PostgresStoreConnection) throws(StoreError) -> String {
        func lookup() throws(StoreError) -> String? {
            guard let row = try c.queryRows("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = '\(name)'").first,
                  case let .text(schema) = row[0] else { return nil }
            return schema
        }
        if let s = try lookup() { return s }
        do {
            try c.execute("CREATE EXTENSION IF NOT EXISTS \(name) SCHEMA public")
        } catch {
            throw StoreError(.database, "the catalog database lacks the \(name) extension, and its user may not create it (\(error.message))",
                             fix: "have a superuser run CREATE EXTENSION \(name); in the catalog database (and grant USAGE ON FOREIGN DATA WRAPPER postgres_fdw to the store's user)")
        }
        return try lookup() ?? "public"
    }
}
