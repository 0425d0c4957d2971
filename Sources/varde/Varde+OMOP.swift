import ArgumentParser
import Foundation
import OMOP
import VCF
import VariantCore
import VariantStore
import StoreFactory

extension Varde {
    /// `varde omop export|validate`: the store as OMOP CDM 5.4.
    struct OMOPCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "omop",
            abstract: "Export the store as OMOP CDM 5.4 (CSV or PostgreSQL), check an export with the DQD field-level checks, and link the store's people to a hospital's CDM.",
            subcommands: [Export.self, Validate.self, Link.self])

        static func say(_ quiet: Bool, _ m: String) {
            if !quiet { FileHandle.standardError.write(Data("varde omop: \(m)\n".utf8)) }
        }

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "export",
                abstract: "Write CDM 5.4 tables for the store's samples and mapped variants.",
                discussion: """
                    Tables: PERSON, OBSERVATION_PERIOD, CARE_SITE, SPECIMEN, PROCEDURE_OCCURRENCE (one sequencing procedure per \
                    sample), MEASUREMENT (one row per carrier sample of each mapped variant, plus genetic origin, zygosity and VAF \
                    rows linked by measurement_event_id), CONDITION_OCCURRENCE, EPISODE, EPISODE_EVENT, CDM_SOURCE and the \
                    CONCEPT, VOCABULARY, DOMAIN, CONCEPT_CLASS, CONCEPT_SYNONYM rows of every concept used; --gcdm adds the \
                    non-standard G-CDM tables. Variants map by the exact genomic HGVS on the store's assembly (indels need \
                    --reference), then CSQ/ANN HGVSc/HGVSp. mapping_report.tsv is written next to the tables. With --postgres \
                    the tables are also loaded into a new schema (COPY, then primary and foreign keys).
                    """)
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: "Folder for the CSV tables (created if missing).") var out: String?
            @Option(help: "Also load into PostgreSQL: postgres://USER:PASSWORD@HOST:PORT/DB.") var postgres: String?
            @Option(help: "PostgreSQL schema to create (with --postgres).") var schema = "cdm"
            @Flag(help: "Drop and recreate an existing --schema.") var replace = false
            @Flag(help: "Add the non-standard G-CDM tables (GENOMIC_TEST, TARGET_GENE, VARIANT_OCCURRENCE, VARIANT_ANNOTATION).") var gcdm = false
            @Option(help: "Unmapped variants: skip (counted in the report) or zero (MEASUREMENT rows with concept 0).") var unmapped = "skip"
            @Flag(help: "No genetic origin / zygosity / VAF modifier rows.") var noModifiers = false
            @Flag(help: "Also match HGVSc/HGVSp without accession versions (may give false positives).") var stripVersions = false
            @Flag(help: "Only variants whose records all said PASS (or '.').") var passOnly = false
            @Option(name: .shortAndLong, help: "Reference FASTA, to 3′-shift indels for the genomic HGVS.") var reference: String?
            @Option(help: "year_of_birth for people whose manifest has none (otherwise they are left out: CDM requires it).")
            var defaultBirthYear: Int?
            @Option(help: "value_as_concept_id of variant rows, as VOCAB:CODE (e.g. LOINC:LA9633-4); none by default.")
            var valueAsConcept: String?
            @Flag(help: "No progress on stderr.") var quiet = false

            func validate() throws {
                guard out != nil || postgres != nil else { throw ValidationError("give --out DIR and/or --postgres URL") }
                guard UnmappedPolicy(rawValue: unmapped) != nil else { throw ValidationError("--unmapped takes skip or zero") }
                if let v = valueAsConcept, ConceptRef(parsing: v) == nil { throw ValidationError("--value-as-concept takes VOCAB:CODE") }
            }

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    guard let assembly = try store.assembly() else {
                        throw OMOPError(.invalidInput, "the store has no variants yet (no assembly)", fix: "load a batch first: varde load --store STORE FILE")
                    }
                    let dir = out ?? FileManager.default.temporaryDirectory.appendingPathComponent("varde-omop-\(UUID().uuidString)").path
                    defer { if out == nil { try? FileManager.default.removeItem(atPath: dir) } }
                    var options = ExportOptions(outDirectory: dir)
                    options.gcdm = gcdm
                    options.unmapped = UnmappedPolicy(rawValue: unmapped) ?? .skip
                    options.modifiers = !noModifiers
                    options.stripVersions = stripVersions
                    options.passOnly = passOnly
                    options.defaultBirthYear = defaultBirthYear
                    options.choices.variantValue = valueAsConcept.flatMap(ConceptRef.init(parsing:))
                    let fasta = try reference.map { try ReferenceGenome(path: $0) }
                    let lookup: ((String) -> GenomicHGVS.Reference?)? = fasta.map { f in { f.hgvsReference(for: $0) } }
                    let spec = try CDMSpec(fieldLevelCSV: try ReferenceFiles.path("omop/CDM_OMOP_CDMv5.4_Field_Level.csv"), gcdm: gcdm)
                    let unversioned = stripVersions ? ConceptMapper.unversionedIndex(try store.allSynonyms(vocabularyID: "OMOP Genomic")) : [:]
                    let exporter = CDMExporter(store: store, assembly: assembly, reference: lookup, spec: spec, options: options,
                                               unversionedSynonyms: unversioned)
                    exporter.transcripts = { id in
                        try store.annotations(of: id).map {
                            TranscriptHGVS(gene: $0.gene, hgvsc: $0.hgvsc, hgvsp: $0.hgvsp, consequences: $0.consequences)
                        }
                    }
                    let summary = try exporter.run { OMOPCommand.say(quiet, $0) }
                    let r = summary.report
                    if summary.peopleWithoutBirthYear > 0 {
                        OMOPCommand.say(false, "\(summary.peopleWithoutBirthYear) people left out: no birth_year in the manifest (CDM requires year_of_birth; give --default-birth-year to keep them)")
                    }
                    let rate = summary.seconds > 0 ? Double(r.measurementRows) / summary.seconds : 0
                    OMOPCommand.say(quiet, "variants mapped \(r.variantsMapped), unmapped \(r.variantsUnmapped); \(r.measurementRows) variant measurement rows in \(String(format: "%.2f", summary.seconds)) s (\(Int(rate)) mapped rows/s)")
                    if let postgres {
                        let quiet = self.quiet
                        let loaded = try await PostgresCDM.load(directory: dir, spec: spec, url: postgres, schema: schema, replace: replace) { m in
                            OMOPCommand.say(quiet, m)
                        }
                        print("#TABLE\tROWS")
                        for (t, n) in loaded { print("\(schema).\(t)\t\(n)") }
                    } else {
                        print("#TABLE\tROWS")
                        for (t, n) in summary.rows { print("\(t)\t\(n)") }
                    }
                }
            }
        }

        struct Link: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "link",
                abstract: "Link the store's people to the person_ids of an existing CDM (a hospital's), kept in the CDM's database.",
                discussion: """
                    The key both sides compute: --source-value-template 'cpr_enc|{pseudonym:40}' when the hospital's ETL writes \
                    person_source_value from the same HMAC pseudonym Varde stores (same secret, same key normalisation), or \
                    --crosswalk FILE (pseudonym<TAB>person_id per line) from a trusted third party that holds both. Each match \
                    is checked against the manifest's sex and birth year; a mismatch is a conflict, recorded and not linked. \
                    One pseudonym on two persons (or one person on two pseudonyms) refuses the link and writes nothing. The \
                    outcome replaces LINK_SCHEMA.person_link for that CDM schema in one transaction: pseudonyms and person_ids \
                    only, never a person key. Prints counts, then one line per conflict or unlinked person.
                    """)
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: "The CDM's database: postgres://USER:PASSWORD@HOST:PORT/DB.") var cdm: String
            @Option(help: "The CDM's schema.") var schema = "cdm"
            @Option(help: "Varde's own schema in that database, for the links.") var linkSchema = "varde"
            @Option(help: "person_source_value as the hospital writes it: {pseudonym} is Varde's pseudonym (64 hex digits), {pseudonym:N} its first N (person_source_value holds 50 characters).") var sourceValueTemplate: String?
            @Option(help: "A crosswalk file: pseudonym<TAB>person_id per line.") var crosswalk: String?
            @Flag(help: "Match and report, write nothing.") var dryRun = false

            func validate() throws {
                guard (sourceValueTemplate == nil) != (crosswalk == nil) else {
                    throw ValidationError("give one of --source-value-template and --crosswalk")
                }
            }

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    var people: [String: CDMLink.Person] = [:]
                    for s in try store.sampleDetails() where people[s.pseudonym] == nil {
                        people[s.pseudonym] = CDMLink.Person(pseudonym: s.pseudonym, sex: s.sex, birthYear: s.birthYear)
                    }
                    let method: CDMLink.Method = try sourceValueTemplate.map { .template($0) } ?? .crosswalk(try CDMLink.crosswalk(path: crosswalk!))
                    let outcomes = try await CDMLink.link(people: people.values.sorted { $0.pseudonym < $1.pseudonym }, method: method, url: cdm,
                                                          cdm: schema, linkSchema: linkSchema, dryRun: dryRun)
                    var out = ""
                    for status in [CDMLink.Outcome.Status.linked, .conflict, .unlinked] {
                        out += "\(status.rawValue)\t\(outcomes.filter { $0.status == status }.count)\n"
                    }
                    for o in outcomes where o.status != .linked {
                        out += "\(o.status.rawValue)\t\(o.pseudonym)\t\(o.personID.map(String.init) ?? ".")\t\(o.note)\n"
                    }
                    try writeStandardOutput(Array(out.utf8))
                    if !dryRun { OMOPCommand.say(false, "links written to \(linkSchema).person_link for \(schema)") }
                }
            }
        }

        struct Validate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "validate",
                abstract: "Run the DataQualityDashboard field-level checks on an export folder or a PostgreSQL schema.",
                discussion: """
                    Checks (thresholds from reference/omop/DQD_OMOP_CDMv5.4_Field_Level.csv, DQD v2.8.4): isRequired, \
                    cdmDatatype, isPrimaryKey, isForeignKey, fkDomain, fkClass, isStandardValidConcept, plausibleAfterBirth, \
                    plausibleStartBeforeEnd. Prints the failures (tab-separated) and exits 1 when there are any.
                    """)
            @Argument(help: "Export folder, or postgres://USER:PASSWORD@HOST:PORT/DB.") var target: String
            @Option(help: "PostgreSQL schema (with a URL).") var schema = "cdm"
            @Flag(help: "Also check the G-CDM tables' keys.") var gcdm = false

            func run() async throws {
                try await failing {
                    let spec = try CDMSpec(fieldLevelCSV: try ReferenceFiles.path("omop/CDM_OMOP_CDMv5.4_Field_Level.csv"), gcdm: gcdm)
                    let checks = try FieldChecks(dqdFieldLevelCSV: try ReferenceFiles.path("omop/DQD_OMOP_CDMv5.4_Field_Level.csv"))
                    let data: CDMData
                    if target.hasPrefix("postgres://") || target.hasPrefix("postgresql://") {
                        data = CDMData(tables: try await PostgresCDM.read(url: target, schema: schema, tables: spec.tables))
                    } else {
                        guard FileManager.default.fileExists(atPath: target) else {
                            throw ValidationError("\(target) is neither a folder nor a postgres:// URL")
                        }
                        data = try CDMData(directory: target, spec: spec)
                    }
                    guard !data.tables.isEmpty else {
                        let isURL = target.hasPrefix("postgres://") || target.hasPrefix("postgresql://")
                        throw OMOPError(.invalidInput, isURL ? "schema \(schema) has no CDM tables" : "\(target) has no CDM tables (<table>.csv)",
                                        fix: "export first: varde omop export --store STORE --out DIR | --postgres URL --schema NAME")
                    }
                    let result = checks.run(data)
                    print(FieldChecks.table(result.failures), terminator: "")
                    let rows = data.tables.values.reduce(0) { $0 + $1.rows.count }
                    FileHandle.standardError.write(Data("varde omop validate: \(data.tables.count) tables, \(rows) rows, \(result.checks) checks, \(result.failures.count) failures\n".utf8))
                    if !result.failures.isEmpty { throw ExitCode(1) }
                }
            }
        }
    }
}
