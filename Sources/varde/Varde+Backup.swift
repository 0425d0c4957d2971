import ArgumentParser
import Foundation
import StoreFactory
import VariantStore
import VariantStoreSQLite

extension Varde {
    /// `varde backup`: a consistent copy of an SQLite store while it is read and written.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "backup",
            abstract: "Copy an SQLite store while it is in use (one consistent snapshot), then verify the copy.",
            discussion: """
                The copy is SQLite's VACUUM INTO: it reads one snapshot, so a load committing meanwhile is in the copy \
                whole or not at all, and neither loads nor 'varde serve' wait for it. The copy is owner-only (0600), is \
                compacted (free pages left out), and is checked: every aggregate recomputed from its calls. A PostgreSQL \
                store is backed up with PostgreSQL's own tools (pg_dump -Fc; see the README's PostgreSQL section). \
                A backup holds every person in it: after 'varde erase' the backups made before it still hold the \
                erased person until they expire (docs/privacy.md).
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .customLong("to"), help: ArgumentHelp("The backup file to write (must not exist).", valueName: "file")) var destination: String

        func run() async throws {
            try await failing {
                let path = try storeOptions.path
                guard case .sqlite = StoreFactory.location(path) else {
                    throw ValidationError("varde backup copies SQLite stores; back up a PostgreSQL store with pg_dump -Fc (README: PostgreSQL stores)")
                }
                let started = Date()
                try SQLiteBackup.backup(store: path, to: destination)
                let stats = try SQLiteBackup.verified(destination, named: destination)
                print("backup\t\(destination)")
                print("bytes\t\((try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0)")
                print("batches\t\(stats.batches)")
                print("samples\t\(stats.samples)")
                print("aggregates_verified\tok")
                print(String(format: "seconds\t%.2f", Date().timeIntervalSince(started)))
            }
        }
    }

    /// `varde restore`: puts a backup in place as a store, after checking it.
    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "restore",
            abstract: "Restore an SQLite store from a backup: the backup is copied, verified, then moved into place.",
            discussion: """
                Nothing is replaced until the copy has opened and every aggregate has been recomputed from its calls. An \
                existing store is replaced only with --force; stop loads, compactions and erasures on it first (a process \
                that has the old store open keeps writing the old file). A running 'varde serve' may stay: its /ready is \
                503 "restoring" meanwhile, and it reads the restored file from its next request.
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .customLong("from"), help: ArgumentHelp("The backup file.", valueName: "file")) var source: String
        @Flag(help: "Replace an existing store.") var force = false

        func run() async throws {
            try await failing {
                let path = try storeOptions.path
                guard case .sqlite = StoreFactory.location(path) else {
                    throw ValidationError("varde restore writes SQLite stores; restore a PostgreSQL store with pg_restore")
                }
                let stats = try SQLiteBackup.restore(from: source, to: path, replacing: force)
                print("restored\t\(path)")
                print("batches\t\(stats.batches)")
                print("samples\t\(stats.samples)")
                print("aggregates_verified\tok")
            }
        }
    }
}
