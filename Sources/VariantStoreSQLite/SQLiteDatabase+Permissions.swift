#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteDatabase {
    /// Creates a new store file readable and writable by its owner only (0600) before SQLite opens it: the store
    /// holds genotypes, sample names and diagnoses. SQLite gives the WAL and shared-memory files the mode of the
    /// database file, so they are owner-only too. An existing file keeps its mode.
    static func createOwnerOnly(_ path: String) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else { return }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 { close(fd) }
    }
}
