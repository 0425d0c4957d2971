@_exported public import VariantStoreSQL
public import VariantStore

/// A store in PostgreSQL: the store logic every engine shares (``SQLVariantStore``) over one PostgreSQL connection.
public typealias PostgresVariantStore = SQLVariantStore

extension SQLVariantStore {
    /// Opens (creating if needed, and migrating) the store at a `postgres://` URL. `onWait` hears once when another
    /// process holds the store's write lock.
    public convenience init(postgres url: String, onWait: (@Sendable (String) -> Void)? = nil) throws(StoreError) {
        try self.init(connection: try PostgresStoreConnection(url: url, onWait: onWait))
    }
}
