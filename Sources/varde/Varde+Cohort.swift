import ArgumentParser
import Foundation
import VariantQuery
import VariantStore

extension Varde {
    /// `varde cohort create|list|delete`: named cohorts saved in the store.
    struct Cohort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cohort",
            abstract: "Named cohorts saved in the store, for 'varde query --cohort NAME'.",
            subcommands: [Create.self, List.self, Delete.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Save a cohort from a file of sample IDs/person keys and/or manifest fields.")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The cohort's name.") var name: String
            @Option(name: .customLong("from"), help: "File of sample IDs or person keys, one per line.") var file: String?
            @Option(name: .customLong("where"), help: "Manifest field KEY=VALUE (repeatable, all must hold).") var conditions: [String] = []
            @Option(name: .customLong("secret-file"), help: "File holding the pseudonym secret (for person keys).") var secretFile: String?

            func validate() throws {
                guard file != nil || !conditions.isEmpty else { throw ValidationError("give --from FILE and/or --where KEY=VALUE") }
                for w in conditions where !w.contains("=") { throw ValidationError("--where takes KEY=VALUE") }
            }

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    let members = try VariantQuery(store: store).cohortMembers(file: file, conditions: conditions, secretFile: secretFile)
                    let definition = ([file.map { "from \($0)" }] + conditions.map { "where \($0)" }).compactMap { $0 }.joined(separator: "; ")
                    try store.saveCohort(name: name, definition: definition, members: members ?? [])
                    print("cohort \(name): \((members ?? []).count) samples")
                }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the saved cohorts.")
            @OptionGroup var storeOptions: StoreOptions
            func run() async throws {
                try await failing {
                    print("#NAME\tSAMPLES\tCREATED\tDEFINITION")
                    for c in try storeOptions.open().cohorts() { print("\(c.name)\t\(c.size)\t\(c.createdAt)\t\(c.definition)") }
                }
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a saved cohort (its samples stay).")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The cohort's name.") var name: String
            func run() async throws {
                try await failing {
                    guard try storeOptions.open().deleteCohort(named: name) else {
                        throw ValidationError("no cohort named \(name)")
                    }
                    print("deleted cohort \(name)")
                }
            }
        }
    }
}
