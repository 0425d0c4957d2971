import Foundation
import Loader
import StoreFactory
import Testing
import TestSupport
import VCF
import VariantCore
import VariantStore
import VariantStorePostgres

/// A store backend under test: where its store lives, opened through the one factory (`--store`).
struct Backend: CustomTestStringConvertible, Sendable {
    var name: String
    /// A new, empty store's location for a test (a path, or a URL naming a fresh database or schema).
    var makeLocation: @Sendable (_ dir: URL) throws -> String

    var testDescription: String { name }

    static let sqlite = Backend(name: "SQLite") { $0.appendingPathComponent("store.db").path }

    /// A fresh schema of the server VARDE_TEST_POSTGRES_URL names (CI starts one), one per test.
    static let postgres: Backend? = TestPostgres.url.map { url in
        Backend(name: "PostgreSQL") { _ in TestPostgres.freshStore(url) }
    }

    /// A fresh 3-shard store: its catalog a fresh schema of that server, its shards the servers
    /// VARDE_TEST_PG_SHARDS names (scripts/start-shards.sh starts three; CI sets it).
    static let sharded: Backend? = TestPostgres.url.flatMap { url in
        TestPostgres.shards.isEmpty ? nil : Backend(name: "\(TestPostgres.shards.count)-shard PostgreSQL") { _ in
            let catalog = TestPostgres.freshStore(url, prefix: "sh")
            try ShardedStore.create(catalog: catalog, shards: TestPostgres.shards)
            return catalog
        }
    }

    /// Every backend this run can test: SQLite always, PostgreSQL when a server is named, sharded when shards are.
    static let all: [Backend] = [.sqlite] + [postgres, sharded].compactMap { $0 }
}


/// One test body per behaviour a backend must have, run on every backend: answers equal bcftools, batches add up,
/// erasure, snapshots, kill -9, cohorts, the OMOP carrier scan, compaction. Written against the `VariantStore`
/// protocols and the factory only.
@Suite("Backend conformance")
struct BackendConformanceTests {
    static let cohort = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")

    final class Context {
        let dir: URL
        let location: String
        let store: AnyVariantStore
        init(_ backend: Backend) throws {
            dir = try Fixtures.temporaryDirectory()
            location = try backend.makeLocation(dir)
            store = try StoreFactory.open(location)
        }
        func load(_ paths: [String], configure: (inout Loader.Options) -> Void = { _ in }) async throws -> Loader.Report {
            var o = Loader.Options()
            o.threads = 1
            configure(&o)
            return try await Loader(options: o, pseudonymizer: TestStore.pseudonymizer).load(paths, into: store)
        }
        func rows(_ contig: String = "22", onlyCarried: Bool = false) throws -> [String] {
            try store.aggregates(in: Region(contig: contig)).filter { !onlyCarried || $0.ac > 0 }
                .map { "\($0.contig)\t\($0.position)\t\($0.ref)\t\($0.alt)\t\($0.ac)\t\($0.an)" }.sorted()
        }
        deinit { try? FileManager.default.removeItem(at: dir) }
    }

    @Test("CI tests the PostgreSQL backend: it names a server")
    func postgresInCI() {
        if TestPostgres.inCI {
            #expect(TestPostgres.url != nil, "CI must start PostgreSQL and set VARDE_TEST_POSTGRES_URL (.ci/run does)")
            #expect(TestPostgres.shards.count == 3, "CI must start three shard servers and set VARDE_TEST_PG_SHARDS (.ci/run does)")
        }
    }

    @Test("aggregates equal bcftools norm -m- | +fill-tags on 2,504 real genomes", arguments: Backend.all)
    func aggregatesEqualBcftools(_ backend: Backend) async throws {
        let t = try Context(backend)
        _ = try await t.load([Self.cohort])
        #expect(try t.rows() == (try bcftoolsRows(Self.cohort)))
        #expect(try t.store.verifyAggregates().isEmpty)
    }

    @Test("single-sample batches add up to one batch of their merge", arguments: Backend.all)
    func batchesAddUp(_ backend: Backend) async throws {
        let files = try Context(backend), merged = try Context(backend)
        let singles = try BatchTests.singleSampleFiles(in: files.dir)
        let m = merged.dir.appendingPathComponent("merged.vcf.gz").path
        try #require(try Shell.run(["bash", "-c", "bcftools merge -0 -Oz -o '\(m)' \(singles.map { "'\($0)'" }.joined(separator: " "))"]).status == 0)
        for f in singles { _ = try await files.load([f]) }
        _ = try await merged.load([m])
        #expect(try files.store.stats().batches == singles.count)
        #expect(try files.rows(onlyCarried: true) == (try merged.rows(onlyCarried: true)))
    }

    @Test("erasing a person equals never having loaded them, and leaves no ordinal of theirs", arguments: Backend.all)
    func erasure(_ backend: Backend) async throws {
        let a = try Context(backend), never = try Context(backend)
        let singles = try BatchTests.singleSampleFiles(in: a.dir)
        for f in singles { _ = try await a.load([f]) }
        for f in singles.dropFirst() { _ = try await never.load([f]) }
        let gone = try #require(try a.store.ordinals(samples: [BatchTests.people[0]]).values.first)
        _ = try a.store.erase(.sample(name: BatchTests.people[0]))
        #expect(try a.rows(onlyCarried: true) == (try never.rows(onlyCarried: true)))
        #expect(!(try a.store.ordinalsInCalls().contains(gone)))
        #expect(try a.store.verifyAggregates().isEmpty)
    }

    @Test("a read snapshot does not see a batch another connection commits meanwhile", arguments: Backend.all)
    func snapshot(_ backend: Backend) async throws {
        let t = try Context(backend)
        let singles = try BatchTests.singleSampleFiles(in: t.dir)
        _ = try await t.load([singles[0]])
        let before = try t.rows()
        let inside = try t.store.readSnapshot { () throws -> [String] in
            _ = try t.store.assembly()
            // Another process commits a batch while this snapshot is open.
            let load = try Shell.run([Shell.varde, "load", "--store", t.location, "--quiet", singles[1]],
                                     environment: ["VARDE_PSEUDONYM_KEY": "varde-test-secret-0123456789"])
            try #require(load.status == 0, "\(load.stderr)")
            return try t.rows()
        }
        #expect(inside == before)
        #expect(try t.rows() != before)
        #expect(try t.store.stats().batches == 2)
    }

    @Test("a load killed with SIGKILL leaves the store as it was, or with the whole batch", arguments: Backend.all)
    func killedLoad(_ backend: Backend) async throws {
        let t = try Context(backend)
        _ = try await t.load([Fixtures.path("cohort/1kg_hg38.chr22.head200.vcf.gz")]) { $0.assembly = .grch38 }
        let before = try t.rows("chr22")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Shell.varde)
        p.arguments = ["load", "--store", t.location, "--quiet", "--threads", "1", "--assembly", "GRCh38",
                       Fixtures.path("annotated/1kg_hg38.chr22.norm.ann.dbnsfp.clinvar.cosmic.head100.vcf.gz")]
        p.environment = ["VARDE_PSEUDONYM_KEY": "varde-test-secret-0123456789"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        try await Task.sleep(for: .seconds(0.15))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let reopened = try StoreFactory.open(t.location)
        #expect(try reopened.verifyAggregates().isEmpty)
        let batches = try reopened.stats().batches
        #expect(batches == 1 || batches == 2)
        if batches == 1 { #expect(try t.rows("chr22") == before) }
    }

    @Test("named cohorts: saved, listed, counted as bcftools counts the same samples, deleted", arguments: Backend.all)
    func cohorts(_ backend: Backend) async throws {
        let t = try Context(backend)
        _ = try await t.load([Self.cohort])
        let names = Array(try t.store.samples().map(\.name).prefix(300))
        let members = Set(try t.store.ordinals(samples: names).values)
        try t.store.saveCohort(name: "first300", definition: "test", members: members)
        #expect(try t.store.cohort(named: "first300") == members)
        #expect(try t.store.cohorts().map(\.name) == ["first300"])
        let counted = try t.store.aggregates(in: Region(contig: "22"), cohort: members)
            .map { "\($0.contig)\t\($0.position)\t\($0.ref)\t\($0.alt)\t\($0.cohort!.ac)\t\($0.cohort!.an)" }.sorted()
        #expect(counted == (try bcftoolsRows(Self.cohort, samples: names)))
        #expect(try t.store.deleteCohort(named: "first300"))
        #expect(try t.store.cohort(named: "first300") == nil)
    }

    @Test("the OMOP carrier scan lists exactly bcftools' non-reference genotypes", arguments: Backend.all)
    func carrierScan(_ backend: Backend) async throws {
        let t = try Context(backend)
        let file = BatchTests.cohort
        _ = try await t.load([file])
        let names = Dictionary(try t.store.samples().map { ($0.ordinal, $0.name) }, uniquingKeysWith: { a, _ in a })
        var mine: [String] = []
        try t.store.forEachVariantCarriers { v in
            for c in v.carriers { mine.append("\(v.position)\t\(v.ref)\t\(v.alt)\t\(names[c.ordinal] ?? "?")") }
        }
        let oracle = try Shell.run(["bash", "-c", "bcftools norm -m- '\(file)' 2>/dev/null | bcftools query -i 'GT=\"alt\"' -f '[%POS\\t%REF\\t%ALT\\t%SAMPLE\\t%GT\\n]'"])
        let expected = oracle.stdout.split(separator: "\n").compactMap { line -> String? in
            let f = line.split(separator: "\t").map(String.init)
            guard f[4].contains("1") else { return nil }   // after the split, the other ALT's carriers read 0
            let (p, r, a) = trimmed(Int(f[0])!, f[1], f[2])
            return "\(p)\t\(r)\t\(a)\t\(f[3])"
        }
        #expect(mine.count > 1000)
        #expect(mine.sorted() == expected.sorted())
    }

    @Test("compaction of per-file batches changes no answer", arguments: Backend.all)
    func compaction(_ backend: Backend) async throws {
        let t = try Context(backend)
        for f in try BatchTests.singleSampleFiles(in: t.dir) { _ = try await t.load([f]) }
        let members = Set(try t.store.ordinals(samples: Array(BatchTests.people.prefix(4))).values)
        func answers() throws -> [String] {
            try t.store.aggregates(in: Region(contig: "22"), cohort: members).map { "\($0.variantID) \($0.ac) \($0.an) \(String(describing: $0.cohort))" }
                + (try t.store.carried(by: members).map { "\($0.variant.variantID) \($0.sample) \($0.zygosity)" })
        }
        let before = try answers()
        let r = try t.store.compact()
        #expect(r.unitsMerged == BatchTests.people.count)
        #expect(try answers() == before)
        #expect(try t.store.verifyAggregates().isEmpty)
    }
}
