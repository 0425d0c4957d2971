import ArgumentParser
import Foundation
import VariantStore
import StoreFactory

extension Varde {
    /// `varde compact`: merges the call segments of small batches (one genome per file) into segments over many samples.
    struct Compact: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "compact",
            abstract: "Merge the genotype segments of small batches into segments over many samples (no answer changes).",
            discussion: """
                A store fed one genome per file holds one small batch per file, and every region query reads one segment \
                per batch. Compaction rewrites neighbouring small batches' segments, genomic range by range, as if their \
                samples had been loaded as one batch; large batches are left alone. It runs in one transaction: loads wait \
                for it, readers keep their snapshot, and a kill leaves the store as it was. 'varde load' also compacts by \
                itself once 32 small batches have piled up (see --no-compact there). A full compaction (not --automatic) also \
                puts the variant rows back in genomic order when many loads have scattered them (each load appends the \
                variants it meets first), so that a region's rows are read together.
                """)
        @OptionGroup var storeOptions: StoreOptions
        @Option(name: .customLong("small-batch"), help: "Batches with fewer samples than this are merged.") var smallBatch = CompactionPolicy().smallBatch
        @Option(name: .customLong("range-samples"), help: "A merged range covers at most this many samples.") var rangeSamples = CompactionPolicy().rangeSamples
        @Flag(help: "Merge only what a load's automatic compaction would (fanout-sized groups).") var automatic = false
        @Flag(help: "Print no progress on stderr.") var quiet = false

        func validate() throws {
            guard smallBatch >= 1, rangeSamples >= 2, rangeSamples <= 16384 else {
                throw ValidationError("--small-batch must be at least 1 and --range-samples between 2 and 16384")
            }
        }

        func run() async throws {
            try await failing {
                let store = try storeOptions.open()
                let started = Date()
                let policy = CompactionPolicy(smallBatch: smallBatch, rangeSamples: rangeSamples)
                let r = try store.compact(policy, automatic: automatic, progress: quiet ? nil : { line in
                    FileHandle.standardError.write(Data("varde compact: \(line)\n".utf8))
                })
                print("ranges_written\t\(r.rangesWritten)")
                print("batches_merged\t\(r.unitsMerged)")
                print("segments_before\t\(r.segmentsBefore)")
                print("segments_after\t\(r.segmentsAfter)")
                print("entries_read\t\(r.entriesRead)")
                print("entries_written\t\(r.entriesWritten)")
                print("variants_reordered\t\(r.variantsReordered)")
                print(String(format: "seconds\t%.2f", Date().timeIntervalSince(started)))
            }
        }
    }
}
