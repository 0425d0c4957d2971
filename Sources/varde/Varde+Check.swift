import ArgumentParser
import Foundation
import VCF
import VariantCore

extension Varde {
    /// `varde check FILE…`: the pre-flight validator a lab runs before loading.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check",
            abstract: "Check VCF/BCF files before loading: shape, content and every problem found.",
            discussion: """
                Prints, per file: samples, records, contigs, assembly guess, multi-allelic/indel/symbolic/gVCF-block \
                counts, and with --reference how many records normalisation (split, trim, left-align as \
                'bcftools norm -m-any -f') changes and how many REF alleles disagree with the FASTA. Every problem \
                is listed with file, line or locus, and a fix.
                Exit status: 0 when every file is loadable, 1 when one is not, 64 for usage errors.
                """
        )

        @Argument(help: "VCF, bgzipped VCF or BCF files.")
        var files: [String]

        @Option(name: .shortAndLong, help: "Reference FASTA (faidx-indexed or indexable) for REF checks and normalisation.")
        var reference: String?

        @Option(name: .customLong("check-ref"), help: "What a REF mismatch means: error (not loadable), warn, or skip (the record would be dropped).")
        var checkRef: RefCheckPolicy = .error

        @Option(help: "Worker threads for indexed files (default: all cores).")
        var threads: Int = ProcessInfo.processInfo.activeProcessorCount

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        @Flag(help: "Print no progress on stderr.")
        var quiet = false

        @Option(help: "How many problems of one kind to list per file.")
        var listLimit: Int = 10

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            guard listLimit >= 0 else { throw ValidationError("--list-limit must not be negative") }
        }

        func run() async throws {
            var allLoadable = true
            var reports: [CheckReport] = []
            for path in files {
                let meter = quiet ? nil : ProgressMeter(label: path)
                let check = FileCheck(reference: reference, refCheck: checkRef, threads: threads, listLimit: listLimit, progress: meter)
                let report = await check.run(path: path)
                allLoadable = allLoadable && report.loadable
                if format == .text { print(CheckReportText.render(report)) } else { reports.append(report) }
            }
            if format == .json { print(CheckReportJSON.render(reports)) }
            if !allLoadable { throw ExitCode(1) }
        }
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension RefCheckPolicy: ExpressibleByArgument {}
