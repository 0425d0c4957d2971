import ArgumentParser
import Foundation
import VariantQuery
import VariantStore
import VariantStoreSQLite

extension Varde {
    /// `varde export maf`: a store's (or a cohort's) somatic calls as a cBioPortal-ready MAF.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "export",
            abstract: "Export stored calls in other formats.", subcommands: [MAFCommand.self])

        struct MAFCommand: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "maf",
                abstract: "Somatic calls as a MAF (cBioPortal mutation data): one row per tumour carrying a variant.",
                discussion: """
                    Columns: the MAF 2.4 core (Hugo_Symbol … Tumor_Sample_Barcode, Matched_Norm_Sample_Barcode), HGVSc, \
                    HGVSp, HGVSp_Short, Transcript_ID, t_depth, t_ref_count, t_alt_count, Consequence, FILTER, t_vaf. \
                    Variant_Classification follows vcf2maf from the most severe stored consequence. Structural variants \
                    are left out (counted on stderr). Writes to stdout unless --out.
                    """)
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: "A saved cohort's name, or a file of sample IDs or person keys: only its tumours.") var cohort: String?
            @Option(name: .customLong("cohort-where"), help: "Cohort by manifest field, KEY=VALUE (repeatable), e.g. diagnosis=C34.")
            var cohortWhere: [String] = []
            @Flag(name: .customLong("pass-only"), help: "Only variants whose FILTER is PASS.") var passOnly = false
            @Option(help: "Write the MAF here instead of stdout.") var out: String?
            @Option(name: .customLong("secret-file"), help: "File holding the pseudonym secret (for person keys in --cohort).") var secretFile: String?

            func run() async throws {
                try await failing {
                    let store = try storeOptions.open()
                    let query = try VariantQuery(store: store)
                    let members = try query.cohortMembers(file: cohort, conditions: cohortWhere, secretFile: secretFile)
                    var buffer = ""
                    let handle: FileHandle
                    if let out {
                        guard FileManager.default.createFile(atPath: out, contents: nil) , let h = FileHandle(forWritingAtPath: out) else {
                            throw StoreError(.invalidInput, "cannot write \(out)", fix: "check the folder exists and is writable")
                        }
                        handle = h
                    } else {
                        handle = FileHandle.standardOutput
                    }
                    let report = try MAFExport.write(store: store, cohort: members, passOnly: passOnly) { line in
                        buffer += line
                        if buffer.utf8.count > 1 << 16 { handle.write(Data(buffer.utf8)); buffer = "" }
                    }
                    handle.write(Data(buffer.utf8))
                    if out != nil { try handle.close() }
                    FileHandle.standardError.write(Data(("varde export maf: \(report.rows) rows, \(report.variants) variants, \(report.tumours) tumours"
                        + (report.skippedStructural > 0 ? ", \(report.skippedStructural) structural variants left out" : "") + "\n").utf8))
                }
            }
        }
    }
}
