public import VariantStore
internal import VariantStoreSQLite
internal import VariantStorePostgres

/// Every capability a command or the service may ask of a store: the ``VariantStore`` protocols, the OMOP carrier scan
/// and the OMOP vocabulary.
public typealias AnyVariantStore = any VariantStore & CarrierScan & VocabularyStore

/// The one place that turns what a user gives as `--store` (or `VARDE_STORE`) into a backend: a path is an SQLite
/// file (the embedded default); a `postgres://` or `postgresql://` URL is a PostgreSQL store.
public enum StoreFactory {
    public enum Location: Equatable, Sendable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public static func location(_ text: String) -> Location {
        let lower = text.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") ? .postgres(url: text) : .sqlite(path: text)
    }

    /// Opens (creating if needed, and migrating) the store at `location`. `onWait` hears once when another process
    /// has held the store's write lock for a second.
    public static func open(_ location: String, onWait: (@Sendable (String) -> Void)? = nil) throws -> AnyVariantStore {
        switch Self.location(location) {
        case let .sqlite(path):
            return try SQLiteVariantStore(path: path, onWait: onWait)
        case let .postgres(url):
            return try SQLVariantStore(postgres: url, onWait: onWait)
        }
    }

    /// A URL without its password, for messages (a path as it is).
    public static func redacted(_ url: String) -> String { PostgresTarget.redact(url) }
}
