import Foundation
import Loader
import Testing
import TestSupport
import VCF
import VariantCore
import VariantStore
import VariantStoreSQLite

@Suite("Safety: all or nothing, duplicates, bad input")
struct SafetyTests {
    static let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")

    @Test("the same file twice is refused with a clear message; --replace supersedes it")
    func duplicateFile() async throws {
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([Self.cohort])
        let before = try t.rows(contigs: ["22"])
        await #expect(throws: StoreError.self) { _ = try await t.load([Self.cohort]) }
        do { _ = try await t.load([Self.cohort]) } catch let e as StoreError {
            #expect(e.code == .duplicateFile)
            #expect(e.description.contains("--replace"))
        }
        #expect(try t.rows(contigs: ["22"]) == before)
        _ = try await t.load([Self.cohort]) { $0.replace = true }
        #expect(try t.rows(contigs: ["22"]) == before)
        #expect(try t.store.stats().samples == 2504)
        #expect(try t.store.verifyAggregates().isEmpty)
    }

    @Test("a sample already in the store is refused (another file with the same sample name)")
    func duplicateSample() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("a.vcf.gz").path, b = dir.appendingPathComponent("b.vcf.gz").path
        _ = try Shell.run(["bash", "-c", "bcftools view -s HG00096 -r 22:16050000-16055000 -Oz -o '\(a)' '\(Self.cohort)'; bcftools view -s HG00096 -r 22:16055001-16061300 -Oz -o '\(b)' '\(Self.cohort)'"])
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([a])
        do {
            _ = try await t.load([b])
            Issue.record("a duplicate sample was accepted")
        } catch let e as StoreError {
            #expect(e.code == .duplicateSample)
            #expect(e.message.contains("HG00096"))
        }
    }

    @Test("a file of another assembly is refused")
    func assemblyMismatch() async throws {
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([Self.cohort])
        await #expect(throws: StoreError.self) { _ = try await t.load([Fixtures.path("cohort/1kg_hg38.chr22.head200.vcf.gz")]) }
        #expect(try t.store.stats().batches == 1)
    }

    @Test("a malformed record fails the whole batch with file, line and locus; --on-invalid skip counts it")
    func malformedRecord() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A real file with one broken record in the middle: its last sample column cut off.
        let bad = dir.appendingPathComponent("bad.vcf").path
        _ = try Shell.run(["bash", "-c", "bcftools view '\(Fixtures.path("somatic/test_strelka.vcf"))' | awk 'BEGIN{OFS=\"\\t\"} !/^#/ && ++n==100 {NF--} {print}' > '\(bad)'"])
        let t = try TestStore()
        defer { t.remove() }
        do {
            _ = try await t.load([bad]) { $0.assembly = .grch37 }
            Issue.record("the malformed record was accepted")
        } catch let e as VCFError {
            #expect(e.path == bad)
            #expect(e.line != nil)
            #expect(e.description.contains("columns"))
            #expect(e.locus != nil)
        }
        #expect(try t.store.stats().batches == 0)
        #expect(try t.store.stats().variantsByKind.isEmpty)
        let report = try await t.load([bad]) { $0.onInvalid = .skip; $0.assembly = .grch37 }
        #expect(report.skippedInvalid == 1)
        #expect(try t.store.stats().batches == 1)
    }

    @Test("a genotype naming an allele the record lacks fails the batch, as varde check reports it")
    func genotypeAlleleOutOfRange() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("gt.vcf").path
        // A real file whose 50th record gets GT 0/2 although it has one ALT.
        _ = try Shell.run(["bash", "-c", "bcftools view -s HG00096 '\(Self.cohort)' | awk 'BEGIN{OFS=\"\\t\"} !/^#/ && ++n==50 {$10=\"0|2\"} {print}' > '\(bad)'"])
        let t = try TestStore()
        defer { t.remove() }
        do {
            _ = try await t.load([bad])
            Issue.record("accepted a GT naming a missing allele")
        } catch let e as VCFError {
            #expect(e.description.contains("names allele 2"))
            #expect(e.line != nil)
        }
        #expect(try t.store.stats().batches == 0)
    }

    @Test("a load killed with SIGKILL at any moment leaves the store as it was", arguments: [0.05, 0.15, 0.3, 0.5, 0.8])
    func killedLoad(after seconds: Double) async throws {
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([Fixtures.path("cohort/1kg_hg38.chr22.head200.vcf.gz")]) { $0.assembly = .grch38 }
        let before = try t.rows(contigs: ["chr22"])
        let beforeStats = try t.store.stats()
        // A real varde load of a second, larger file, killed part-way.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Shell.varde)
        p.arguments = ["load", "--store", t.path, "--quiet", "--threads", "1", "--assembly", "GRCh38",
                       Fixtures.path("annotated/1kg_hg38.chr22.norm.ann.dbnsfp.clinvar.cosmic.head100.vcf.gz")]
        p.environment = ["VARDE_PSEUDONYM_KEY": "varde-test-secret-0123456789"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        try await Task.sleep(for: .seconds(seconds))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        // Reopen as a new process would: either the batch fully committed or there is no trace of it.
        let reopened = try SQLiteVariantStore(path: t.path)
        let after = try reopened.stats()
        #expect(try reopened.verifyAggregates().isEmpty)
        if after.batches == beforeStats.batches {
            #expect(after.samples == beforeStats.samples)
            #expect(try reopened.aggregates(in: Region(contig: "chr22")).map { "\($0.contig)\t\($0.position)\t\($0.ref)\t\($0.alt)\t\($0.ac)\t\($0.an)" }.sorted() == before)
        } else {
            #expect(after.batches == beforeStats.batches + 1)
        }
        let integrity = try Shell.run(["sqlite3", t.path, "PRAGMA integrity_check"])
        #expect(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok")
    }
}
