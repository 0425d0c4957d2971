import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
import VardeService
import VariantCore
import VariantStore
import VariantStoreSQLite

@Suite("tiers, small-count suppression, rare-variant masking, budgets, audit")
struct AccessTests {
    /// Variants of the fixture with their true aggregates, straight from the store.
    static func truth() throws -> [VariantAggregate] {
        try SQLiteVariantStore(path: ServiceFixture.store).aggregates(in: Region(contig: "22", start: 16050000, end: 16061300))
    }

    static func beaconID(_ a: VariantAggregate) -> String {
        "/g_variants?referenceName=22&start=\(a.position - 1)&referenceBases=\(a.ref)&alternateBases=\(a.alt)"
    }

    @Test("anonymous gets boolean, registered counts, controlled records; asking for more is capped, not refused")
    func granularityCappedByTier() async throws {
        let app = ServiceFixture.app(try ServiceFixture.state())
        let range = "/g_variants?referenceName=22&start=16050000&end=16061300&requestedGranularity=record"
        try await app.test(.router) { client in
            let anon = try await client.call(range)
            #expect(anon.json["meta"]?["returnedGranularity"] == "boolean")
            #expect(anon.json["responseSummary"]?["numTotalResults"] == nil)
            #expect(anon.json["response"] == nil)
            let reg = try await client.call(range, token: ServiceFixture.registeredToken)
            #expect(reg.json["meta"]?["returnedGranularity"] == "count")
            #expect((reg.json["responseSummary"]?["numTotalResults"]?.intValue ?? 0) > 0)
            #expect(reg.json["response"] == nil)
            let ctl = try await client.call(range, token: ServiceFixture.controlledToken)
            #expect(ctl.json["meta"]?["returnedGranularity"] == "record")
            let sets = ctl.json["response"]?["resultSets"]?.arrayValue ?? []
            #expect(!sets.isEmpty)
            #expect(sets.first?["results"]?.arrayValue?.count == 10)  // default limit
        }
    }

    @Test("a wrong or malformed token is 401 with a Beacon error body and no data; the native API needs a token")
    func wrongTokens() async throws {
        let app = ServiceFixture.app(try ServiceFixture.state())
        try await app.test(.router) { client in
            for (uri, token) in [("/g_variants?referenceName=22&start=16050074&alternateBases=G", "wrong"),
                                 ("/info", "")] {
                let r = try await client.call(uri, token: token)
                #expect(r.status == 401)
                #expect(r.json["error"]?["errorCode"] == 401)
                #expect(r.json["responseSummary"] == nil)
                #expect(r.headers[.wwwAuthenticate] == "Bearer")
            }
            let native = try await client.call("/api/v1/variants?region=22:16050000-16052000")
            #expect(native.status == 401)
            #expect(native.json["variants"] == nil)
            let ok = try await client.call("/api/v1/variants?region=22:16050000-16052000", token: ServiceFixture.registeredToken)
            #expect(ok.status == 200)
        }
    }

    @Test("rare variants (AC < k) are hidden below the controlled tier, in exact, range, ID and native queries")
    func rareVariantMasking() async throws {
        let all = try Self.truth()
        let rare = try #require(all.first { $0.ac > 0 && $0.ac < 5 && $0.tumours == 0 && $0.kind == "snv" })
        let common = try #require(all.first { $0.ac >= 5 && $0.kind == "snv" })
        let app = ServiceFixture.app(try ServiceFixture.state())
        try await app.test(.router) { client in
            #expect(try await client.call(Self.beaconID(rare)).json["responseSummary"]?["exists"] == false)
            #expect(try await client.call(Self.beaconID(common)).json["responseSummary"]?["exists"] == true)
            // A registered caller holding one person's genome would otherwise learn from a yes for that person's
            // private variant that the person is in the store (see MembershipAttackTests).
            #expect(try await client.call(Self.beaconID(rare), token: ServiceFixture.registeredToken).json["responseSummary"]?["exists"] == false)
            #expect(try await client.call(Self.beaconID(common), token: ServiceFixture.registeredToken).json["responseSummary"]?["exists"] == true)
            #expect(try await client.call(Self.beaconID(rare) + "&requestedGranularity=record", token: ServiceFixture.controlledToken)
                .json["responseSummary"]?["exists"] == true)
            // The one-base range holding only the rare variant: no count; the ID route and the native API: no row.
            let point = "/g_variants?referenceName=22&start=\(rare.position - 1)&end=\(rare.position)&requestedGranularity=count"
            if !all.contains(where: { $0.position == rare.position && $0.ac >= 5 }) {
                let r = try await client.call(point, token: ServiceFixture.registeredToken)
                #expect(r.json["responseSummary"]?["exists"] == false)
                #expect(r.json["responseSummary"]?["numTotalResults"] == 0)
            }
            #expect(try await client.call("/g_variants/\(rare.variantID)", token: ServiceFixture.registeredToken).json["responseSummary"]?["exists"] == false)
            let native = try await client.call("/api/v1/variants/\(rare.variantID)", token: ServiceFixture.registeredToken)
            #expect(native.status == 200)
            #expect(native.json["variants"]?.arrayValue?.isEmpty == true)
            #expect(native.json["total"] == 0)
            let region = try await client.call("/api/v1/variants?region=22:16050000-16061300&limit=100", token: ServiceFixture.registeredToken)
            let visible = all.filter { $0.ac >= 5 || $0.tumours >= 5 }
            #expect(region.json["total"]?.intValue == visible.count)
            let ids = Set(region.json["variants"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
            #expect(ids == Set(visible.prefix(100).map(\.variantID.description)))
        }
    }

    @Test("counts below k are withheld below the controlled tier, in frequencies and in totals; controlled sees them")
    func smallCountSuppression() async throws {
        let all = try Self.truth()
        // A variant shown (AC >= k) whose homozygote count is small: that cell is withheld, the rest shown.
        let fewHom = try #require(all.first { $0.ac >= 5 && $0.nHomAlt > 0 && $0.nHomAlt < 5 })
        let common = try #require(all.first { $0.ac >= 5 && $0.kind == "snv" })
        let app = ServiceFixture.app(try ServiceFixture.state())
        try await app.test(.router) { client in
            let reg = try await client.call("/api/v1/variants/\(fewHom.variantID)", token: ServiceFixture.registeredToken)
            let pop = try #require(reg.json["variants"]?.arrayValue?.first?["population"])
            #expect(pop["nhomalt"] == .null)
            #expect(pop["suppressed"] != nil)
            #expect(pop["ac"]?.intValue == fewHom.ac)
            #expect(pop["an"]?.intValue == fewHom.an)
            let ctl = try await client.call("/api/v1/variants/\(fewHom.variantID)", token: ServiceFixture.controlledToken)
            #expect(ctl.json["variants"]?.arrayValue?.first?["population"]?["nhomalt"]?.intValue == fewHom.nHomAlt)
            let shown = try await client.call("/api/v1/variants/\(common.variantID)", token: ServiceFixture.registeredToken)
            #expect(shown.json["variants"]?.arrayValue?.first?["population"]?["ac"]?.intValue == common.ac)

            // A range holding between 1 and k-1 shown variants reports k as its total at the registered tier.
            let one = "/g_variants?referenceName=22&start=\(common.position - 1)&end=\(common.position)&requestedGranularity=count"
            let trueCount = all.filter { $0.position == common.position && ($0.ac > 0 || $0.tumours > 0) }.count
            #expect(trueCount > 0 && trueCount < 5)
            #expect(try await client.call(one, token: ServiceFixture.registeredToken).json["responseSummary"]?["numTotalResults"] == 5)
            #expect(try await client.call(one + "&requestedGranularity=record", token: ServiceFixture.controlledToken)
                .json["responseSummary"]?["numTotalResults"]?.intValue == trueCount)
        }
    }

    @Test("anonymous callers cannot combine a filter with a variant query; small cohorts are not exposed below controlled")
    func phenotypeAndSmallGroups() async throws {
        let app = ServiceFixture.app(try ServiceFixture.state())
        try await app.test(.router) { client in
            let q = "/g_variants?referenceName=22&start=16050000&end=16052000&filters=cohort:first30"
            #expect(try await client.call(q).status == 403)
            #expect(try await client.call(q, token: ServiceFixture.registeredToken).status == 200)
            let tinyFilter = "/g_variants?referenceName=22&start=16050000&end=16052000&filters=cohort:tiny"
            // A cohort hidden from the tier answers as one that does not exist (issue 21: names cannot be probed).
            let unknown = "/g_variants?referenceName=22&start=16050000&end=16052000&filters=cohort:nosuch"
            #expect(try await client.call(tinyFilter, token: ServiceFixture.registeredToken).status
                    == client.call(unknown, token: ServiceFixture.registeredToken).status)
            #expect(try await client.call(tinyFilter, token: ServiceFixture.controlledToken).status == 200)
            let cohortsReg = try await client.call("/cohorts", token: ServiceFixture.registeredToken)
            let names = cohortsReg.json["response"]?["collections"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(names == ["first30"])
            let cohortsCtl = try await client.call("/cohorts", token: ServiceFixture.controlledToken)
            #expect(cohortsCtl.json["response"]?["collections"]?.arrayValue?.count == 2)
            #expect(try await client.call("/api/v1/frequencies?region=22:16050000-16052000&cohort=tiny", token: ServiceFixture.registeredToken).status == 404)
        }
    }

    @Test("per-token and per-address budgets answer 429 with Retry-After once spent")
    func budgets() async throws {
        let state = try ServiceFixture.state(config: ServiceFixture.config { $0.requestsPerTokenPerWindow = 3; $0.requestsPerAddressPerWindow = 5 })
        let app = ServiceFixture.app(state)
        try await app.test(.router) { client in
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await client.call("/info", token: ServiceFixture.registeredToken).status) }
            #expect(statuses == [200, 200, 200, 429])
            let spent = try await client.call("/info", token: ServiceFixture.registeredToken)
            #expect(spent.status == 429)
            #expect(Int(spent.headers[.retryAfter] ?? "") ?? 0 >= 1)
            #expect(spent.json["error"]?["errorCode"] == 429)
            // The address budget (5) counts every request from the address: 5 were made above.
            let anon = try await client.call("/info")
            #expect(anon.status == 429)
            // Operations endpoints are outside the budgets.
            #expect(try await client.call("/health").status == 200)
        }
    }

    @Test("the audit log gets one JSON line per request: who, what, how much; no sample names or pseudonyms")
    func auditLog() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("audit.jsonl").path
        try "{\"earlier\":true}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let app = ServiceFixture.app(try ServiceFixture.state(audit: path))
        try await app.test(.router) { client in
            _ = try await client.call("/g_variants?referenceName=22&start=16050000&end=16052000&requestedGranularity=record", token: ServiceFixture.controlledToken)
            _ = try await client.call("/g_variants?referenceName=22&start=oops")
            _ = try await client.call("/info", token: "bad")
        }
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSON(parsing: Data($0.utf8)) }
        #expect(lines.count == 4)
        #expect(lines[0]["earlier"] == true)  // appended, never truncated
        #expect(lines[1]["who"] == "ctl-user")
        #expect(lines[1]["status"] == 200)
        #expect((lines[1]["results"]?.intValue ?? 0) > 0)
        #expect(lines[1]["granularity"] == "record")
        #expect(lines[2]["status"] == 400)
        #expect(lines[3]["status"] == 401)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let samples = try SQLiteVariantStore(path: ServiceFixture.store).samples()
        #expect(!samples.prefix(50).contains { text.contains($0.name) || text.contains($0.pseudonym) })
    }
}
