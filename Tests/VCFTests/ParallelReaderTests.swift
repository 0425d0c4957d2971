import Foundation
import Testing
import TestSupport
import VCF
import VariantCore

@Suite("Parallel reading by region")
struct ParallelReaderTests {
    @Test("a parallel read equals a single-threaded read", arguments: [
        "cohort/1kg_p3.chr22_16050000-16061300.vcf.gz", "cohort/1kg_p3.chr22_16050000-16061300.bcf",
        "cohort/1kg_hg38.chr22.head200.bcf", "indexed/multi-contig.vcf.gz", "indexed/multi-contig.bcf",
        "gvcf/NA12878.prod.chr20snippet.head2000.g.vcf.gz",
    ])
    func parallelEqualsSerial(_ fixture: String) async throws {
        let path = Fixtures.path(fixture)
        let serial = try VariantReaderTests.readAll(path).map(\.withoutLine)
        for workers in [2, 3] {
            let chunks = try await ParallelReader.map(path: path, workers: workers, chunksPerWorker: 4) { reader, _ in
                var out: [Variant] = []
                while let v = try reader.next() { out.append(v.withoutLine) }
                return out
            }
            let parallel = chunks.flatMap { $0 }
            #expect(parallel.count == serial.count)
            #expect(parallel == serial)
        }
    }

    @Test("chunks cover the data without overlap and there are several per contig on a big file")
    func chunkPlan() throws {
        let chunks = try ParallelReader.planChunks(path: Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz"), count: 8)
        #expect(chunks.count > 1)
        for (a, b) in zip(chunks, chunks.dropFirst()) where a.contig == b.contig {
            #expect(a.end! + 1 == b.start)
        }
    }

    @Test("an unindexed file cannot be read in parallel, and says how to index it")
    func unindexed() async throws {
        await #expect(throws: VCFError.self) {
            _ = try await ParallelReader.map(path: Fixtures.path("somatic/test_strelka.vcf"), workers: 2) { _, _ in 0 }
        }
    }
}
