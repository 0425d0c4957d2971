import CSQLite
import Foundation
public import VariantStore

/// Backup and restore of an SQLite store while it is in use. A backup is SQLite's `VACUUM INTO`: it reads one
/// snapshot of the store (a load committing meanwhile is in the copy whole or not at all), writes a compact copy,
/// and blocks neither readers nor writers. A restore checks the copy before it replaces anything.
public enum SQLiteBackup {
    /// Writes a consistent copy of the store at `store` to `destination`, which must not exist; the copy is
    /// owner-only (0600) as the store is.
    public static func backup(store: String, to destination: String) throws(StoreError) {
        guard FileManager.default.fileExists(atPath: store) else {
            throw StoreError(.invalidInput, "no store at \(store)", fix: "name an existing store with --store")
        }
        // The copy is created empty and owner-only first (VACUUM INTO fills an empty file); O_EXCL refuses to
        // overwrite anything already there.
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let why = errno == EEXIST ? "it already exists" : String(cString: strerror(errno))
            throw StoreError(.invalidInput, "cannot write the backup \(destination): \(why)", fix: "name a new file with --to")
        }
        close(fd)
        do {
            // The source is opened without migrations: a backup copies what is there.
            let db = try SQLiteDatabase(path: store)
            try db.execute("VACUUM INTO '\(destination.replacingOccurrences(of: "'", with: "''"))'")
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
    }

    /// Puts the backup `source` in place as the store `store`: the backup is copied beside the store, opened and
    /// its aggregates verified from its calls, and only then renamed over the store (atomic on one file system).
    /// An existing store is replaced only with `replacing`; writers must stop first (a process that has the old store
    /// open keeps writing the old file). `varde serve` notices the staging copy (`/ready` 503) and the new file.
    public static func restore(from source: String, to store: String, replacing: Bool) throws(StoreError) -> StoreStats {
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError(.invalidInput, "no backup at \(source)", fix: "name the backup file with --from")
        }
        if FileManager.default.fileExists(atPath: store) && !replacing {
            throw StoreError(.invalidInput, "a store already exists at \(store)",
                             fix: "restore to a new path, or stop every varde process on it and add --force to replace it")
        }
        let staging = store + ".restoring"
        func removeStaging() { for f in [staging, staging + "-wal", staging + "-shm"] { try? FileManager.default.removeItem(atPath: f) } }
        removeStaging()
        let stats: StoreStats
        do {
            // Streamed by the file system (no copy in memory), then owner-only whatever the backup's mode.
            try FileManager.default.copyItem(atPath: source, toPath: staging)
            chmod(staging, 0o600)
            stats = try verified(staging, named: source)
        } catch {
            removeStaging()
            throw error as? StoreError ?? StoreError(.invalidInput, "cannot restore \(source): \(error)", fix: "check the backup file")
        }
        for f in [staging + "-wal", staging + "-shm", store + "-wal", store + "-shm"] { try? FileManager.default.removeItem(atPath: f) }
        guard rename(staging, store) == 0 else {
            throw StoreError(.invalidInput, "cannot move the restored store into place at \(store): \(String(cString: strerror(errno)))", fix: "check the folder's permissions")
        }
        return stats
    }

    /// Opens the copy at `path` (closing it again before returning, so its WAL is folded in), recomputes every
    /// aggregate from its calls, and returns its statistics; a copy that does not open or verify is an error
    /// naming `source`.
    public static func verified(_ path: String, named source: String) throws -> StoreStats {
        let copy: SQLiteVariantStore
        let problems: [String]
        do {
            copy = try SQLiteVariantStore(path: path)
            problems = try copy.verifyAggregates()
        } catch {
            throw StoreError(.invalidInput, "the backup \(source) cannot be read as a Varde store (cut short, or another file)", fix: "restore an earlier backup")
        }
        guard problems.isEmpty else {
            throw StoreError(.invalidInput, "the backup \(source) does not verify: \(problems.count) aggregates differ from its calls (\(problems[0]))",
                             fix: "restore an earlier backup")
        }
        return try copy.stats()
    }
}
