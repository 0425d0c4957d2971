import ArgumentParser
import VariantCore

/// `varde`: the national genomic variant store's command line. Subcommands parse, call a library and print:
/// data on stdout, diagnostics and progress on stderr; exit 0 (ok), 1 (the input is not usable), 64 (usage).
@main
struct Varde: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "varde",
        abstract: "Varde: a national genomic variant store and OMOP genomics bridge.",
        version: Release.version,
        subcommands: [Check.self, Load.self, Query.self, Cohort.self, Samples.self, Stats.self, Erase.self, Compact.self, Vocab.self, OMOPCommand.self, FHIRCommand.self, Export.self, Serve.self, Store.self, Backup.self, Restore.self, ECA.self]
    )
}
