import Foundation
import Loader
import Testing
import TestSupport
import VCF
import VariantCore
import VariantStore
import VariantStoreSQLite

/// N+1: loading samples one by one gives the same aggregates as loading them together.
@Suite("Batches: one by one equals merged")
struct BatchTests {
    static let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
    static let people = ["HG00096", "HG00097", "HG00099", "HG00100", "HG00101", "HG00102"]

    /// Single-sample VCFs as a germline pipeline writes them: only the sites where the sample carries an ALT.
    static func singleSampleFiles(in dir: URL) throws -> [String] {
        try people.map { s in
            let out = dir.appendingPathComponent("\(s).vcf.gz").path
            let r = try Shell.run(["bash", "-c", "bcftools view -s \(s) -c1 -a -Oz -o '\(out)' '\(cohort)' && tabix -p vcf '\(out)'"])
            guard r.status == 0 else { throw TestFailure(message: r.stderr) }
            return out
        }
    }

    @Test("plain VCF: six single-sample loads equal one load of their bcftools merge -0, and bcftools' own counts")
    func plainVCF() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let singles = try Self.singleSampleFiles(in: dir)
        let merged = dir.appendingPathComponent("merged.vcf.gz").path
        let m = try Shell.run(["bash", "-c", "bcftools merge -0 -Oz -o '\(merged)' \(singles.map { "'\($0)'" }.joined(separator: " "))"])
        try #require(m.status == 0, "\(m.stderr)")

        let oneByOne = try TestStore(), together = try TestStore()
        defer { oneByOne.remove(); together.remove() }
        for f in singles { _ = try await oneByOne.load([f]) }
        _ = try await together.load([merged])
        let a = try oneByOne.rows(contigs: ["22"], onlyCarried: true)
        let b = try together.rows(contigs: ["22"], onlyCarried: true)
        let oracle = try bcftoolsRows(merged).filter { !$0.hasSuffix("\t0\t12") && $0.split(separator: "\t")[4] != "0" }
        #expect(a.count > 20)
        #expect(a == b)
        #expect(a == oracle)
        #expect(try oneByOne.store.verifyAggregates().isEmpty)
        let stats = try oneByOne.store.stats()
        #expect(stats.batches == 6 && stats.samples == 6 && stats.people == 6)
    }

    @Test("--absent-as missing: an absent site is not called, so AN counts only samples with a record")
    func absentAsMissing() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let singles = try Self.singleSampleFiles(in: dir)
        let t = try TestStore()
        defer { t.remove() }
        for f in singles.prefix(2) { _ = try await t.load([f]) { $0.absentAs = .missing } }
        let rows = try t.store.aggregates(in: Region(contig: "22"))
        // A site only in one of the two files is called in 2 alleles, not 4.
        #expect(rows.contains { $0.an == 2 })
        #expect(rows.allSatisfy { $0.an == 2 || $0.an == 4 })
        #expect(try t.store.verifyAggregates().isEmpty)
    }

    @Test("gVCF: reference blocks are coverage; separate batches equal one batch and the interval oracle")
    func gvcfCoverage() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = Fixtures.path("gvcf/NA12878.prod.chr20snippet.head2000.g.vcf.gz")
        // A second "person": the same gVCF renamed, with only its first 1,200 records (no coverage after that).
        let second = dir.appendingPathComponent("second.g.vcf.gz").path
        let r = try Shell.run(["bash", "-c", "echo SECOND > '\(dir.path)/n'; (bcftools view -h '\(source)'; bcftools view -H '\(source)' | head -1200) | bcftools reheader -s '\(dir.path)/n' | bgzip > '\(second)'"])
        try #require(r.status == 0, "\(r.stderr)")
        let files = [source, second]

        let separate = try TestStore(), together = try TestStore()
        defer { separate.remove(); together.remove() }
        for f in files { _ = try await separate.load([f]) }
        _ = try await together.load(files)
        let a = try separate.rows(contigs: ["20"])
        #expect(!a.isEmpty)
        #expect(a == (try together.rows(contigs: ["20"])))
        #expect(try separate.store.verifyAggregates().isEmpty)

        // Oracle: per variant, each sample adds its called alleles where it has a record, its ploidy where a
        // reference block covers the position, and nothing elsewhere.
        var expected: [String] = []
        let perFile = try files.map { try VariantReaderTests_readAll($0) }
        let variants = Set(perFile.flatMap { $0.filter { !$0.isReferenceBlock } .flatMap { v in
            Normalizer.split(v).compactMap { p -> String? in
                let alt = p.alts[0]
                guard !alt.hasPrefix("<") && alt != "*" else { return nil }
                let (pos, ref, a) = trimmed(p.position, p.ref, alt)
                return "\(pos)\t\(ref)\t\(a)\t\(p.position)"
            } } })
        for key in variants {
            let f = key.split(separator: "\t").map(String.init)
            let pos = Int(f[0])!, ref = f[1], alt = f[2], recordPos = Int(f[3])!
            var ac = 0, an = 0
            for records in perFile {
                if let rec = records.first(where: { $0.position == recordPos && !$0.isReferenceBlock }) {
                    let idx = rec.alts.firstIndex { trimmed(rec.position, rec.ref, $0).2 == alt && trimmed(rec.position, rec.ref, $0).1 == ref }
                    let call = rec.genotypes!.call(0)
                    an += call.filter { $0 >= 0 }.count
                    if let idx { ac += call.filter { Int($0) == idx + 1 }.count }
                } else if let block = records.first(where: { $0.isReferenceBlock && $0.position <= pos && $0.end >= pos }),
                          block.genotypes?.call(0).allSatisfy({ $0 == 0 }) == true {
                    an += block.genotypes!.call(0).count
                }
            }
            expected.append("20\t\(pos)\t\(ref)\t\(alt)\t\(ac)\t\(an)")
        }
        #expect(a == expected.sorted())
    }
}

func VariantReaderTests_readAll(_ path: String) throws -> [Variant] {
    let r = try VariantReader(path: path)
    var out: [Variant] = []
    while let v = try r.next() { out.append(v) }
    return out
}
