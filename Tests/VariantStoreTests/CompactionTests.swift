import Foundation
import Loader
import Testing
import TestSupport
import VCF
import VariantCore
import VariantStore
import VariantStoreSQLite

@Suite("Compaction and per-genome loading")
struct CompactionTests {
    static let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
    static let gvcfs = [Fixtures.path("gvcf/NA12878.prod.chr20snippet.head2000.g.vcf.gz")]

    /// `count` 1000 Genomes samples as a lab's single-sample VCFs (sites where the sample is not hom-ref; no-calls
    /// kept), and the same samples as one multi-sample file.
    static func singles(_ count: Int, in dir: URL) throws -> (files: [String], names: [String], together: String) {
        let all = try Shell.run(["bcftools", "query", "-l", cohort]).stdout.split(separator: "\n").map(String.init)
        let names = stride(from: 0, to: all.count, by: all.count / count).prefix(count).map { all[$0] }
        let together = dir.appendingPathComponent("together.vcf.gz").path
        var script = "set -e; bcftools view -s \(names.joined(separator: ",")) -Oz -o '\(together)' '\(cohort)'\n"
        var files: [String] = []
        for n in names {
            let out = dir.appendingPathComponent("\(n).vcf.gz").path
            script += "bcftools view -s \(n) '\(cohort)' -Ou | bcftools view -e 'GT=\"RR\"' -Oz -o '\(out)'\n"
            files.append(out)
        }
        let r = try Shell.run(["bash", "-c", script])
        guard r.status == 0 else { throw TestFailure(message: r.stderr) }
        return (files, names, together)
    }

    /// Every answer that reads calls, keyed by sample name (ordinals differ between stores): aggregates of carried
    /// variants, cohort counts, genotypes, what samples carry, the OMOP carrier scan, and the aggregates' proof.
    static func answers(_ store: SQLiteVariantStore, names: [String], contigs: [String]) throws -> [String] {
        let ordinals = try store.ordinals(samples: names)
        let cohort = Set(names.enumerated().filter { $0.offset % 3 != 1 }.compactMap { ordinals[$0.element] })
        var out: [String] = []
        var ids: [VariantID] = []
        for contig in contigs {
            for a in try store.aggregates(in: Region(contig: contig), cohort: cohort) where a.ac > 0 || a.tumours > 0 {
                out.append("\(a.variantID) \(a.end) \(a.kind) ac=\(a.ac) an=\(a.an) hom=\(a.nHomAlt) hemi=\(a.nHemi) t=\(a.tumours) f=\(a.filters) c=\(String(describing: a.cohort))")
                ids.append(a.variantID)
            }
        }
        let sampleOrder = names.compactMap { ordinals[$0] }
        out += try store.genotypes(at: ids, samples: sampleOrder).map { $0.joined(separator: ",") }
        out += try store.carried(by: Set(sampleOrder.prefix(5))).map { "\($0.variant.variantID) \($0.sample) \($0.zygosity)" }
        let nameOf = Dictionary(try store.samples().map { ($0.ordinal, $0.name) }, uniquingKeysWith: { a, _ in a })
        try store.forEachVariantCarriers { v in
            out.append("\(v.contig):\(v.position) \(v.ref)>\(v.alt) " + v.carriers.map { "\(nameOf[$0.ordinal] ?? "?")/\($0.zygosity)/\(String(describing: $0.depth))/\(String(describing: $0.vaf))" }.sorted().joined(separator: ","))
        }
        let problems = try store.verifyAggregates()
        if !problems.isEmpty { out.append("verify: \(problems.prefix(3))") }
        return out
    }

    static func loadEach(_ files: [String], into t: TestStore, jobs: Int = 2, keepGoing: Bool = false) -> [Loader.FileOutcome] {
        var o = Loader.Options()
        o.threads = 1
        return Loader(options: o, pseudonymizer: TestStore.pseudonymizer).loadEach(files, into: t.store, jobs: jobs, keepGoing: keepGoing)
    }

    @Test("one batch per file, parsed in parallel, equals one batch of the same samples; compaction changes no answer")
    func compactionChangesNoAnswer() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (files, names, together) = try Self.singles(40, in: dir)
        let perFile = try TestStore(), oneBatch = try TestStore()
        defer { perFile.remove(); oneBatch.remove() }

        // Given 40 single-sample VCFs and a single-sample gVCF, loaded one batch per file with two workers,
        let outcomes = Self.loadEach(files + Self.gvcfs, into: perFile)
        #expect(outcomes.map(\.status) == Array(repeating: .loaded, count: files.count + 1))
        #expect(Set(outcomes.compactMap(\.batchID)).count == files.count + 1)
        #expect(try perFile.store.stats().batches == files.count + 1)
        // and the same 40 samples as one batch (the gVCF as its own),
        _ = try await oneBatch.load([together])
        for g in Self.gvcfs { _ = try await oneBatch.load([g]) }
        let everyone = names + ["NA12878"]
        let contigs = ["22", "20", "X"]
        let expected = try Self.answers(oneBatch.store, names: everyone, contigs: contigs)
        #expect(expected.count > 300)
        let got = try Self.answers(perFile.store, names: everyone, contigs: contigs)
        #expect(got == expected, "\(zip(got, expected).filter { $0 != $1 }.prefix(4)) \(got.count) vs \(expected.count)")

        // When the per-file store is compacted,
        let segmentsBefore = try perFile.store.stats()
        let report = try perFile.store.compact()
        // Then its 41 batches become one range, with fewer segments, and every answer stays the same.
        #expect(report.rangesWritten == 1)
        #expect(report.unitsMerged == files.count + 1)
        #expect(report.segmentsAfter < report.segmentsBefore)
        #expect(report.entriesWritten < report.entriesRead)
        // Forty loads appended their variants in load order; the full compaction put the rows back in genomic order.
        #expect(report.variantsReordered > 0)
        #expect(try Self.answers(perFile.store, names: everyone, contigs: contigs) == expected)
        #expect(try perFile.store.stats().batches == segmentsBefore.batches)
        // Compacting again finds nothing to do.
        #expect(try perFile.store.compact().rangesWritten == 0)
        // A later small batch is merged with the compacted range by the next compaction.
        let extra = try Self.singles(45, in: dir.appendingPathComponent("more", isDirectory: true).creatingDirectory())
        let newName = try #require(extra.names.first { !names.contains($0) })
        _ = try await perFile.load([extra.files[extra.names.firstIndex(of: newName)!]])
        let withExtra = try Self.answers(perFile.store, names: everyone + [newName], contigs: contigs)
        #expect(try perFile.store.compact().unitsMerged == 2)
        #expect(try Self.answers(perFile.store, names: everyone + [newName], contigs: contigs) == withExtra)
    }

    @Test("automatic compaction merges fanout-sized groups of small batches, leaves large batches and the last few alone")
    func automaticPlan() {
        let planner = CompactionPlanner(policy: CompactionPolicy(smallBatch: 64, rangeSamples: 1024, fanout: 4))
        typealias U = CompactionPlanner.Unit
        // Ten single-sample batches, a 500-sample batch, then three more singles.
        var units = (0..<10).map { U(base: UInt32($0), span: 1, merged: false) }
        units.append(U(base: 10, span: 500, merged: false))
        units += (0..<3).map { U(base: 510 + UInt32($0), span: 1, merged: false) }
        let auto = planner.automatic(units)
        #expect(auto.map { $0.map(\.base) } == [[0, 1, 2, 3], [4, 5, 6, 7]])
        // A full compaction takes every run of small units, never the large batch.
        #expect(planner.full(units).map { $0.map(\.base) } == [Array(0...9).map(UInt32.init), [510, 511, 512]])
        // Four merged ranges of four become one of sixteen (the next tier).
        let ranges = (0..<4).map { U(base: UInt32($0 * 4), span: 4, merged: true) }
        #expect(planner.automatic(ranges).map { $0.count } == [4])
        // A merged range that is full is never taken again.
        #expect(planner.full([U(base: 0, span: 1024, merged: true), U(base: 1024, span: 1, merged: false)]).isEmpty)
    }

    @Test("a file that fails is rolled back alone: --keep-going loads the rest, else the run stops there")
    func failingFile() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (files, _, _) = try Self.singles(6, in: dir)
        // A real file with its first record's sample column cut off.
        let bad = dir.appendingPathComponent("broken.vcf").path
        let r = try Shell.run(["bash", "-c", "bcftools view '\(files[2])' | awk 'BEGIN{OFS=\"\\t\"} !/^#/ && ++n==1 {NF--} {print}' > '\(bad)'"])
        try #require(r.status == 0)
        let inputs = [files[0], files[1], bad, files[3], files[4]]

        let going = try TestStore()
        defer { going.remove() }
        let all = Self.loadEach(inputs, into: going, keepGoing: true)
        #expect(all.map(\.status) == [.loaded, .loaded, .failed, .loaded, .loaded])
        let message = try #require(all[2].message)
        #expect(message.contains(bad) && message.contains("line"))
        #expect(try going.store.stats().batches == 4)
        #expect(try going.store.verifyAggregates().isEmpty)
        // Loading the same folder again skips what is in the store.
        let again = Self.loadEach(inputs, into: going, keepGoing: true)
        #expect(again.map(\.status) == [.skipped, .skipped, .failed, .skipped, .skipped])
        #expect(try going.store.stats().batches == 4)

        let stopping = try TestStore()
        defer { stopping.remove() }
        let some = Self.loadEach(inputs, into: stopping, keepGoing: false)
        #expect(some.map(\.status) == [.loaded, .loaded, .failed, .skipped, .skipped])
        #expect(try stopping.store.stats().batches == 2)
    }

    @Test("a person whose sample already counts: the next file's sample is stored as not counted, as a serial load does")
    func secondSampleOfAPerson() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (files, names, _) = try Self.singles(3, in: dir)
        var text = "sample\tperson\trole\n"
        for (i, n) in names.enumerated() { text += "\(n)\tPERSON-\(i == 2 ? 0 : i)\tgermline\n" }
        var o = Loader.Options()
        o.threads = 1
        o.manifest = try Manifest(text: text, path: "m.tsv")
        let parallel = try TestStore(), serial = try TestStore()
        defer { parallel.remove(); serial.remove() }
        let outcomes = Loader(options: o, pseudonymizer: TestStore.pseudonymizer).loadEach(files, into: parallel.store, jobs: 2, keepGoing: false)
        #expect(outcomes.allSatisfy { $0.status == .loaded })
        for f in files { _ = try await Loader(options: o, pseudonymizer: TestStore.pseudonymizer).load([f], into: serial.store) }
        #expect(try parallel.store.samples().map(\.counted) == [true, true, false])
        #expect(try parallel.rows(contigs: ["22"]) == (try serial.rows(contigs: ["22"])))
        #expect(try parallel.store.verifyAggregates().isEmpty)
    }

    @Test("a store written by a newer Varde (an unknown migration) is refused and left unchanged")
    func newerStoreRefused() throws {
        let t = try TestStore()
        defer { t.remove() }
        let r = try Shell.run(["sqlite3", t.path, "INSERT INTO migration VALUES ('9999-from-the-future', '2030-01-01T00:00:00Z')"])
        try #require(r.status == 0)
        let opened = Result { () throws(StoreError) -> SQLiteVariantStore in try SQLiteVariantStore(path: t.path) }
        guard case let .failure(e) = opened else { Issue.record("a store with an unknown migration was opened"); return }
        #expect(e.message.contains("newer version"))
        #expect(e.message.contains("9999-from-the-future"))
    }
}

extension URL {
    func creatingDirectory() throws -> URL {
        try FileManager.default.createDirectory(at: self, withIntermediateDirectories: true)
        return self
    }
}

@Suite("Variant order")
struct VariantOrderTests {
    @Test("a full compaction renumbers variants in genomic order without changing annotations, rsIDs or any count")
    func reorderKeepsAnnotations() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Fixtures.path("annotated/1kg_hg38.chr22.norm.ann.dbnsfp.clinvar.cosmic.head100.vcf.gz")
        let all = try Shell.run(["bcftools", "query", "-l", source]).stdout.split(separator: "\n").map(String.init)
        var files: [String] = []
        var script = "set -e\n"
        for n in all.prefix(12) {
            let out = dir.appendingPathComponent("\(n).vcf.gz").path
            script += "bcftools view -s \(n) '\(source)' -Ou 2>/dev/null | bcftools view -e 'GT=\"RR\"' -Oz -o '\(out)' 2>/dev/null\n"
            files.append(out)
        }
        try #require(try Shell.run(["bash", "-c", script]).status == 0)
        let t = try TestStore()
        defer { t.remove() }
        for f in files { _ = try await t.load([f]) { $0.assembly = .grch38 } }
        func answers() throws -> [String] {
            try t.store.aggregates(in: Region(contig: "chr22")).flatMap { a -> [String] in
                ["\(a.variantID) \(a.ac) \(a.an) \(a.rsid ?? ".") \(a.genes) \(a.consequences)"]
                    + (try t.store.annotations(of: a.variantID).map { "\($0.gene ?? "") \($0.transcript ?? "") \($0.consequences) \($0.hgvsc ?? "") \($0.hgvsp ?? "")" })
            } + (try t.store.carried(by: Set(try t.store.samples().map(\.ordinal).prefix(3))).map { "\($0.variant.variantID) \($0.sample) \($0.zygosity)" })
        }
        let before = try answers()
        #expect(before.count > 100)
        let annotated = try t.store.aggregates(in: Region(contig: "chr22")).reduce(0) { $0 + (try t.store.annotations(of: $1.variantID).count) }
        #expect(annotated > 20)
        let r = try t.store.compact()
        #expect(r.variantsReordered > 0)
        #expect(try answers() == before)
        #expect(try t.store.verifyAggregates().isEmpty)
        #expect(try t.store.compact().variantsReordered == 0)
    }
}

@Suite("Repeated records")
struct RepeatedRecordTests {
    @Test("a record repeated in one file counts once (its calls are the union), and stats --verify agrees")
    func repeatedRecord() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let once = dir.appendingPathComponent("once.vcf").path, twice = dir.appendingPathComponent("twice.vcf").path
        // Six real samples; the 30th record written twice, as some callers do for one allele.
        let r = try Shell.run(["bash", "-c", "bcftools view -s \(BatchTests.people.joined(separator: ",")) '\(BatchTests.cohort)' > '\(once)' && awk '{print} !/^#/ && ++n==30 {print}' '\(once)' > '\(twice)'"])
        try #require(r.status == 0, "\(r.stderr)")
        let a = try TestStore(), b = try TestStore()
        defer { a.remove(); b.remove() }
        _ = try await a.load([once])
        _ = try await b.load([twice])
        #expect(try b.rows(contigs: ["22"]) == (try a.rows(contigs: ["22"])))
        #expect(try b.store.verifyAggregates().isEmpty)
    }
}
