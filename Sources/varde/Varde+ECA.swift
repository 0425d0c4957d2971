import ArgumentParser
import Foundation
import OMOP
import VariantStore

extension Varde {
    /// `varde eca export`: an external control arm extract from a hospital's CDM.
    struct ECA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "eca",
            abstract: "External control arms: a de-identified standard-of-care arm from a hospital's CDM, by a prespecified spec.",
            subcommands: [Export.self])

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "export",
                abstract: "Write patients.tsv (time, event, covariates; no id or date) and attrition.tsv for a spec.",
                discussion: """
                    The spec (JSON) names the eligible condition set (with CONCEPT_ANCESTOR descendants), an optional \\
                    biomarker (a cohort of this store, e.g. made with 'varde cohort create --carrying'), the index \\
                    treatment EPISODE and its window after diagnosis, the washout, the outcome (death) and the covariates \\
                    (age_band, sex, days_since_diagnosis). Follow-up is censored at the end of the observation period \\
                    covering the index or at the cut-off (--cutoff, else CDM_SOURCE.source_release_date). Counts below k \\
                    in attrition.tsv read '<k'. Both files carry the spec's SHA-256; the same spec, CDM and --seed give \\
                    identical files. README: "External control arm".
                    """)
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: "The CDM's database: postgres://USER:PASSWORD@HOST:PORT/DB.") var cdm: String
            @Option(help: "The CDM's schema.") var schema = "cdm"
            @Option(help: "Varde's link schema in that database (varde omop link).") var linkSchema = "varde"
            @Option(help: "The prespecified spec (JSON).") var spec: String
            @Option(help: "Folder for patients.tsv and attrition.tsv (created if missing).") var out: String
            @Option(help: "Data cut-off (YYYY-MM-DD); default CDM_SOURCE.source_release_date.") var cutoff: String?
            @Option(help: "Seed of the row shuffle.") var seed: UInt64 = 1
            @Option(help: "Counts below this in attrition.tsv read '<k'.") var k = 5

            func validate() throws {
                if let cutoff, cutoff.range(of: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", options: .regularExpression) == nil {
                    throw ValidationError("--cutoff takes a date, YYYY-MM-DD")
                }
                guard k >= 1 else { throw ValidationError("--k must be at least 1") }
            }

            func run() async throws {
                try await failing {
                    guard let data = FileManager.default.contents(atPath: spec) else { throw ValidationError("cannot read the spec \(spec)") }
                    let parsed = try ExternalControlArm.spec(data, path: spec)
                    var biomarker: Set<String>? = nil
                    if let name = parsed.eligibility.biomarkerCohort {
                        let store = try storeOptions.open()
                        guard let members = try store.cohort(named: name) else {
                            throw ValidationError("the spec's biomarker cohort '\(name)' is not in the store (varde cohort list)")
                        }
                        biomarker = Set(try store.samples().filter { members.contains($0.ordinal) }.map(\.pseudonym))
                    }
                    let extract = try await ExternalControlArm.extract(spec: parsed, specData: data, url: cdm, cdm: schema, linkSchema: linkSchema,
                                                                       biomarker: biomarker, cutoff: cutoff, seed: seed, k: k)
                    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                    try extract.patients.write(toFile: out + "/patients.tsv", atomically: true, encoding: .utf8)
                    try extract.attrition.write(toFile: out + "/attrition.tsv", atomically: true, encoding: .utf8)
                    print("spec_sha256\t\(extract.specSHA256)")
                    print("patients\t\(extract.patients.split(separator: "\n").count - 2)")
                    print("files\t\(out)/patients.tsv\t\(out)/attrition.tsv")
                }
            }
        }
    }
}
