internal import Foundation
internal import Logging
internal import NIOCore
internal import NIOPosix
internal import PostgresNIO
public import VariantStore
public import VariantStoreSQL

/// The PostgreSQL engine under ``SQLVariantStore``: one PostgresNIO connection, driven synchronously from the store's
/// thread (the service runs stores on NIO's blocking-work pool, the CLI on its own thread; never on an event loop).
///
/// - A store is one schema (`?schema=NAME` in the URL, default `varde`), reached through `search_path`.
/// - Statements keep the store logic's SQL: `?` and `?N` parameters become `$N`, SQLite's two-argument `max`/`min`
///   become `GREATEST`/`LEAST`, `INDEXED BY` hints are dropped and `LIKE` matches as SQLite's does (ASCII case
///   folded: `ILIKE`). Text columns use the "C" collation, so every ORDER BY sorts as SQLite's byte order does.
/// - Statements that return no rows (`run`) are sent without waiting for their answer, so a load streams its inserts;
///   their errors surface at the next read, commit or rollback, and a failed statement fails the transaction.
/// - `.write` transactions take the store's one write lock (a transaction-scoped advisory lock on the schema),
///   waiting up to `VARDE_LOCK_TIMEOUT` seconds; `.read` transactions are REPEATABLE READ: one snapshot.
/// - Every statement runs under `statement_timeout` (`VARDE_STATEMENT_TIMEOUT`, seconds, default 600), since a
///   client-side cancel does not stop a query on the server.
public final class PostgresStoreConnection: SQLConnection {
    public let location: String
    public var engine: SQLEngine { .postgres }
    public var migrations: [SQLMigration] { PostgresSchema.migrations }
    let schema: String
    private let target: PostgresTarget
    private let connection: PostgresNIO.PostgresConnection
    private let logger = Logger(label: "varde.store.postgres")
    let onWait: (@Sendable (String) -> Void)?
    private var cache: [String: PostgresStatement] = [:]
    private var pending: [(sql: String, answer: EventLoopFuture<PostgresQueryResult>)] = []
    private var lastChanges = 0
    public internal(set) var inTransaction = false
    /// Set when the store is sharded (``ShardedSchema``): its shards, and whether the open transaction writes.
    var sharding: Sharding?
    var writing = false
    let lockTimeout: Int

    /// The event loop every store connection of this process runs on: its own, so that waiting for an answer never
    /// happens on a loop some other part (the HTTP server) uses.
    private static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    public init(url: String, onWait: (@Sendable (String) -> Void)? = nil) throws(StoreError) {
        target = try PostgresTarget(url: url)
        schema = target.schema
        location = target.redacted
        self.onWait = onWait
        let config = PostgresNIO.PostgresConnection.Configuration(host: target.host, port: target.port, username: target.user,
                                                                  password: target.password, database: target.database, tls: .disable)
        do {
            connection = try PostgresNIO.PostgresConnection.connect(on: Self.loops.next(), configuration: config, id: 1, logger: logger).wait()
        } catch {
            throw StoreError(.database, "cannot connect to the PostgreSQL store \(target.redacted): \(PostgresErrorText.of(error))",
                             fix: "check that the server is running and the URL's host, port, user, password and database")
        }
        let timeout = Self.seconds("VARDE_STATEMENT_TIMEOUT", default: 600)
        lockTimeout = Self.seconds("VARDE_LOCK_TIMEOUT", default: 3600)
        try execute("SET statement_timeout = '\(timeout)s'; SET lock_timeout = '\(lockTimeout)s'; SET client_min_messages = warning")
        // Two first opens at once may both try to create the schema: the loser retries, then finds it.
        do {
            try execute("CREATE SCHEMA IF NOT EXISTS \(Self.quoted(schema))")
        } catch {
            try execute("CREATE SCHEMA IF NOT EXISTS \(Self.quoted(schema))")
        }
        try execute("SET search_path TO \(Self.quoted(schema))")
        if try hasTable("shard") { sharding = try Sharding(loading: self) }
    }

    deinit {
        cache.removeAll()
        _ = try? waitPending()
        try? connection.close().wait()
    }

    // MARK: - SQLConnection

    public func execute(_ sql: String) throws(StoreError) {
        try waitPending()
        for statement in PostgresSQL.statements(sql) {
            do {
                _ = try connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).wait()
            } catch {
                throw storeError(error, sql: statement)
            }
        }
    }

    public func hasTable(_ name: String) throws(StoreError) -> Bool {
        try scalarInt("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?", [.text(name)]) == 1
    }

    public func statement(_ sql: String) throws(StoreError) -> any SQLStatement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = PostgresStatement(connection: self, sql: sql, translated: PostgresSQL.translate(sql))
        cache[sql] = s
        return s
    }

    public func resetAll() {
        for s in cache.values { s.reset() }
    }

    public func begin(_ mode: SQLTransactionMode) throws(StoreError) {
        if sharding != nil { return try beginSharded(mode) }
        try beginOnCatalog(mode)
    }

    /// BEGIN, and for a write the store's write lock.
    func beginOnCatalog(_ mode: SQLTransactionMode) throws(StoreError) {
        writing = mode == .write
        switch mode {
        case .read:
            try execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            inTransaction = true
        case .write:
            try execute("BEGIN")
            inTransaction = true
            do {
                // One writer per store, as SQLite's write lock: try first, and say so when we have to wait.
                if try queryRows("SELECT pg_try_advisory_xact_lock(\(Self.lockClass), hashtext(current_schema()))").first?.first?.int != 1 {
                    onWait?("waiting for another process (a load, erase or compaction) to finish writing \(location)")
                    _ = try queryRows("SELECT pg_advisory_xact_lock(\(Self.lockClass), hashtext(current_schema()))")
                }
            } catch {
                rollback()
                throw error
            }
        }
    }

    public func commit() throws(StoreError) {
        do {
            try waitPending()
            if sharding != nil, writing { _ = try queryRows("SELECT varde_publish()") }
        } catch {
            rollback()
            throw error
        }
        // After a failed statement PostgreSQL answers COMMIT with ROLLBACK and no error: never take that as success.
        let tag: String
        do {
            tag = try connection.query(PostgresQuery(unsafeSQL: "COMMIT"), logger: logger).wait().metadata.command
        } catch {
            inTransaction = false
            writing = false
            throw storeError(error, sql: "COMMIT")
        }
        inTransaction = false
        writing = false
        guard tag == "COMMIT" else {
            throw StoreError(.database, "PostgreSQL rolled the transaction back instead of committing it (\(tag)); nothing was changed",
                             fix: "run the command again; the server's log says what failed")
        }
    }

    public func rollback() {
        _ = try? waitPending()
        _ = try? connection.query(PostgresQuery(unsafeSQL: "ROLLBACK"), logger: logger).wait()
        inTransaction = false
        writing = false
    }

    public var lastInsertRowID: Int64 {
        get throws(StoreError) {
            Int64(try queryRows("SELECT current_setting('varde.last_insert_id', true)").first?.first?.int ?? 0)
        }
    }

    public var changes: Int {
        get throws(StoreError) {
            try waitPending()
            return lastChanges
        }
    }

    /// None: a region is read on this connection alone (the server already reads in its own processes).
    public func openCompanion() throws(StoreError) -> (any SQLConnection)? { nil }

    public func bytesUsed() throws(StoreError) -> Int {
        let here = try queryRows("""
            SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'
            """).first?.first?.int ?? 0
        return try here + shardBytes()
    }

    public func beginErasure() throws(StoreError) {}

    /// VACUUM the tables an erasure rewrites, so the old row versions are removed from the heap and their space reused
    /// (a plain VACUUM takes no lock readers wait for; `VACUUM FULL` also returns the space to the file system, see
    /// the README). Copies in WAL archives and backups last until those rotate out.
    public func finishErasure(committed: Bool) throws(StoreError) {
        guard committed else { return }
        let onShards = sharding == nil ? [] : ShardedSchema.tables.map(\.name)
        for table in ["calls_segment", "variant", "coverage", "sample", "person", "annotation", "cohort_member"] where !onShards.contains(table) {
            try execute("VACUUM \(table)")
        }
        try vacuumShards()
    }

    // MARK: - Running statements

    /// Sends a statement whose rows nobody reads, without waiting for its answer.
    func send(_ sql: String, _ binds: [SQLValue]) throws(StoreError) {
        if sharding != nil, !inTransaction {
            // A sharded store is only ever changed by a published write.
            try begin(.write)
            do { try send(sql, binds); try commit() } catch { rollback(); throw error }
            return
        }
        let query = try Self.query(sql, binds)
        pending.append((sql, connection.query(query, logger: logger)))
        if pending.count >= 512 { try waitPending() }
    }

    /// Runs a statement and returns its rows.
    func queryRows(_ sql: String, _ binds: [SQLValue] = [], unchecked: Bool = false) throws(StoreError) -> [[PostgresValue]] {
        if sharding != nil, !inTransaction, !unchecked {
            // A sharded store is only ever read where every shard shows the same published writes.
            try begin(.read)
            do { let rows = try queryRows(sql, binds); try commit(); return rows } catch { rollback(); throw error }
        }
        try waitPending()
        let query = try Self.query(sql, binds)
        let result: PostgresQueryResult
        do {
            result = try connection.query(query, logger: logger).wait()
        } catch {
            throw storeError(error, sql: sql)
        }
        lastChanges = result.metadata.rows ?? 0
        return result.rows.map { row in row.map(PostgresValue.init) }
    }

    /// Waits for every statement sent and not yet answered; throws the first failure.
    private func waitPending() throws(StoreError) {
        guard !pending.isEmpty else { return }
        let sent = pending
        pending.removeAll(keepingCapacity: true)
        var first: (error: any Error, sql: String)?
        for f in sent {
            do {
                lastChanges = try f.answer.wait().metadata.rows ?? 0
            } catch {
                if first == nil { first = (error, f.sql) }
            }
        }
        if let first { throw storeError(first.error, sql: first.sql) }
    }

    private static func query(_ sql: String, _ binds: [SQLValue]) throws(StoreError) -> PostgresQuery {
        var b = PostgresBindings(capacity: binds.count)
        for v in binds {
            switch v {
            case let .int(x): b.append(x)
            case let .text(x): b.append(x)
            case let .blob(x): b.append(ByteBuffer(bytes: x))
            case let .real(x): b.append(x)
            case .null: b.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: b)
    }

    // MARK: - Errors in the user's terms

    static let lockClass = 0x7661   // "va": the advisory-lock class of Varde's write lock

    func storeError(_ error: any Error, sql: String?) -> StoreError {
        let text = PostgresErrorText.of(error)
        if let sharding, let e = sharding.shardError(text, location: location) { return e }
        let where_ = sql.map { " in: \($0.prefix(160))" } ?? ""
        if let e = error as? PSQLError, let code = e.serverInfo?[.sqlState] {
            switch code {
            case "55P03":
                return StoreError(.busy, "the store \(location) stayed locked by another process past VARDE_LOCK_TIMEOUT",
                                  fix: "wait for the other varde load, erase or compact to finish, or raise VARDE_LOCK_TIMEOUT (seconds)")
            case "57014":
                return StoreError(.database, "a query on \(location) ran past VARDE_STATEMENT_TIMEOUT and was stopped by the server",
                                  fix: "raise VARDE_STATEMENT_TIMEOUT (seconds) if the store is that large")
            case "53100":
                return StoreError(.database, "the disk of the PostgreSQL server holding \(location) is full; the change was rolled back",
                                  fix: "free space on that server and run the command again")
            case "42501":
                return StoreError(.database, "the PostgreSQL user of \(location) may not do this (\(text))",
                                  fix: "grant the user rights on the database and the store's schema, or use the store's owner")
            default: break
            }
        }
        if let e = error as? PSQLError, e.serverInfo == nil {
            return StoreError(.database, "lost the connection to the PostgreSQL store \(location): \(text)",
                              fix: "check that the server is running; the change was not committed")
        }
        return StoreError(.database, "the PostgreSQL store \(location) could not run a query (\(text))\(where_)")
    }

    static func quoted(_ identifier: String) -> String { "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    static func seconds(_ name: String, default value: Int) -> Int {
        guard let v = ProcessInfo.processInfo.environment[name], let s = Double(v), s >= 0 else { return value }
        return Int(s.rounded(.up))
    }
}

/// One column value of a fetched row.
enum PostgresValue {
    case null
    case int(Int)
    case double(Double)
    case text(String)
    case bytes([UInt8])

    init(_ cell: PostgresCell) {
        guard var buffer = cell.bytes else { self = .null; return }
        switch cell.dataType {
        case .int2: self = .int(Int(buffer.readInteger(as: Int16.self) ?? 0))
        case .int4: self = .int(Int(buffer.readInteger(as: Int32.self) ?? 0))
        case .int8: self = .int(Int(buffer.readInteger(as: Int64.self) ?? 0))
        case .oid: self = .int(Int(buffer.readInteger(as: UInt32.self) ?? 0))
        case .bool: self = .int(Int(buffer.readInteger(as: UInt8.self) ?? 0))
        case .float8, .float4: self = .double((try? cell.decode(Double.self)) ?? 0)
        case .numeric:
            let d = (try? cell.decode(Decimal.self)) ?? 0
            self = .int(NSDecimalNumber(decimal: d).intValue)
        case .bytea: self = .bytes(buffer.readBytes(length: buffer.readableBytes) ?? [])
        default: self = .text(buffer.readString(length: buffer.readableBytes) ?? "")
        }
    }

    var int: Int? {
        switch self {
        case let .int(v): v
        case let .double(v): Int(v)
        case let .text(t): Int(t)
        default: nil
        }
    }
}

/// A statement of ``PostgresStoreConnection``: bound values, then the whole answer fetched at the first `step`.
final class PostgresStatement: SQLStatement {
    private unowned let connection: PostgresStoreConnection
    let sql: String
    private let translated: String
    private var binds: [SQLValue] = []
    private var rows: [[PostgresValue]]?
    private var index = -1

    init(connection: PostgresStoreConnection, sql: String, translated: String) {
        self.connection = connection
        self.sql = sql
        self.translated = translated
    }

    func reset() {
        rows = nil
        index = -1
        binds.removeAll(keepingCapacity: true)
    }

    func bind(_ values: [SQLValue]) throws(StoreError) {
        rows = nil
        index = -1
        binds = values
    }

    func step() throws(StoreError) -> Bool {
        if rows == nil {
            rows = try connection.queryRows(translated, binds)
            index = -1
        }
        index += 1
        return index < rows!.count
    }

    func run(_ values: [SQLValue]) throws(StoreError) {
        reset()
        try connection.send(translated, values)
    }

    private func value(_ col: Int32) -> PostgresValue {
        guard let rows, index >= 0, index < rows.count, Int(col) < rows[index].count else { return .null }
        return rows[index][Int(col)]
    }

    func int(_ col: Int32) -> Int { value(col).int ?? 0 }
    func double(_ col: Int32) -> Double {
        switch value(col) {
        case let .double(d): d
        case let .int(i): Double(i)
        default: 0
        }
    }
    func isNull(_ col: Int32) -> Bool { if case .null = value(col) { true } else { false } }
    func isBlob(_ col: Int32) -> Bool { if case .bytes = value(col) { true } else { false } }
    func text(_ col: Int32) -> String? {
        switch value(col) {
        case .null: nil
        case let .text(t): t
        case let .int(i): String(i)
        case let .double(d): String(d)
        case let .bytes(b): String(decoding: b, as: UTF8.self)
        }
    }
    func blob(_ col: Int32) -> [UInt8] {
        switch value(col) {
        case let .bytes(b): b
        case let .text(t): Array(t.utf8)
        default: []
        }
    }
    func withBlob<T, E: Error>(_ col: Int32, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        let bytes = blob(col)
        var result: Result<T, E>?
        bytes.withUnsafeBytes { p in result = Result { () throws(E) -> T in try body(p) } }
        return try result!.get()
    }
    func byteCount(_ col: Int32) -> Int {
        switch value(col) {
        case let .bytes(b): b.count
        case let .text(t): t.utf8.count
        default: 0
        }
    }
}
