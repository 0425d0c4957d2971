import Foundation
import Loader
import Testing
import TestSupport
import VCF
import VariantCore
import VariantStore
import VariantStoreSQLite

@Suite("Erasure (consent withdrawal)")
struct ErasureTests {
    static func manifest(_ people: [String]) throws -> Manifest {
        var text = "sample\tperson\trole\tsex\tcohort_note\n"
        for (i, s) in people.enumerated() { text += "\(s)\tCPR-0101\(i)0-1234\tgermline\t\(i % 2 == 0 ? "male" : "female")\tpilot\n" }
        return try Manifest(text: text, path: "manifest.tsv")
    }

    @Test("after erasing a person, counts equal a store loaded without them, and nothing of theirs is left (also when their batch was compacted)",
          arguments: [false, true])
    func eraseEqualsNeverLoaded(compacted: Bool) async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let singles = try BatchTests.singleSampleFiles(in: dir)
        let people = BatchTests.people
        let manifest = try Self.manifest(people)
        let erased = 2  // HG00099

        let a = try TestStore(), c = try TestStore()
        defer { a.remove(); c.remove() }
        for f in singles { _ = try await a.load([f]) { $0.manifest = manifest } }
        for (i, f) in singles.enumerated() where i != erased { _ = try await c.load([f]) { $0.manifest = manifest } }
        if compacted {
            // The six single-sample batches become one range of segments over all six samples.
            let r = try a.store.compact()
            #expect(r.unitsMerged == singles.count)
            #expect(r.rangesWritten == 1)
        }
        let ordinal = try #require(try a.store.samples().first { $0.name == people[erased] }?.ordinal)
        #expect(try a.store.ordinalsInCalls().contains(ordinal))

        let key = manifest.entries[people[erased]]!.person
        let variantsBefore = try a.store.stats().variantsByKind.values.reduce(0, +)
        let variantsWithout = try c.store.stats().variantsByKind.values.reduce(0, +)
        let report = try a.store.erase(.person(pseudonym: TestStore.pseudonymizer.pseudonym(key)))
        #expect(report.samples == [people[erased]])
        // Variants only this person carried are dropped.
        #expect(report.variantsDropped == variantsBefore - variantsWithout)

        #expect(try a.rows(contigs: ["22"]) == (try c.rows(contigs: ["22"])))
        #expect(try a.store.verifyAggregates().isEmpty)
        #expect(!(try a.store.ordinalsInCalls().contains(ordinal)))
        #expect(try a.store.stats().erasures == 1)
        #expect(try a.store.stats().samples == people.count - 1)
        // The file holds neither the sample name nor the raw person key (nor any other raw key).
        let bytes = try Data(contentsOf: URL(fileURLWithPath: a.path))
        #expect(bytes.range(of: Data(people[erased].utf8)) == nil)
        for p in people { #expect(bytes.range(of: Data(manifest.entries[p]!.person.utf8)) == nil) }
        // Erasing again finds nothing.
        #expect(throws: StoreError.self) { _ = try a.store.erase(.person(pseudonym: TestStore.pseudonymizer.pseudonym(key))) }
    }

    @Test("erasing one sample of a multi-sample batch rewrites only its lists; the rest still equal bcftools")
    func eraseFromCohort() async throws {
        let t = try TestStore()
        defer { t.remove() }
        let path = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
        _ = try await t.load([path])
        _ = try t.store.erase(.sample(name: "HG00096"))
        let names = try t.store.samples().map(\.name)
        #expect(names.count == 2503)
        let expected = try bcftoolsRows(path, samples: ["^HG00096"]).filter { $0.split(separator: "\t")[4] != "0" }
        let actual = try t.rows(contigs: ["22"]).filter { $0.split(separator: "\t")[4] != "0" }
        #expect(actual == expected)
        #expect(try t.store.verifyAggregates().isEmpty)
    }
}

@Suite("Somatic calls and the manifest")
struct SomaticTests {
    static let file = Fixtures.path("somatic/mutect2.NA12878.head300.vcf")

    @Test("tumour/normal: one person; the normal counts, the tumour never enters AC/AN but is counted as a tumour carrier")
    func tumourNormal() async throws {
        let manifest = try Manifest(text: """
            sample\tperson\trole\tspecimen_type\tcollection_date\tdiagnosis\tdiagnosis_date\tbiobank_id
            SM-612V3\t0101701234\ttumour\tFFPE\t2024-03-01\tC34.1\t2024-02-20\tBB-77
            SM-612V6\t0101701234\tnormal\tblood\t2024-03-01\t\t\tBB-78
            """, path: "m.tsv")
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([Self.file]) { $0.manifest = manifest }
        let stats = try t.store.stats()
        #expect(stats.people == 1 && stats.samples == 2)
        let samples = try t.store.samples()
        #expect(samples.first { $0.name == "SM-612V3" }?.role == .tumour)
        #expect(samples.first { $0.name == "SM-612V3" }?.counted == false)
        #expect(samples.first { $0.name == "SM-612V6" }?.counted == true)

        // AC/AN come from the normal only.
        let normal = try bcftoolsRows(Self.file, samples: ["SM-612V6"])
        let contigs = Set(normal.map { String($0.split(separator: "\t")[0]) })
        #expect(try t.rows(contigs: Array(contigs)) == normal)
        // Tumour carriers per site equal bcftools' count of tumour genotypes with the ALT after splitting.
        let q = try Shell.run(["bash", "-c", "bcftools norm -m- '\(Self.file)' 2>/dev/null | bcftools view -s SM-612V3 | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT[\\t%GT]\\n'"])
        var tumourCarriers = 0
        for line in q.stdout.split(separator: "\n") where line.split(separator: "\t")[3] != "*" {
            if line.split(separator: "\t")[4].contains("1") { tumourCarriers += 1 }
        }
        let rows = try contigs.flatMap { try t.store.aggregates(in: Region(contig: $0)) }
        #expect(rows.reduce(0) { $0 + $1.tumours } == tumourCarriers)
        #expect(tumourCarriers > 100)
        #expect(rows.contains { $0.tumourMedianVAF != nil })
        // The raw person key is nowhere in the store file.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: t.path))
        #expect(bytes.range(of: Data("0101701234".utf8)) == nil)
    }

    @Test("without a manifest, ##tumor_sample/##normal_sample make a pair of one person")
    func headerPair() async throws {
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([Self.file])
        let samples = try t.store.samples()
        #expect(Set(samples.map(\.role)) == [.tumour, .normal])
        #expect(Set(samples.map(\.pseudonym)).count == 1)
    }

    @Test("manifest errors name the line and what to fix", arguments: [
        ("sample\tperson\nS1\n", "columns"), ("name\tperson\nS1\tP1\n", "'sample'"), ("sample\tperson\trole\nS1\tP1\tblood\n", "role"),
        ("sample\tperson\tcollection_date\nS1\tP1\t03/01/2024\n", "ISO 8601"), ("sample\tperson\nS1\tP1\nS1\tP2\n", "twice"),
    ])
    func manifestErrors(_ text: String, _ phrase: String) {
        do {
            _ = try Manifest(text: text, path: "m.tsv")
            Issue.record("accepted a bad manifest")
        } catch {
            #expect(error.description.contains(phrase))
            #expect(error.description.contains("m.tsv:"))
        }
    }
}
