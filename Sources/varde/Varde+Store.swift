import ArgumentParser
import Foundation
import VariantStore
import VariantStorePostgres

extension Varde {
    /// `varde store`: creating a store spread over several PostgreSQL servers, and looking at its shards.
    struct Store: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "store",
            abstract: "Create a sharded PostgreSQL store, and show its shards.",
            subcommands: [Init.self, Status.self])

        struct Init: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "init",
                abstract: "Create a store whose variants, coverage and genotype segments are spread over shard servers by contig.",
                discussion: """
                    CATALOG holds the samples, people, batches, cohorts and vocabulary, and sees the large tables through \
                    PostgreSQL's own partitioning (LIST by contig, postgres_fdw foreign partitions on the shards), so any SQL \
                    client reads the whole store there. Every other varde command then takes --store CATALOG. The catalog \
                    database needs the postgres_fdw and dblink extensions (or a user that may create them), and the catalog \
                    server must reach each shard at the host and port of its URL, with its user and password. See the README, \
                    "Sharded PostgreSQL stores".
                    """)
            @Argument(help: ArgumentHelp("The catalog: postgres://USER:PASSWORD@HOST:PORT/DATABASE[?schema=NAME].", valueName: "catalog-url"))
            var catalog: String
            @Option(name: .customLong("shard"), help: ArgumentHelp("A shard server (repeat; at least one). The store's schema there is the catalog's.", valueName: "url"))
            var shards: [String] = []

            func run() async throws {
                try await failing {
                    let placed = try ShardedStore.create(catalog: catalog, shards: shards)
                    print("shard\tlocation\tchromosomes")
                    for (i, names) in placed.enumerated() {
                        print("\(i + 1)\t\(PostgresTarget.redact(shards[i]))\t\(names.joined(separator: ","))")
                    }
                }
            }
        }

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "status",
                abstract: "Each shard of a sharded store: where it is, whether it answers, the last write it holds, its contigs.")
            @OptionGroup var storeOptions: StoreOptions

            func run() async throws {
                try await failing {
                    let (epoch, shards) = try ShardedStore.status(try storeOptions.path)
                    print("shard\tlocation\tstate\tepoch\tcontigs")
                    print("catalog\t\(PostgresTarget.redact(try storeOptions.path))\tok\t\(epoch)\t")
                    var bad = false
                    for s in shards {
                        let state = s.problem.map { "unreachable: \($0)" } ?? (s.epoch == epoch ? "ok" : "epoch differs (repaired at the next read or write)")
                        bad = bad || s.problem != nil
                        print("\(s.number)\t\(s.location)\t\(state)\t\(s.epoch.map(String.init) ?? "")\t\(s.contigs.joined(separator: ","))")
                    }
                    if bad { throw ExitCode(1) }
                }
            }
        }
    }
}
