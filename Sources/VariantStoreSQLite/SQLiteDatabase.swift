internal import CSQLite
public import VariantStore

/// A thin owner of one SQLite connection and its prepared statements. Not `Sendable`: one per task.
final class SQLiteDatabase {
    let path: String
    private(set) var handle: OpaquePointer
    private var cache: [String: Statement] = [:]

    init(path: String) throws(StoreError) {
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
        sqlite3_busy_timeout(db, 30_000)
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func execute(_ sql: String) throws(StoreError) {
        var err: UnsafeMutablePointer<CChar>?
        if sqlite3_exec(handle, sql, nil, nil, &err) != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(err)
            throw StoreError(.database, "SQLite: \(msg) in: \(sql.prefix(120))")
        }
    }

    /// Runs `body` in one transaction (`BEGIN IMMEDIATE` takes the write lock now; `DEFERRED` for reads):
    /// committed when it returns, rolled back when it throws. Cached statements are reset first either way,
    /// so none holds the transaction open.
    func transaction<T>(_ mode: String = "IMMEDIATE", _ body: () throws -> T) throws -> T {
        try execute("BEGIN \(mode)")
        do {
            let value = try body()
            resetAll()
            try execute("COMMIT")
            return value
        } catch {
            resetAll()
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Runs `body`'s reads in one snapshot: inside the caller's transaction if one is open, else in its own.
    func reading<T>(_ body: () throws -> T) throws -> T {
        sqlite3_get_autocommit(handle) != 0 ? try transaction("DEFERRED", body) : try body()
    }

    /// A cached prepared statement, reset and with its bindings cleared.
    func statement(_ sql: String) throws(StoreError) -> Statement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = try Statement(db: self, sql: sql)
        cache[sql] = s
        return s
    }

    /// Resets every cached statement, so none holds a read open (checkpoints and VACUUM need that).
    func resetAll() {
        for s in cache.values { s.reset() }
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    var changes: Int { Int(sqlite3_changes(handle)) }

    func error(_ context: String) -> StoreError {
        StoreError(.database, "SQLite: \(String(cString: sqlite3_errmsg(handle))) (\(context))")
    }

    func scalarInt(_ sql: String, _ bindings: [SQLValue] = []) throws(StoreError) -> Int? {
        let s = try statement(sql)
        try s.bind(bindings)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return s.isNull(0) ? nil : s.int(0)
    }
}

/// A value to bind.
enum SQLValue {
    case int(Int)
    case text(String)
    case blob([UInt8])
    case real(Double)
    case null
}

extension SQLValue {
    static func optional(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }
    static func optional(_ i: Int?) -> SQLValue { i.map { .int($0) } ?? .null }
    static func blobOrNull(_ b: [UInt8]) -> SQLValue { b.isEmpty ? .null : .blob(b) }

    /// A pseudonym as stored: the HMAC's 32 bytes, not its 64 hex characters (half the bytes in the person table
    /// and its index). Anything that is not lower-case hex is stored as the text it is.
    static func pseudonym(_ hex: String) -> SQLValue {
        let digits = Array(hex.utf8)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return .text(hex) }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var i = 0
        while i < digits.count {
            guard let h = nibble(digits[i]), let l = nibble(digits[i + 1]) else { return .text(hex) }
            out.append(h << 4 | l)
            i += 2
        }
        return .blob(out)
    }
}

final class Statement {
    private let stmt: OpaquePointer
    private unowned let db: SQLiteDatabase
    let sql: String

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

    func reset() {
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
    }

    func bind(_ values: [SQLValue]) throws(StoreError) {
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
    func step() throws(StoreError) -> Bool {
        let rc = sqlite3_step(stmt)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        let e = db.error("running \(sql.prefix(120))")
        sqlite3_reset(stmt)
        throw e
    }

    /// Resets, binds, runs to completion (so one statement can run again and again).
    func run(_ values: [SQLValue] = []) throws(StoreError) {
        sqlite3_reset(stmt)
        try bind(values)
        while try step() {}
    }

    func int(_ col: Int32) -> Int { Int(sqlite3_column_int64(stmt, col)) }
    func double(_ col: Int32) -> Double { sqlite3_column_double(stmt, col) }
    func isNull(_ col: Int32) -> Bool { sqlite3_column_type(stmt, col) == SQLITE_NULL }
    func text(_ col: Int32) -> String? {
        guard let p = sqlite3_column_text(stmt, col) else { return nil }
        return String(cString: p)
    }
    /// The column's bytes without copying, valid only inside `body`.
    func withBlob<T, E: Error>(_ col: Int32, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        let n = Int(sqlite3_column_bytes(stmt, col))
        guard n > 0, let p = sqlite3_column_blob(stmt, col) else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: p, count: n))
    }

    /// The length in bytes of a text or blob column, without reading it into a value.
    func byteCount(_ col: Int32) -> Int { Int(sqlite3_column_bytes(stmt, col)) }

    /// A pseudonym column (``SQLValue/pseudonym(_:)``) as lower-case hex.
    func pseudonym(_ col: Int32) -> String {
        guard sqlite3_column_type(stmt, col) == SQLITE_BLOB else { return text(col) ?? "" }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in blob(col) { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }

    func blob(_ col: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(stmt, col))
        guard n > 0, let p = sqlite3_column_blob(stmt, col) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }
}
