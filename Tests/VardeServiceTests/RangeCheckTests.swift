import Foundation
import Testing
import TestSupport
import VardeService

/// Issue 21 finding 1: one anonymous request with an out-of-range number stopped the server (a trap on integer
/// overflow, exit 132). Each reproduction is sent to a real `varde serve`; each must be a 400 that says what is
/// wrong, and the process must still be running afterwards.
@Suite("issue 21 finding 1: every client number is range-checked (live server, CLI)", .serialized)
struct RangeCheckTests {
    static let huge = "9223372036854775807"

    @Test("the reproductions from the attack review answer 400 and the server keeps running")
    func reproductions() async throws {
        let server = try await LiveServer(store: ServiceFixture.store)
        let reg = ServiceFixture.registeredToken
        let cases: [(String, String?)] = [
            ("/datasets?skip=922337203685477581", nil),
            ("/cohorts?skip=922337203685477581", nil),
            ("/datasets?skip=922337203685477581&limit=100", reg),
            ("/g_variants?referenceName=22&start=\(Self.huge)&alternateBases=A", nil),
            ("/g_variants?genomicAlleleShortForm=\(encoded("NC_000022.10:g.\(Self.huge)A>G"))", nil),
            ("/api/v1/variants/22-\(Self.huge)-AC-AG", reg),
            ("/api/v1/variants?id=22-\(Self.huge)-AC-AG", reg),
            ("/api/v1/variants?hgvs=\(encoded("NC_000022.10:g.\(Self.huge)A>G"))", reg),
            ("/api/v1/variants?region=22:\(Self.huge)-\(Self.huge)", reg),
            ("/api/v1/variants?region=22:16050000-16052000&offset=\(Self.huge)", reg),
            ("/g_variants/22-\(Self.huge)-AC-AG", nil),
        ]
        for (uri, token) in cases {
            let r = try await server.call(uri, token: token)
            #expect(r.status == 400, "\(uri): \(r.status) \(String(decoding: r.body, as: UTF8.self))")
            #expect(r.json["error"]?["errorMessage"]?.stringValue?.isEmpty == false, "\(uri)")
            #expect(server.running, "the server stopped after \(uri) (exit \(server.exitStatus ?? 0))")
        }
        // The same sequence query as a POST body.
        let body = #"{"meta":{"apiVersion":"v2.1.1"},"query":{"requestParameters":{"referenceName":"22","start":[\#(Self.huge)],"alternateBases":"A"}}}"#
        let post = try await server.call("/g_variants", method: "POST", body: Data(body.utf8), headers: ["Content-Type": "application/json"])
        #expect(post.status == 400)
        let paging = #"{"query":{"pagination":{"skip":922337203685477581,"limit":100}}}"#
        #expect(try await server.call("/datasets", method: "POST", body: Data(paging.utf8)).status == 400)
        // At the bounds: the largest skip is answered (an empty page), the largest position is a valid query.
        let edge = try await server.call("/datasets?skip=\(1_000_000)&limit=100", token: reg)
        #expect(edge.status == 200)
        #expect(edge.json["response"]?["collections"]?.arrayValue?.isEmpty == true)
        let top = try await server.call("/g_variants?referenceName=22&start=4294967294&alternateBases=A")
        #expect(top.status == 200)
        #expect(top.json["responseSummary"]?["exists"] == false)
        #expect(try await server.call("/health").status == 200)
        #expect(server.stop() == 0)
        // Nothing was fatal: no crash line in the log.
        let log = try String(contentsOfFile: server.stderrPath, encoding: .utf8)
        #expect(!log.contains("Fatal error") && !log.contains("overflow"))
    }

    @Test("the shared parsers refuse positions past Region.maxPosition: varde query exits 1 with a message, no trap")
    func commandLine() throws {
        let store = ServiceFixture.store
        for args in [["--hgvs", "NC_000022.10:g.\(Self.huge)A>G"], ["--variant", "22-\(Self.huge)-AC-AG"],
                     ["--region", "22:\(Self.huge)-\(Self.huge)"], ["--region", "22:1-\(Self.huge)"]] {
            let r = try Shell.run([Shell.varde, "query", "--store", store] + args, environment: ServiceFixture.env)
            #expect(r.status == 1 || r.status == 64, "\(args): exit \(r.status) \(r.stderr)")
            #expect(r.stderr.contains("4294967295") || r.stderr.contains("cannot read"), "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bed = dir.appendingPathComponent("huge.bed").path
        try "22\t0\t\(Self.huge)\n".write(toFile: bed, atomically: true, encoding: .utf8)
        let r = try Shell.run([Shell.varde, "query", "--store", store, "--regions-file", bed], environment: ServiceFixture.env)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.contains("huge.bed:1"))
    }
}
