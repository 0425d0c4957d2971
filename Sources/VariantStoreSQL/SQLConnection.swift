public import VariantStore

/// One connection to a store's database, as the store's logic (``SQLVariantStore``) needs it: statements with
/// `?` parameters stepped row by row, transactions, and the few things that differ between engines (the write
/// lock, reclaiming space, the bytes used). SQLite (`VariantStoreSQLite`) and PostgreSQL (`VariantStorePostgres`)
/// implement it, so both backends run one store logic and give the same answers. Not `Sendable`: one per task.
public protocol SQLConnection: AnyObject {
    /// Where the store is, for messages (a path, or a URL without its password).
    var location: String { get }
    var engine: SQLEngine { get }
    /// The engine's migrations: the same ids in every engine, each with that engine's DDL.
    var migrations: [SQLMigration] { get }

    func execute(_ sql: String) throws(StoreError)
    /// Whether the store has a table of this name (before its first migration it has none).
    func hasTable(_ name: String) throws(StoreError) -> Bool
    /// A prepared statement with its bindings cleared (cached: the same text gives the same statement).
    func statement(_ sql: String) throws(StoreError) -> any SQLStatement
    /// Resets every cached statement, so none holds a read open.
    func resetAll()

    /// Opens a transaction: `.write` takes the store's single write lock now (waiting for another writer);
    /// `.read` is one snapshot that a commit elsewhere does not change.
    func begin(_ mode: SQLTransactionMode) throws(StoreError)
    func commit() throws(StoreError)
    func rollback()
    /// Whether a transaction is open on this connection.
    var inTransaction: Bool { get }

    /// The id the last insert gave its row: SQLite's rowid; on PostgreSQL the id `varde_next_id` gave the row (the
    /// same max + 1 rule), recorded by that function for this transaction.
    var lastInsertRowID: Int64 { get throws(StoreError) }
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    var changes: Int { get throws(StoreError) }

    /// Another connection to the same store, for reads beside this one (nil where the engine gains nothing).
    func openCompanion() throws(StoreError) -> (any SQLConnection)?

    /// Bytes the store's tables and indexes use.
    func bytesUsed() throws(StoreError) -> Int
    /// Called before an erasure's transaction (SQLite: overwrite freed pages with zeros from now on).
    func beginErasure() throws(StoreError)
    /// Called after it: when it committed, give the freed space back and leave no old copy of a row in the files the
    /// engine controls (SQLite: checkpoint, VACUUM; PostgreSQL: VACUUM the rewritten tables).
    func finishErasure(committed: Bool) throws(StoreError)
}

public enum SQLEngine: Sendable, Equatable {
    case sqlite, postgres
}

public enum SQLTransactionMode: Sendable {
    case write, read
}

/// A named migration: its id (the same in every engine), this engine's SQL, and a step in Swift run after the SQL.
public struct SQLMigration: Sendable {
    public enum Step: Sendable { case callsToSegments, pseudonymsToBlobs }
    public var id: String
    public var sql: String
    public var step: Step?
    public init(_ id: String, step: Step? = nil, _ sql: String) {
        self.id = id
        self.sql = sql
        self.step = step
    }
}

/// A prepared statement: bind, step, read the current row's columns (0-based).
public protocol SQLStatement: AnyObject {
    var sql: String { get }
    func reset()
    func bind(_ values: [SQLValue]) throws(StoreError)
    /// Steps once: `true` when a row is available, `false` when done.
    @discardableResult func step() throws(StoreError) -> Bool
    /// Resets, binds, runs to completion (so one statement can run again and again).
    func run(_ values: [SQLValue]) throws(StoreError)

    func int(_ col: Int32) -> Int
    func double(_ col: Int32) -> Double
    func isNull(_ col: Int32) -> Bool
    func isBlob(_ col: Int32) -> Bool
    func text(_ col: Int32) -> String?
    func blob(_ col: Int32) -> [UInt8]
    /// The column's bytes without copying, valid only inside `body`.
    func withBlob<T, E: Error>(_ col: Int32, _ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T
    /// The length in bytes of a text or blob column, without reading it into a value.
    func byteCount(_ col: Int32) -> Int
}

extension SQLStatement {
    public func run() throws(StoreError) { try run([]) }

    /// A pseudonym column (``SQLValue/pseudonym(_:)``) as lower-case hex.
    public func pseudonym(_ col: Int32) -> String {
        guard isBlob(col) else { return text(col) ?? "" }
        let bytes = blob(col)
        // 0xFF marks text, but one HMAC in 256 also begins with 0xFF: text only when the rest is valid UTF-8, which
        // the other 31 random bytes of such an HMAC are about once in 10^8 (51 of cohort10k's 10,000 people read as
        // text before, and `fhir export` could not name their bundle files).
        if bytes.first == 0xFF, let text = String(validating: bytes.dropFirst(), as: UTF8.self) { return text }
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for b in bytes { out.append(hex[Int(b >> 4)]); out.append(hex[Int(b & 15)]) }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SQLConnection {
    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws. Cached statements are
    /// reset first either way, so none holds the transaction open.
    public func transaction<T>(_ mode: SQLTransactionMode = .write, _ body: () throws -> T) throws -> T {
        try begin(mode)
        do {
            let value = try body()
            resetAll()
            try commit()
            return value
        } catch {
            resetAll()
            rollback()
            throw error
        }
    }

    /// Runs `body`'s reads in one snapshot: inside the caller's transaction if one is open, else in its own.
    public func reading<T>(_ body: () throws -> T) throws -> T {
        inTransaction ? try body() : try transaction(.read, body)
    }

    public func scalarInt(_ sql: String, _ bindings: [SQLValue] = []) throws(StoreError) -> Int? {
        let s = try statement(sql)
        try s.bind(bindings)
        defer { s.reset() }
        guard try s.step() else { return nil }
        return s.isNull(0) ? nil : s.int(0)
    }
}

/// A value to bind.
public enum SQLValue: Sendable {
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
    /// and its index). Anything that is not lower-case hex is stored as its UTF-8 bytes with a leading 0xFF, so the
    /// column holds bytes in every engine. An HMAC may begin with 0xFF too: the reader tells them apart by UTF-8
    /// validity (``SQLStatement/pseudonym(_:)``).
    static func pseudonym(_ hex: String) -> SQLValue {
        let digits = Array(hex.utf8)
        let other = SQLValue.blob([0xFF] + digits)
        guard !digits.isEmpty, digits.count % 2 == 0 else { return other }
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
            guard let h = nibble(digits[i]), let l = nibble(digits[i + 1]) else { return other }
            out.append(h << 4 | l)
            i += 2
        }
        return .blob(out)
    }
}
