import ArgumentParser
import Foundation
import OMOP
import VariantStore
import StoreFactory

extension Varde {
    /// `varde vocab load`: the OMOP vocabulary, loaded once into the store.
    struct Vocab: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "vocab",
            abstract: "The OMOP vocabulary kept in the store, for 'varde omop export'.",
            subcommands: [Load.self])

        struct Load: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "load",
                abstract: "Load an Athena vocabulary download and/or the Koios extracts into the store, in one transaction.",
                discussion: """
                    DIR is an unzipped Athena download: tab-separated CONCEPT.csv (required), CONCEPT_SYNONYM.csv, \
                    CONCEPT_RELATIONSHIP.csv, VOCABULARY.csv, DOMAIN.csv, CONCEPT_CLASS.csv, RELATIONSHIP.csv. --koios DIR adds \
                    the OMOP Genomic synonyms of the Koios extract files (koios_concepts*.csv[.gz]). The store's earlier \
                    vocabulary is replaced unless --append.
                    """)
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "Athena download folder.") var directory: String?
            @Option(help: "Folder of Koios extract files (koios_concepts*.csv[.gz]).") var koios: String?
            @Flag(help: "Add to the stored vocabulary instead of replacing it.") var append = false
            @Flag(help: "No progress on stderr.") var quiet = false

            func validate() throws {
                guard directory != nil || koios != nil else { throw ValidationError("give an Athena folder and/or --koios DIR") }
            }

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    let progress: (String) -> Void = { m in if !quiet { FileHandle.standardError.write(Data("varde vocab: \(m)\n".utf8)) } }
                    var counts: VocabularyLoader.Counts = []
                    try store.loadVocabulary(replace: !append) { writer in
                        if let directory { counts += try VocabularyLoader.loadAthena(directory: directory, into: writer, progress: progress) }
                        if let koios { counts += try VocabularyLoader.loadKoios(directory: koios, into: writer, progress: progress) }
                    }
                    print("#FILE\tROWS")
                    for c in counts { print("\(c.file)\t\(c.rows)") }
                    let stored = try store.vocabularyCounts()
                    print("#TABLE\tSTORED")
                    for (t, n) in stored.sorted(by: { $0.key < $1.key }) { print("\(t)\t\(n)") }
                }
            }
        }
    }
}
