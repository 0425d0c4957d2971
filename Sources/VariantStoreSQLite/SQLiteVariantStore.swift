@_exported public import VariantStoreSQL
public import VariantStore

/// The embedded default store: one SQLite file in WAL mode, run by the store logic every engine shares
/// (``SQLVariantStore``). Each batch is one transaction, so a load that fails or is killed leaves the store exactly
/// as it was.
public typealias SQLiteVariantStore = SQLVariantStore

extension SQLVariantStore {
    /// Opens (creating if needed) the SQLite store at `path` and runs pending migrations. `onWait` hears once when
    /// another process has held the store's write lock for a second (the CLI says so on stderr).
    public convenience init(path: String, onWait: (@Sendable (String) -> Void)? = nil) throws(StoreError) {
        let db = try SQLiteDatabase(path: path, onWait: onWait)
        // 16 KiB pages keep most genotype rows in-page: with 4 KiB pages a WITHOUT ROWID row over ~1 KB spills
        // into overflow pages whose unused tails cost 14.5 MB of 32.7 MB on the 10,000-sample benchmark.
        // page_size only takes effect on a new, empty file (before WAL is set).
        try db.execute("PRAGMA page_size = 16384")
        try db.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;")
        try self.init(connection: db)
    }
}
