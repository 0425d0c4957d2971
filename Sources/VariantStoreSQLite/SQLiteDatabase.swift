internal import CSQLite
public import VariantStore
public import VariantStoreSQL

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// A thin owner of one SQLite connection and its prepared statements: the SQLite engine under ``SQLVariantStore``.
/// Not `Sendable`: one per task.
public final class SQLiteDatabase: SQLConnection {
    let path: String
    private(set) var handle: OpaquePointer
    private var cache: [String: Statement] = [:]
    private let waiter: LockWaiter

    init(path: String, onWait: (@Sendable (String) -> Void)? = nil) throws(StoreError) {
        self.path = path
        var db: OpaquePointer?
        Self.createOwnerOnly(path)
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &db, flags, nil) == SQLITE_OK, let db else {
            let msg = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw StoreError(.database, "cannot open the store \(path): \(msg)", fix: "check the path and that its folder is writable")
        }
        handle = db
        waiter = LockWaiter(path: path, notice: onWait)
        // Writers take turns: another process's load, erasure or compaction holds the write lock for as long as
        // it runs, so wait (saying so after a second) instead of failing after SQLite's default of no wait.
        sqlite3_busy_handler(db, lockWaitCallback, Unmanaged.passUnretained(waiter).toOpaque())
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    public func execute(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw SQLiteDatabase.storeError(code: sqlite3_extended_errcode(handle), message: msg, path: path, waited: waiter.waited)
        }
    }

    public var location: String { path }
    public var engine: SQLEngine { .sqlite }
    public var migrations: [SQLMigration] { SQLiteSchema.migrations }

    /// `.write` is `BEGIN IMMEDIATE` (the write lock now, waiting through the busy handler); `.read` is `DEFERRED`:
    /// in WAL mode every read inside sees one committed state.
    public func hasTable(_ name: String) throws(StoreError) -> Bool {
        try scalarInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [.text(name)]) == 1
    }

    public func begin(_ mode: SQLTransactionMode) throws(StoreError) {
        try execute(mode == .write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
    }
    public func commit() throws(StoreError) { try execute("COMMIT") }
    public func rollback() { try? execute("ROLLBACK") }
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    public func openCompanion() throws(StoreError) -> (any SQLConnection)? { try SQLiteDatabase(path: path) }

    public func bytesUsed() throws(StoreError) -> Int {
        let pages = try scalarInt("PRAGMA page_count") ?? 0
        let free = try scalarInt("PRAGMA freelist_count") ?? 0
        let pageSize = try scalarInt("PRAGMA page_size") ?? 4096
        return (pages - free) * pageSize
    }

    /// Freed pages are overwritten with zeros, so no genotype bytes of an erased person stay in the file.
    public func beginErasure() throws(StoreError) { try execute("PRAGMA secure_delete = ON") }

    /// Checkpoints the WAL into the file, rebuilds the file without its free pages, and truncates the WAL, so no
    /// copy of a rewritten page stays in either.
    public func finishErasure(committed: Bool) throws(StoreError) {
        defer { try? execute("PRAGMA secure_delete = OFF") }
        guard committed else { return }
        try execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try execute("VACUUM")
        try execute("PRAGMA wal_checkpoint(TRUNCATE)")
    }

    /// A cached prepared statement, reset and with its bindings cleared.
    public func statement(_ sql: String) throws(StoreError) -> any SQLStatement { try sqliteStatement(sql) }

    func sqliteStatement(_ sql: String) throws(StoreError) -> Statement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = try Statement(db: self, sql: sql)
        cache[sql] = s
        return s
    }

    /// Resets every cached statement, so none holds a read open (checkpoints and VACUUM need that).
    public func resetAll() {
        for s in cache.values { s.reset() }
    }

    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    public var changes: Int { Int(sqlite3_changes(handle)) }

    func error(_ context: String) -> StoreError {
        Self.storeError(code: sqlite3_extended_errcode(handle), message: String(cString: sqlite3_errmsg(handle)), path: path,
                        waited: waiter.waited)
    }

    /// A store error in the user's terms: what happened to the store and what to do, never SQLite's own text for
    /// the conditions a user can meet (a lock held too long, a full disk, a read-only or damaged file).
    static func storeError(code: Int32, message: String, path: String, waited: Double) -> StoreError {
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(.busy, "the store \(path) stayed locked by another process for \(Int(waited)) s",
                              fix: "wait for the other varde load, erase or compact to finish, or raise VARDE_LOCK_TIMEOUT (seconds, default \(Int(LockWaiter.limit)))")
        case SQLITE_FULL:
            return StoreError(.database, "the disk holding the store \(path) is full; the change was rolled back",
                              fix: "free space on that disk and run the command again")
        case SQLITE_READONLY, SQLITE_PERM, SQLITE_CANTOPEN:
            return StoreError(.database, "the store \(path) cannot be written by this user",
                              fix: "run as the store's owner, or check the permissions of the file and its folder")
        case SQLITE_CORRUPT, SQLITE_NOTADB:
            return StoreError(.corrupt, "\(path) is damaged or is not a Varde store", fix: "restore the store from a backup")
        case SQLITE_IOERR:
            return StoreError(.database, "reading or writing the store \(path) failed (I/O error \(code))",
                              fix: "check the disk; the change was rolled back")
        default:
            return StoreError(.database, "the store \(path) could not run a query (\(message))")
        }
    }
}

/// Waits for another connection's lock: backs off up to 50 ms a try, tells `notice` once after a second, and gives
/// up after ``limit`` seconds (`VARDE_LOCK_TIMEOUT`, default an hour: a compaction or a large load may hold the lock
/// that long).
final class LockWaiter {
    static let limit: Double = {
        guard let v = getenv("VARDE_LOCK_TIMEOUT").map({ String(cString: $0) }), let s = Double(v), s >= 0 else { return 3600 }
        return s
    }()
    let path: String
    let notice: (@Sendable (String) -> Void)?
    private var started: UInt64 = 0
    private var told = false
    /// Seconds waited in the last wait.
    private(set) var waited: Double = 0

    init(path: String, notice: (@Sendable (String) -> Void)?) {
        self.path = path
        self.notice = notice
    }

    /// Whether to try again (`attempt` counts the tries of this wait, from 0).
    func shouldRetry(attempt: Int32) -> Bool {
        let now = Self.monotonicNanoseconds()
        if attempt == 0 { started = now; told = false }
        waited = Double(now - started) / 1e9
        if waited >= 1, !told {
            told = true
            notice?("waiting for another process (a load, erase or compaction) to finish writing \(path)")
        }
        guard waited < Self.limit else { return false }
        usleep(UInt32(min(50_000, 1_000 << min(Int(attempt), 6))))
        return true
    }

    static func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }
}

private let lockWaitCallback: @convention(c) (UnsafeMutableRawPointer?, Int32) -> Int32 = { context, attempt in
    guard let context else { return 0 }
    return Unmanaged<LockWaiter>.fromOpaque(context).takeUnretainedValue().shouldRetry(attempt: attempt) ? 1 : 0
}

final class Statement: SQLStatement {
    private let stmt: OpaquePointer
    private unowned let db: SQLiteDatabase
    public let sql: String

    init(db: SQLiteDatabase, sql: String) throws(StoreError) {
        var s: OpaquePointer?
        guard sqlite3_prepare_v3(db.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &s, nil) == SQLITE_OK, let s else {
            throw db.error("preparing \(sql.prefix(120))")
        }
        self.stmt = s
        self.db = db
        self.sql = sql
    }

    deinit { sqlite3_finalize(stmt) }

    public func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    public func bind(_ values: [SQLValue]) throws(StoreError) {
        for (i, v) in values.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch v {
            case let .int(x): rc = sqlite3_bind_int64(stmt, idx, Int64(x))
            case let .real(x): rc = sqlite3_bind_double(stmt, idx, x)
            case let .text(x): rc = sqlite3_bind_text(stmt, idx, x, -1, csqlite_transient())
            case let .blob(x):
                rc = x.withUnsafeBytes { sqlite3_bind_blob(stmt, idx, $0.baseAddress, Int32($0.count), csqlite_transient()) }
            case .null: rc = sqlite3_bind_null(stmt, idx)
            }
            guard rc == SQLITE_OK else { throw db.error("binding parameter \(idx) of \(sql.prefix(80))") }
        }
    }

    /// Steps once: `true` when a row is available, `false` when done.
    @discardableResult
    public func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let e = db.error("running \(sql.prefix(120))")
        sqlite3_reset(stmt)
        throw e
    }

    /// Resets, binds, runs to completion (so one statement can run again and again).
    public func run(_ values: [SQLValue]) throws(StoreError) {
        sqlite3_reset(stmt)
        try bind(values)
        while try step() {}
    }

    public func int(_ col: Int32) -> Int { Int(sqlite3_column_int64(stmt, col)) }
    public func double(_ col: Int32) -> Double { sqlite3_column_double(stmt, col) }
    public func isNull(_ col: Int32) -> Bool { sqlite3_column_type(stmt, col) == SQLITE_NULL }
    public func text(_ col: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, col) else { return nil }
        return String(cString: p)
    }
    /// The column's bytes without copying, valid only inside `body`.
    public func withBlob<T, E: Error>(_ col: Int32, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        let n = Int(sqlite3_column_bytes(stmt, col))
        guard n > 0, let p = sqlite3_column_blob(stmt, col) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: p, count: n))
    }

    /// The length in bytes of a text or blob column, without reading it into a value.
    public func byteCount(_ col: Int32) -> Int { Int(sqlite3_column_bytes(stmt, col)) }

    public func isBlob(_ col: Int32) -> Bool { sqlite3_column_type(stmt, col) == SQLITE_BLOB }

    public func blob(_ col: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, col))
        guard n > 0, let p = sqlite3_column_blob(stmt, col) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
