import ArgumentParser
import FHIR
import Foundation
import OMOP
import VCF
import VariantCore
import VariantQuery
import VariantStore
import StoreFactory

extension FHIROptions.Format: ExpressibleByArgument {}
extension FHIROptions.BundleType: ExpressibleByArgument {}

extension Varde {
    /// `varde fhir export`: a person's (or a cohort's) variants as HL7 FHIR R4 Genomics Reporting resources.
    struct FHIRCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fhir",
            abstract: "Export people's variants as HL7 FHIR R4 resources (Genomics Reporting IG STU3).",
            subcommands: [Export.self])

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "export",
                abstract: "Write a pseudonymous Patient, Specimens, Genomic Reports, diagnoses and Variant Observations per person.",
                discussion: """
                    Controlled data. Selectors (one): --person KEY (needs the pseudonym secret), --sample ID, or --cohort NAME|FILE \
                    (a saved cohort, or sample IDs / person keys one per line). --format bundle (default) writes one Bundle per \
                    person, DIR/<pseudonym prefix>.json (type collection, or transaction with PUT on deterministic ids); ndjson \
                    writes FHIR Bulk Data files DIR/<ResourceType>.ndjson, one compact resource per line. One Variant \
                    Observation per called allele of each selected sample (multi-allelic calls are split in the store), with \
                    the IG's components (0-based interval coordinates, RefSeq NC_ and genomic HGVS, HGNC gene, c./p. HGVS from \
                    CSQ/ANN, source class, allelic state of germline calls, VAF of tumour calls) and DP, GQ, FILTER as Varde-coded components. Ids are \
                    name-based UUIDs: re-exporting the same store writes the same bytes.
                    """)
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: "A person key (pseudonymised with the secret).") var person: String?
            @Option(help: "A sample ID.") var sample: String?
            @Option(help: "A saved cohort's name, or a file of sample IDs or person keys (one per line).") var cohort: String?
            @Option(help: "Output folder (created if missing).") var out: String
            @Option(help: "bundle (one Bundle per person) or ndjson (FHIR Bulk Data).") var format: FHIROptions.Format = .bundle
            @Option(name: .customLong("bundle-type"), help: "collection or transaction (PUT Type/id on every entry).")
            var bundleType: FHIROptions.BundleType = .collection
            @Flag(name: .customLong("pass-only"), help: "Only variants whose every loaded record had FILTER PASS (or '.').") var passOnly = false
            @Option(help: "Only variants in these genes (comma-separated symbols or aliases, from reference/genes.<assembly>.tsv).")
            var genes: String?
            @Option(name: .customLong("regions-file"), help: "Only variants overlapping this BED file's regions (0-based, half-open).")
            var regionsFile: String?
            @Option(name: .customLong("max-variants"), help: "At most N Variant Observations per person (the rest are counted on stderr).")
            var maxVariants: Int?
            @Option(name: .customLong("pseudonym-system"), help: "Patient.identifier.system of the pseudonym (default <system-base>/sid/pseudonym).")
            var pseudonymSystem: String?
            @Option(name: .customLong("system-base"), help: "Base URI of Varde's identifier and code systems.")
            var systemBase = FHIROptions().systemBase
            @Option(name: .shortAndLong, help: "Reference FASTA: 3′-shifts indels for the genomic HGVS (without it, indels have none).")
            var reference: String?
            @Option(name: .customLong("secret-file"), help: "File holding the pseudonym secret (for --person and person keys in --cohort).")
            var secretFile: String?
            @Flag(help: "No progress on stderr.") var quiet = false
            @Option(name: .customLong("people-per-pass"), help: ArgumentHelp("People per pass over the store (memory against passes).",
                                                                          visibility: .hidden))
            var peoplePerPass = FHIROptions().peoplePerPass

            func validate() throws {
                guard [person, sample, cohort].compactMap({ $0 }).count == 1 else {
                    throw ValidationError("give exactly one of --person, --sample, --cohort")
                }
                if genes != nil && regionsFile != nil { throw ValidationError("give --genes or --regions-file, not both") }
                if let maxVariants, maxVariants < 1 { throw ValidationError("--max-variants must be at least 1") }
                if peoplePerPass < 1 { throw ValidationError("--people-per-pass must be at least 1") }
                if format == .ndjson && bundleType == .transaction {
                    throw ValidationError("--bundle-type transaction needs --format bundle (NDJSON has no bundles)")
                }
                for uri in [pseudonymSystem, systemBase].compactMap({ $0 }) where !(uri.contains(":") && !uri.contains(" ")) {
                    throw ValidationError("'\(uri)' is not an absolute URI (e.g. https://fhir.example.org/sid/pseudonym)")
                }
            }

            func say(_ m: String) { if !quiet { FileHandle.standardError.write(Data("varde fhir: \(m)\n".utf8)) } }

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    guard let assembly = try store.assembly() else {
                        throw FHIRError("the store has no variants yet (no assembly)", fix: "load a batch first: varde load --store STORE FILE")
                    }
                    let fasta = try reference.map { try ReferenceGenome(path: $0) }
                    let query = try VariantQuery(store: store, reference: fasta)
                    let selected: Set<UInt32>
                    if let cohort {
                        selected = try query.cohortMembers(file: cohort, conditions: [], secretFile: secretFile) ?? []
                        guard !selected.isEmpty else { throw FHIRError("cohort \(cohort) has no active samples", fix: "check it with 'varde cohort list'") }
                    } else {
                        selected = try query.ordinals(sample: sample, person: person, secretFile: secretFile)
                    }
                    var options = FHIROptions()
                    options.format = format
                    options.bundleType = bundleType
                    options.passOnly = passOnly
                    options.maxVariants = maxVariants
                    options.systemBase = systemBase.hasSuffix("/") ? String(systemBase.dropLast()) : systemBase
                    options.pseudonymSystem = pseudonymSystem
                    options.peoplePerPass = peoplePerPass
                    if let genes {
                        var regions: [Region] = []
                        for g in genes.split(separator: ",").map({ $0.trimmingWhitespace() }) where !g.isEmpty {
                            regions += try GeneTable.regions(for: g, assembly: assembly)
                        }
                        options.regions = regions
                    } else if let regionsFile {
                        options.regions = try VariantQuery.bed(regionsFile)
                    }
                    let catalog = try GeneCatalog(hgncTable: try ReferenceFiles.path("hgnc.tsv"),
                                                  geneTable: try? ReferenceFiles.path(GeneTable.fileName(for: assembly)))
                    let exporter = FHIRExporter(store: store, assembly: assembly, options: options, genes: catalog,
                                                reference: fasta.map { f in { f.hgvsReference(for: $0) } }, outDirectory: out)
                    let summary = try exporter.run(selected: selected) { say($0) }
                    if summary.peopleOverLimit > 0 {
                        say("--max-variants \(maxVariants ?? 0): \(summary.observationsOverLimit) variant observations of \(summary.peopleOverLimit) people left out")
                    }
                    let rate = summary.seconds > 0 ? Double(summary.total) / summary.seconds : 0
                    say("\(summary.people) people, \(summary.total) resources, \(summary.bytes) bytes in \(String(format: "%.2f", summary.seconds)) s (\(Int(rate)) resources/s)")
                    print("#RESOURCE\tCOUNT")
                    for (type, n) in summary.resources.sorted(by: { $0.key < $1.key }) { print("\(type)\t\(n)") }
                }
            }
        }
    }
}
