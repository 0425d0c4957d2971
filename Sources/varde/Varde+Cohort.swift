import ArgumentParser
import Foundation
import VariantQuery
import VariantStore
import OMOP
import VariantCore

extension Varde {
    /// `varde cohort create|list|delete`: named cohorts saved in the store.
    struct Cohort: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cohort",
            abstract: "Named cohorts saved in the store, for 'varde query --cohort NAME'.",
            subcommands: [Create.self, List.self, Delete.self, ExportToCDM.self, ImportFromCDM.self])

        struct Create: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "create", abstract: "Save a cohort from a file of sample IDs/person keys and/or manifest fields.")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The cohort's name.") var name: String
            @Option(name: .customLong("from"), help: "File of sample IDs or person keys, one per line.") var file: String?
            @Option(name: .customLong("where"), help: "Manifest field KEY=VALUE (repeatable, all must hold).") var conditions: [String] = []
            @Option(name: .customLong("secret-file"), help: "File holding the pseudonym secret (for person keys).") var secretFile: String?
            @Option(help: "Only samples carrying this variant (gnomAD-style ID, e.g. 7-140753336-A-T): germline carriers and tumours.")
            var carrying: String?

            func validate() throws {
                guard file != nil || !conditions.isEmpty || carrying != nil else {
                    throw ValidationError("give --from FILE, --where KEY=VALUE and/or --carrying VARIANT")
                }
                for w in conditions where !w.contains("=") { throw ValidationError("--where takes KEY=VALUE") }
                if let carrying { do { _ = try VariantID(parsing: carrying) } catch { throw ValidationError(error.description) } }
            }

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    let query = try VariantQuery(store: store)
                    var members = try query.cohortMembers(file: file, conditions: conditions, secretFile: secretFile)
                    if let carrying {
                        // The samples whose stored genotype at the variant holds its ALT (tumours included: "KRAS G12C tumours").
                        let id = try VariantID(parsing: carrying)
                        guard let found = try query.variants(.variant(id)).first else {
                            throw ValidationError("the store has no variant \(carrying)")
                        }
                        let carriers = Set(try VariantQuery.carriers(of: found.variantID, in: store).map(\.ordinal))
                        members = members.map { $0.intersection(carriers) } ?? carriers
                    }
                    let definition = ([file.map { "from \($0)" }] + conditions.map { "where \($0)" } + [carrying.map { "carrying \($0)" }])
                        .compactMap { $0 }.joined(separator: "; ")
                    try store.saveCohort(name: name, definition: definition, members: members ?? [])
                    print("cohort \(name): \((members ?? []).count) samples")
                }
            }
        }

        struct ExportToCDM: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "export",
                abstract: "Write a cohort as OMOP COHORT and COHORT_DEFINITION rows in a results schema of a hospital's CDM database.",
                discussion: """
                    Subjects are the cohort's people linked by 'varde omop link' to that CDM; each starts at the earliest \
                    collection_date of its member samples and ends at the end of the observation period covering it (--point: \
                    the same day). People without a link, a collection date, or a covering observation period are counted and \
                    left out. The definition's rows are replaced in one transaction (re-running writes the same rows); a \
                    definition id already used by another name is refused unless --replace. Prints what was written and left out.
                    """)
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The cohort's name in the store.") var name: String
            @Option(help: "The CDM's database: postgres://USER:PASSWORD@HOST:PORT/DB.") var toCdm: String
            @Option(help: "The CDM's schema (persons, observation periods, vocabulary).") var schema = "cdm"
            @Option(help: "The results schema for COHORT and COHORT_DEFINITION (created if missing).") var resultsSchema = "results"
            @Option(help: "The cohort definition id to write.") var cohortDefinitionId: Int
            @Option(help: "Varde's link schema in that database (varde omop link).") var linkSchema = "varde"
            @Flag(help: "Each subject's period is its start day only.") var point = false
            @Flag(help: "Overwrite a definition id that has another name.") var replace = false

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    guard let members = try store.cohort(named: name) else {
                        throw ValidationError("no cohort '\(name)' in the store (varde cohort list)")
                    }
                    let definition = try store.cohorts().first { $0.name == name }?.definition ?? ""
                    var dates: [String: [String]] = [:]
                    for s in try store.sampleDetails() where members.contains(s.ordinal) {
                        dates[s.pseudonym, default: []] += s.collectionDate.map { [$0] } ?? []
                    }
                    let report = try await CDMCohortExport.export(
                        name: name, definition: definition, members: dates.map { CDMCohortExport.Member(pseudonym: $0.key, collectionDates: $0.value) },
                        url: toCdm, cdm: schema, results: resultsSchema, linkSchema: linkSchema, definitionID: cohortDefinitionId,
                        point: point, replace: replace)
                    print("cohort_definition_id\t\(cohortDefinitionId)")
                    print("people\t\(report.people)")
                    print("written\t\(report.written)")
                    print("unlinked\t\(report.unlinked)")
                    print("no_collection_date\t\(report.undated)")
                    print("outside_observation\t\(report.outsideObservation)")
                    print("definition_type_concept_id\t\(report.definitionType)")
                    print("subject_concept_id\t\(report.subjectConcept)")
                }
            }
        }

        struct ImportFromCDM: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "import",
                abstract: "Save a cohort chosen in a hospital's CDM (an ATLAS cohort, or a condition criterion) as the store's samples of those people.",
                discussion: """
                    --cohort-table SCHEMA.TABLE --cohort-definition-id N reads an ATLAS-generated (or any OHDSI tool's) COHORT \
                    table; --condition IDS [--descendants] [--since DATE] selects people whose first condition occurrence of \
                    those concepts (with their CONCEPT_ANCESTOR descendants) lies inside an observation period, on or after \
                    the date. The CDM's persons are mapped to the store's people by the links of 'varde omop link'; the \
                    cohort holds every sample (germline, normal and tumour) of the linked people. Prints how many persons the \
                    CDM selected, how many are linked, and the samples saved.
                    """)
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The cohort's name in the store.") var name: String
            @Option(help: "The CDM's database: postgres://USER:PASSWORD@HOST:PORT/DB.") var fromCdm: String
            @Option(help: "The CDM's schema.") var schema = "cdm"
            @Option(help: "Varde's link schema in that database (varde omop link).") var linkSchema = "varde"
            @Option(help: "A COHORT table, SCHEMA.TABLE.") var cohortTable: String?
            @Option(help: "The cohort definition to read from --cohort-table.") var cohortDefinitionId: Int?
            @Option(help: "Condition concept ids, comma-separated.") var condition: String?
            @Option(help: "ICD-O-3 codes, comma-separated: histology/behaviour-site (8140/3-C34.1) or the histology alone (8140/3).") var icdo3: String?
            @Flag(help: "With --condition or --icdo3: their (standard concepts') descendants in CONCEPT_ANCESTOR too.") var descendants = false
            @Option(help: "With --condition or --icdo3: only occurrences on or after this date (YYYY-MM-DD).") var since: String?
            @Option(help: "With --condition or --icdo3: also an EPISODE of this concept (32531 Treatment Regimen, 32941 Cancer Drug Treatment) after the index date.")
            var episode: Int64?
            @Option(help: "With --episode: its episode_object_concept_id in these ids (comma-separated).") var episodeObject: String?
            @Option(help: "With --episode: starting 0 to this many days after the index date.") var within = 365

            func validate() throws {
                guard [cohortTable, condition, icdo3].compactMap({ $0 }).count == 1 else {
                    throw ValidationError("give one of --cohort-table (with --cohort-definition-id), --condition and --icdo3")
                }
                if cohortTable != nil, cohortDefinitionId == nil { throw ValidationError("--cohort-table needs --cohort-definition-id") }
                if let condition, condition.split(separator: ",").contains(where: { Int64($0.trimmingCharacters(in: .whitespaces)) == nil }) {
                    throw ValidationError("--condition takes concept ids, e.g. 192671 or 4112853,443392")
                }
            }

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    let source: CDMCohortImport.Source = if let cohortTable {
                        .cohortTable(cohortTable, definitionID: cohortDefinitionId!)
                    } else if let icdo3 {
                        .icdo3(codes: icdo3.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }, descendants: descendants, since: since)
                    } else {
                        .condition(conceptIDs: condition!.split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) },
                                   descendants: descendants, since: since)
                    }
                    let treatment = episode.map { CDMCohortImport.Treatment(concept: $0, objects: (episodeObject ?? "").split(separator: ",").compactMap { Int64($0.trimmingCharacters(in: .whitespaces)) },
                                                                            withinDays: within) }
                    let result = try await CDMCohortImport.select(source, treatment: treatment, url: fromCdm, cdm: schema, linkSchema: linkSchema)
                    let members = Set(try store.samples().filter { result.linked[$0.pseudonym] != nil }.map(\.ordinal))
                    try store.saveCohort(name: name, definition: result.definition, members: members)
                    print("cdm_persons\t\(result.persons.count)")
                    print("linked\t\(result.linked.count)")
                    print("samples\t\(members.count)")
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
