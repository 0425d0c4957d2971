import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport
import VardeService
import VariantQuery
import VariantCore
import VariantStore
import VariantStoreSQLite

@Suite("Beacon and native queries: semantics, malformed requests, OpenAPI, consistency, live server")
struct QueryTests {
    static let ctl = ServiceFixture.controlledToken

    func ids(_ reply: Reply) -> [String] {
        (reply.json["response"]?["resultSets"]?.arrayValue ?? []).flatMap { $0["results"]?.arrayValue ?? [] }.compactMap { $0["variantInternalId"]?.stringValue }
    }

    @Test("0-based Beacon coordinates: sequence, range and bracket queries find what the store holds, as 1-based IDs")
    func coordinates() async throws {
        let truth = try SQLiteVariantStore(path: ServiceFixture.store).aggregates(in: Region(contig: "22", start: 16050001, end: 16050800))
            .filter { $0.ac > 0 || $0.tumours > 0 }
        let v = try #require(truth.first { $0.kind == "snv" && $0.ac >= 5 })
        let app = ServiceFixture.app(try ServiceFixture.state())
        try await app.test(.router) { client in
            // Sequence: start is the 0-based position.
            let seq = try await client.call("/g_variants?referenceName=22&start=\(v.position - 1)&referenceBases=\(v.ref)&alternateBases=\(v.alt)&requestedGranularity=record", token: Self.ctl)
            #expect(ids(seq) == [v.variantID.description])
            let off = try await client.call("/g_variants?referenceName=22&start=\(v.position)&referenceBases=\(v.ref)&alternateBases=\(v.alt)&requestedGranularity=record", token: Self.ctl)
            #expect(ids(off).isEmpty)
            // Range [16050000, 16050800) is 1-based 16050001..16050800.
            let range = try await client.call("/g_variants?referenceName=chr22&start=16050000&end=16050800&requestedGranularity=count", token: Self.ctl)
            #expect(range.json["responseSummary"]?["numTotalResults"]?.intValue == truth.count)
            // Bracket: starts in [p-1, p-1], ends in [p, p] selects the SNV itself.
            let bracket = try await client.call("/g_variants?referenceName=22&start=\(v.position - 1),\(v.position - 1)&end=\(v.position),\(v.position)&requestedGranularity=record", token: Self.ctl)
            #expect(ids(bracket).contains(v.variantID.description))
            // Paging: skip counts pages of limit records.
            let pages = "/g_variants?referenceName=22&start=16050000&end=16061300&requestedGranularity=record&datasetIds=all&limit=2"
            let p0 = try await client.call(pages + "&skip=0", token: Self.ctl)
            let p1 = try await client.call(pages + "&skip=1", token: Self.ctl)
            #expect(ids(p0).count == 2 && ids(p1).count == 2)
            #expect(Set(ids(p0)).isDisjoint(with: ids(p1)))
            // The record carries a VRS-style location in 0-based interbase coordinates.
            let rec = seq.json["response"]?["resultSets"]?.arrayValue?.first?["results"]?.arrayValue?.first
            #expect(rec?["variation"]?["location"]?["interval"]?["start"]?["value"]?.intValue == v.position - 1)
            #expect(rec?["variation"]?["location"]?["interval"]?["end"]?["value"]?.intValue == v.position)
            // The controlled record lists the carriers: hets plus twice the hom-alts make AC, hom-alts make NHOMALT.
            let carriers = rec?["caseLevelData"]?.arrayValue ?? []
            let het = carriers.filter { $0["zygosity"]?["id"] == "GENO:0000135" }.count
            let hom = carriers.filter { $0["zygosity"]?["id"] == "GENO:0000136" }.count
            #expect(het + 2 * hom == v.ac)
            #expect(hom == v.nHomAlt)
            #expect(carriers.allSatisfy { $0["biosampleId"]?.stringValue?.isEmpty == false })
            // Native API: the same variant by ID, region and HGVS.
            let byID = try await client.call("/api/v1/variants/\(v.variantID)", token: Self.ctl)
            #expect(byID.json["variants"]?.arrayValue?.first?["id"]?.stringValue == v.variantID.description)
            let hgvs = try #require(byID.json["variants"]?.arrayValue?.first?["hgvsg"]?.stringValue)
            let byHGVS = try await client.call("/api/v1/variants?hgvs=\(hgvs)", token: Self.ctl)
            #expect(byHGVS.json["variants"]?.arrayValue?.map { $0["id"]?.stringValue } == [v.variantID.description])
            let byAllele = try await client.call("/g_variants?allele=\(hgvs)&requestedGranularity=record", token: Self.ctl)
            #expect(ids(byAllele) == [v.variantID.description])
        }
    }

    @Test("geneId and the gene summary translate the gene through the gene table of the store's assembly")
    func geneQueries() async throws {
        // Given the GRCh38 1000 Genomes slice and a gene table naming one gene over part of it (the slice is
        // pericentromeric: no real gene overlaps it)
        let store = try SQLiteVariantStore(path: ServiceFixture.hg38Store)
        let all = try store.aggregates(in: Region(contig: "chr22"))
        #expect(all.count > 20)
        let span = (all[5].position, all[all.count - 5].position)
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "#SYMBOL\tENTREZ\tCHROM\tSTART\tEND\tSTRAND\nTESTG1\t1\t22\t\(span.0)\t\(span.1)\t+\n"
            .write(toFile: dir.appendingPathComponent("genes.GRCh38.tsv").path, atomically: true, encoding: .utf8)
        try "ALIASG1\tTESTG1\n".write(toFile: dir.appendingPathComponent("gene-aliases.tsv").path, atomically: true, encoding: .utf8)
        let inGene = all.filter { $0.end >= span.0 && $0.position <= span.1 && ($0.ac > 0 || $0.tumours > 0) }
        let app = ServiceFixture.app(try ServiceFixture.state(store: ServiceFixture.hg38Store, genes: GeneIndex(directory: dir.path)))
        try await app.test(.router) { client in
            // When the gene is asked for by symbol and by alias, Then exactly the variants inside it come back.
            for name in ["TESTG1", "ALIASG1"] {
                let count = try await client.call("/g_variants?geneId=\(name)&requestedGranularity=count", token: Self.ctl)
                #expect(count.status == 200, "\(count.json)")
                #expect(count.json["responseSummary"]?["numTotalResults"]?.intValue == inGene.count)
                let r = try await client.call("/g_variants?geneId=\(name)&requestedGranularity=record&datasetIds=all&limit=5&skip=1", token: Self.ctl)
                #expect(ids(r) == inGene.dropFirst(5).prefix(5).map(\.variantID.description))
            }
            let summary = try await client.call("/api/v1/genes/TESTG1", token: Self.ctl)
            #expect(summary.json["variants"]?.intValue == inGene.filter { $0.ac > 0 }.count)
            #expect(try await client.call("/g_variants?geneId=NOSUCHGENE1", token: Self.ctl).status == 404)
        }
        // And a GRCh37 store looks genes up in the GRCh37 table (BRCA2 is on chr13, outside the chr22 slice);
        // without that table it answers 501 with the reason.
        let grch37 = ServiceFixture.app(try ServiceFixture.state())
        try await grch37.test(.router) { client in
            let r = try await client.call("/g_variants?geneId=BRCA2", token: Self.ctl)
            #expect(r.status == 200)
            #expect(r.json["responseSummary"]?["exists"] == false)
        }
        let noTable = ServiceFixture.app(try ServiceFixture.state(genes: GeneIndex(directory: dir.path)))
        try await noTable.test(.router) { client in
            let r = try await client.call("/g_variants?geneId=BRCA2", token: Self.ctl)
            #expect(r.status == 501)
            #expect(r.json["error"]?["errorMessage"]?.stringValue?.contains("GRCh37") == true)
        }
    }

    @Test("malformed requests are 400 with a message that says what is wrong")
    func malformed() async throws {
        let app = ServiceFixture.app(try ServiceFixture.state())
        try await app.test(.router) { client in
            let cases: [(String, String)] = [
                ("/g_variants?referenceName=22&start=-5&alternateBases=G", "at least 0"),
                ("/g_variants?referenceName=22&start=abc&alternateBases=G", "whole numbers"),
                ("/g_variants?referenceName=22&start=200&end=100", "must be greater than start"),
                ("/g_variants?referenceName=22&start=0&end=90000000", "spans"),
                ("/g_variants?referenceName=22&start=100", "needs alternateBases"),
                ("/g_variants?referenceName=nochrom&start=100&end=200", "not a contig"),
                ("/g_variants?colour=blue", "unknown parameter 'colour'"),
                ("/g_variants", "unfiltered"),
                ("/g_variants?referenceName=22&start=1&end=5&variantType=WEIRD", "unknown variantType"),
                ("/g_variants?referenceName=22&start=1&alternateBases=XYZ", "IUPAC"),
                ("/g_variants?referenceName=22&start=1&end=5&requestedGranularity=everything", "requestedGranularity"),
                ("/info?x=1", "unknown parameter"),
                ("/api/v1/variants?region=22:200-100", "before the start"),
                ("/api/v1/variants?region=22:1-90000000", "spans"),
                ("/api/v1/variants?region=22:1-10&colour=blue", "unknown parameter 'colour'"),
                ("/api/v1/variants?id=22-x-A-G", "CHROM-POS-REF-ALT"),
            ]
            for (uri, words) in cases {
                let r = try await client.call(uri, token: Self.ctl)
                #expect(r.status == 400, "\(uri): \(r.status)")
                let message = r.json["error"]?["errorMessage"]?.stringValue ?? ""
                #expect(message.contains(words), "\(uri): \(message)")
            }
            let post = try await client.call("/g_variants", token: Self.ctl, method: .post, body: "{not json")
            #expect(post.status == 400)
            let postUnknown = try await client.call("/g_variants", token: Self.ctl, method: .post,
                                                    body: #"{"meta":{},"query":{"requestParameters":{"chromosome":"22"}}}"#)
            #expect(postUnknown.status == 400)
            #expect(postUnknown.json["error"]?["errorMessage"]?.stringValue?.contains("chromosome") == true)
        }
    }

    @Test("/openapi.json documents every served route, and every documented path answers")
    func openAPIMatchesRouter() async throws {
        let state = try ServiceFixture.state()
        let router = buildRouter(state: state)
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description.hasPrefix("/") ? "" : "/")\($0.path)" })
        let app = ServiceFixture.app(state)
        try await app.test(.router) { client in
            let doc = try await client.call("/openapi.json")
            let paths = try #require(doc.json["paths"]?.objectValue)
            var documented = Set<String>()
            for (path, ops) in paths {
                for method in (ops.objectValue ?? [:]).keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            // and the native answers validate against the response schemas the document gives them.
            let components = try #require(doc.json["components"])
            var cases: [SchemaValidator.Case] = []
            for (uri, token) in [("/api/v1/variants?region=22:16050000-16061300&limit=50", ServiceFixture.registeredToken),
                                 ("/api/v1/variants?region=22:16050000-16061300&limit=50&cohort=first30", Self.ctl),
                                 ("/api/v1/variants/22-16050115-G-A", ServiceFixture.registeredToken),
                                 ("/api/v1/frequencies?region=22:16050000-16052000&cohort=first30", ServiceFixture.registeredToken),
                                 ("/api/v1/genes/BRCA2", ServiceFixture.registeredToken),
                                 ("/api/v1/variants?region=22:16050000-16052000", nil), ("/api/v1/variants?region=22:9-1", Self.ctl)] {
                let r = try await client.call(uri, token: token)
                let path = String(uri.split(separator: "?")[0]).replacingOccurrences(of: "22-16050115-G-A", with: "{id}").replacingOccurrences(of: "BRCA2", with: "{symbol}")
                let schema = try #require(paths[path]?["get"]?["responses"]?[String(r.status)]?["content"]?["application/json"]?["schema"], "\(uri) \(r.status)")
                cases.append(.init(label: "\(uri) \(r.status)", schema: "", instance: r.json,
                                   inline: .object((schema.objectValue ?? [:]).merging(["components": components]) { a, _ in a })))
            }
            let result = try SchemaValidator.run(cases)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(served == documented, "served only: \(served.subtracting(documented).sorted()); documented only: \(documented.subtracting(served).sorted())")
            for entry in documented.sorted() {
                let parts = entry.split(separator: " ")
                let uri = String(parts[1]).replacingOccurrences(of: "{id}", with: entry.contains("datasets") ? "all" : "22-16050075-A-G")
                    .replacingOccurrences(of: "{symbol}", with: "BRCA2")
                let r = try await client.call(uri, token: Self.ctl, method: parts[0] == "POST" ? .post : .get, body: parts[0] == "POST" ? #"{"meta":{}}"# : nil)
                #expect(r.status != 404, "\(entry) -> \(r.status)")
                #expect(r.status != 405, "\(entry) -> 405")
                #expect(r.status < 500, "\(entry) -> \(r.status) \(r.json)")
            }
        }
    }

    @Test("queries during a load see the store before or after the batch, never a mix")
    func consistentDuringLoad() async throws {
        // Given a copy of the store and a second batch: the same calls under new sample names.
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        _ = try Shell.run(["sqlite3", ServiceFixture.store, ".backup '\(store)'"])
        let names = try Shell.run(["bcftools", "query", "-l", ServiceFixture.vcf]).stdout.split(separator: "\n").map { "B2_\($0)" }
        let namesFile = dir.appendingPathComponent("names.txt").path
        try (names.joined(separator: "\n") + "\n").write(toFile: namesFile, atomically: true, encoding: .utf8)
        let second = dir.appendingPathComponent("b2.vcf.gz").path
        #expect(try Shell.run(["bcftools", "reheader", "-s", namesFile, "-o", second, ServiceFixture.vcf]).status == 0)
        let app = ServiceFixture.app(try ServiceFixture.state(store: store))
        let queries = ["/api/v1/variants?region=22:16050000-16061300&limit=100", "/datasets"]
        try await app.test(.router) { client in
            var before: [String] = []
            for q in queries { before.append(String(decoding: try await client.call(q, token: Self.ctl).json.encoded(), as: UTF8.self)) }
            // When the batch loads while the service answers
            let done = Flag()
            let load = Task.detached { () throws -> Shell.Result in
                defer { done.set() }
                return try Shell.run([Shell.varde, "load", "--quiet", "--store", store, second], environment: ServiceFixture.env)
            }
            var seen: [[String]] = []
            repeat {
                var one: [String] = []
                for q in queries { one.append(String(decoding: try await client.call(q, token: Self.ctl).json.encoded(), as: UTF8.self)) }
                seen.append(one)
            } while !done.isSet
            let result = try await load.value
            #expect(result.status == 0, "\(result.stderr)")
            var after: [String] = []
            for q in queries { after.append(String(decoding: try await client.call(q, token: Self.ctl).json.encoded(), as: UTF8.self)) }
            // Then the batch changed the answers, and every answer seen is the before or the after one.
            #expect(before != after)
            #expect(!seen.isEmpty)
            for s in seen {
                for i in queries.indices { #expect(s[i] == before[i] || s[i] == after[i], "a mixed answer to \(queries[i])") }
            }
        }
    }

    @Test("a live server on loopback answers the README's Beacon walk-through and the address budget")
    func liveServer() async throws {
        let common = try #require(try SQLiteVariantStore(path: ServiceFixture.store).aggregates(in: Region(contig: "22", start: 16050000, end: 16061300))
            .first { $0.ac >= 5 && $0.kind == "snv" })
        let allele = "/g_variants?referenceName=22&start=\(common.position - 1)&referenceBases=\(common.ref)&alternateBases=\(common.alt)"
        // A real `varde serve` process: an in-process server shares the test run's thread pool, and under the whole
        // suite other tests' blocking waits starved it past the client's read timeout.
        let server = try await LiveServer(store: ServiceFixture.store, config: ["requestsPerAddressPerWindow": 8, "budgetWindowSeconds": 86_400])
        for path in ["/info", "/map", "/filtering_terms", allele, "/g_variants?referenceName=22&start=16050000&end=16052000"] {
            let r = try await server.call(path)
            #expect(r.status == 200, "\(path): \(r.json)")
        }
        let found = try await server.call(allele)
        #expect(found.json["responseSummary"]?["exists"] == true)
        var last = 0
        for _ in 0..<4 { last = try await server.call("/info").status }
        #expect(last == 429)
        #expect(server.stop() == 0)
    }
}

/// A one-way flag shared between a task and the test.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
