import ArgumentParser
import Foundation
import Loader
import VCF
import VariantCore
import VariantStore
import StoreFactory

extension Varde {
    /// `varde load`: one batch, all or nothing; or, for a folder or a list of files, one batch per file.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "load",
            abstract: "Load VCF/VCF.gz/BCF files into the store: files named together as one batch, a folder or --files-from one batch per file.",
            discussion: """
                Files named on the command line are one batch (all or nothing). A folder, or a list of files given with \
                --files-from, is loaded one batch per file (--batch per-file; one genome per file, so one person's data \
                can be replaced or erased alone): --jobs workers read the next files while one writer stores them in \
                order, a failing file is rolled back alone (--keep-going loads the rest), a file already in the store is \
                skipped, and stdout lists every file with its status and batch. After the load, small batches are \
                compacted once enough have piled up (see 'varde compact'; --no-compact to leave that to later).

                Records are normalised on the way in (multi-allelics split, indels left-aligned with --reference, as \
                'bcftools norm -m-any -f'). Genotypes are stored as per-variant carrier lists per batch; aggregates \
                (AC, AN, AF, NHOMALT, hemizygous count) cover germline samples of people not erased, one sample per \
                person; tumour calls are counted separately.
                A site absent from a plain VCF counts as hom-ref for its samples (--absent-as ref, as 'bcftools merge -0'); \
                gVCF inputs (a header declaring <NON_REF> or <*>) count only their reference blocks and calls.
                Person keys are stored only as HMAC-SHA256 pseudonyms keyed by VARDE_PSEUDONYM_KEY (or \
                VARDE_PSEUDONYM_KEY_FILE, or --secret-file), kept outside the store.
                """)

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "VCF, bgzipped VCF or BCF files (together one batch), or folders of them (one batch per file).") var files: [String] = []
        @Option(name: .customLong("files-from"), help: "A file listing input paths, one a line (one batch per file).") var filesFrom: String?
        @Option(help: "one: all files one batch; per-file: each file its own batch. Default: per-file for a folder or --files-from, else one.") var batch: BatchMode?
        @Option(help: "Files read at once in a per-file run (default: the cores).") var jobs: Int = ProcessInfo.processInfo.activeProcessorCount
        @Flag(name: .customLong("keep-going"), help: "In a per-file run, go on after a file fails (it is rolled back alone).") var keepGoing = false
        @Flag(name: .customLong("no-compact"), help: "Do not compact small batches after the load.") var noCompact = false
        @Option(name: .shortAndLong, help: "Reference FASTA for left-alignment and REF checks.") var reference: String?
        @Option(name: .customLong("check-ref"), help: "REF mismatch against --reference: error, warn, or skip the record.") var checkRef: RefCheckPolicy = .error
        @Option(help: "Sample manifest (TSV with header: sample, person, role, sex, diagnosis, …).") var manifest: String?
        @Option(help: "Reference assembly, when contig lengths do not tell (GRCh37 or GRCh38).") var assembly: Assembly?
        @Option(name: .customLong("absent-as"), help: "A site absent from a plain VCF means, for its samples: ref (hom-ref) or missing.") var absentAs: AbsentPolicy = .ref
        @Option(name: .customLong("on-invalid"), help: "A malformed record: fail the batch, or skip it (counted and reported).") var onInvalid: Loader.InvalidPolicy = .fail
        @Flag(help: "Supersede files (same checksum) and samples (same name) already in the store.") var replace = false
        @Option(name: .customLong("min-gq"), help: "gVCF reference blocks below this GQ do not count as coverage.") var minGQ: Int32?
        @Flag(name: .customLong("gvcf"), inversion: .prefixedNo, help: "Treat inputs as gVCF or not (default: from the header).") var gvcf: Bool?
        @Option(name: .customLong("secret-file"), help: "File holding the pseudonym secret.") var secretFile: String?
        @Option(help: "Worker threads for parsing indexed files (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
        @Flag(help: "Print no progress on stderr.") var quiet = false

        enum BatchMode: String, ExpressibleByArgument { case one, perFile = "per-file" }

        func validate() throws {
            guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
            guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
            guard !files.isEmpty || filesFrom != nil else { throw ValidationError("name the files to load, a folder, or --files-from FILE") }
        }

        /// Per-file unless asked otherwise when the input is a folder or a list.
        func mode() -> BatchMode {
            if let batch { return batch }
            var isDirectory: ObjCBool = false
            let folder = files.contains { FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue }
            return filesFrom != nil || folder ? .perFile : .one
        }

        func run() async throws {
            try await failing {
                var options = Loader.Options()
                options.reference = reference
                options.refCheck = checkRef
                options.assembly = assembly
                options.absentAs = absentAs
                options.onInvalid = onInvalid
                options.replace = replace
                options.threads = threads
                options.minBlockGQ = minGQ
                options.gvcf = gvcf
                options.command = (["varde"] + CommandLine.arguments.dropFirst()).joined(separator: " ")
                if let manifest {
                    guard let data = FileManager.default.contents(atPath: manifest) else {
                        throw LoadError(path: manifest, "cannot read the manifest", fix: "check the path")
                    }
                    options.manifest = try Manifest(text: String(decoding: data, as: UTF8.self), path: manifest)
                }
                let pseudonymizer = try Pseudonymizer.fromEnvironment(file: secretFile)
                let store = try storeOptions.open()
                // One pseudonym secret per store, whichever way the files are loaded (issue 21, finding 5).
                try pseudonymizer.checkSecret(against: store, record: true)
                let paths = try Loader.inputFiles(files, filesFrom: filesFrom)
                if mode() == .perFile {
                    let loader = Loader(options: options, pseudonymizer: pseudonymizer)
                    let outcomes = loader.loadEach(paths, into: store, jobs: jobs, keepGoing: keepGoing,
                                                   progress: quiet ? nil : RunProgress(files: paths.count))
                    var out = "#FILE\tSTATUS\tBATCH\tSAMPLES\tRECORDS\tSECONDS\tMESSAGE\n"
                    for o in outcomes {
                        out += "\(o.path)\t\(o.status.rawValue)\t\(o.batchID.map(String.init) ?? ".")\t\(o.samples)\t\(o.records)\t"
                            + String(format: "%.3f", o.seconds) + "\t\((o.message ?? ".").replacingOccurrences(of: "\t", with: " ").replacingOccurrences(of: "\n", with: " "))\n"
                    }
                    try writeStandardOutput(Array(out.utf8))
                    let count = { (s: Loader.FileOutcome.Status) in outcomes.filter { $0.status == s }.count }
                    FileHandle.standardError.write(Data("varde load: \(count(.loaded)) file(s) loaded, \(count(.skipped)) skipped, \(count(.failed)) failed\n".utf8))
                    try compactIfDue(store)
                    if count(.failed) > 0 { throw ExitCode(1) }
                    return
                }
                let loader = Loader(options: options, pseudonymizer: pseudonymizer, progress: quiet ? nil : ProgressMeter(label: "load"))
                let r = try await loader.load(paths, into: store)
                FileHandle.standardError.write(Data(("loaded batch \(r.batchID): \(r.files) file(s), \(r.samples) sample(s), \(r.records) records, "
                    + "\(r.sites) sites, \(r.coverageBlocks) coverage blocks" + (r.skippedInvalid > 0 ? ", \(r.skippedInvalid) invalid records skipped" : "")
                    + (r.refMismatches > 0 ? ", \(r.refMismatches) REF mismatches (\(checkRef.rawValue))" : "")
                    + String(format: " in %.2f s\n", r.seconds)).utf8))
                try compactIfDue(store)
            }
        }

        /// Automatic compaction (``CompactionPlanner/automatic(_:)``): once `fanout` small batches have piled up, they
        /// are merged, after the load has committed (a failure here loses nothing the load wrote).
        func compactIfDue(_ store: any VariantStore) throws {
            guard !noCompact, try store.automaticCompactionPending() > 0 else { return }
            let started = Date()
            let r = try store.compact(automatic: true)
            if !quiet, r.didWork {
                FileHandle.standardError.write(Data(("varde load: compacted \(r.unitsMerged) small batches into \(r.rangesWritten) range(s)"
                    + String(format: " in %.2f s\n", Date().timeIntervalSince(started))).utf8))
            }
        }
    }

    /// `varde erase`: consent withdrawal.
    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "erase",
            abstract: "Erase a person's (or one sample's) genotypes: consent withdrawal (GDPR art. 17).",
            discussion: "Removes their calls from every batch, recomputes the aggregates, drops variants no one carries any more, writes an audit record (without the raw key) and reclaims the space (VACUUM).")
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "The person key (as in the manifest); it is pseudonymised with the secret, never stored.") var person: String?
        @Option(help: "A sample name.") var sample: String?
        @Option(name: .customLong("secret-file"), help: "File holding the pseudonym secret.") var secretFile: String?

        func validate() throws {
            guard (person == nil) != (sample == nil) else { throw ValidationError("give exactly one of --person KEY or --sample ID") }
        }

        func run() async throws {
            try await failing {
                let store = try storeOptions.open()
                let target: ErasureTarget
                if let person {
                    let p = try Pseudonymizer.fromEnvironment(file: secretFile)
                    try p.checkSecret(against: store, record: false)
                    target = .person(pseudonym: p.pseudonym(person))
                }
                else { target = .sample(name: sample!) }
                let r = try store.erase(target)
                print("erased \(r.samples.count) sample(s); \(r.callRowsRewritten) genotype rows rewritten, \(r.coverageBlocksDeleted) coverage blocks deleted, \(r.variantsDropped) variants dropped")
            }
        }
    }

    /// `varde stats`.
    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "stats", abstract: "Samples, people, batches, variants by type, bytes on disk per genotype.")
        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Also recompute every aggregate from the stored calls and report any difference.") var verify = false

        func run() async throws {
            try await failing {
                let store = try storeOptions.open()
                let s = try store.stats()
                print("assembly\t\(s.assembly?.rawValue ?? "-")")
                print("samples\t\(s.samples)")
                print("people\t\(s.people)")
                print("batches\t\(s.batches)")
                print("variants\t\(s.variantsByKind.values.reduce(0, +))")
                for (k, n) in s.variantsByKind.sorted(by: { $0.key < $1.key }) { print("variants.\(k)\t\(n)") }
                print("genotype_rows\t\(s.callRows)")
                print("bytes_on_disk\t\(s.bytesOnDisk)")
                print("bytes_per_genotype\t" + (s.bytesPerGenotype.map { String(format: "%.5f", $0) } ?? "-"))
                print("erasures\t\(s.erasures)")
                if verify {
                    let problems = try store.verifyAggregates()
                    print("aggregates_verified\t\(problems.isEmpty ? "ok" : "\(problems.count) differences")")
                    for p in problems.prefix(20) { FileHandle.standardError.write(Data("varde: \(p)\n".utf8)) }
                    if !problems.isEmpty { throw ExitCode(1) }
                }
            }
        }
    }

    /// `varde samples`.
    struct Samples: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "samples", abstract: "List the samples: batch, role, whether they count in population frequencies, load date.")
        @OptionGroup var storeOptions: StoreOptions

        func run() async throws {
            try await failing {
                let store = try storeOptions.open()
                print("#SAMPLE\tBATCH\tROLE\tCOUNTED\tLOADED\tPERSON_PSEUDONYM")
                for s in try store.samples() {
                    print("\(s.name)\t\(s.batch)\t\(s.role.rawValue)\t\(s.counted ? "yes" : "no")\t\(s.loadedAt)\t\(s.pseudonym.prefix(16))")
                }
            }
        }
    }
}

extension Assembly: ExpressibleByArgument {}
extension AbsentPolicy: ExpressibleByArgument {}
extension Loader.InvalidPolicy: ExpressibleByArgument {}
