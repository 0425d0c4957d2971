import Foundation
import HummingbirdTesting
import Testing
import TestSupport
@testable import VardeService
import VariantCore
import VariantStore
import VariantStoreSQLite

/// Issue 21 finding 2: tracker (differencing) attacks beat k and minimumCohortSize. Exactly the attack review's
/// reproductions, on ``ServiceFixture/trackerStore`` (C71: 26 people, 25 men and one woman; cohorts c71, c71_male,
/// females made in that order), against a real `varde serve`. The issue 20 attack suite builds on these.
@Suite("issue 21 finding 2: tracker attacks are refused or withheld (live server)", .serialized)
struct TrackerTests {
    static let region = "22:16050000-16061300"
    static let beaconRange = "referenceName=22&start=16049999&end=16061300"

    static func truth(cohort: String) throws -> [VariantID: VariantAggregate] {
        let store = try SQLiteVariantStore(path: ServiceFixture.trackerStore)
        let members = try #require(try store.cohort(named: cohort))
        var out: [VariantID: VariantAggregate] = [:]
        for a in try store.aggregates(in: try Region(parsing: region), cohort: members) { out[a.variantID] = a }
        return out
    }

    @Test("the fixture is the attack review's: C71 holds 26 people, C71 + male 25, the one woman carries variants")
    func fixtureIsTheAttack() throws {
        let store = try SQLiteVariantStore(path: ServiceFixture.trackerStore)
        #expect(try store.cohort(named: "c71")?.count == 26)
        #expect(try store.cohort(named: "c71_male")?.count == 25)
        let c71 = try Self.truth(cohort: "c71"), male = try Self.truth(cohort: "c71_male")
        // Variants the 26th person carries alone within C71 exist (what the attack revealed).
        let hers = c71.values.filter { ($0.cohort?.ac ?? 0) > 0 && (male[$0.variantID]?.cohort?.ac ?? 0) == 0 }
        #expect(!hers.isEmpty)
        // And C71 minus C71-male differ by one genotype somewhere (AC 7 vs 6 in the review).
        #expect(c71.values.contains { a in let d = (a.cohort?.ac ?? 0) - (male[a.variantID]?.cohort?.ac ?? 0); return d > 0 && d < 5 })
    }

    @Test("filters ICD10:C71 versus ICD10:C71 + male on /g_variants and /individuals: the pair cannot be asked")
    func filterPair() async throws {
        let server = try await LiveServer(store: ServiceFixture.trackerStore)
        let reg = ServiceFixture.registeredToken
        let c71 = try await server.call("/individuals?filters=ICD10:C71&requestedGranularity=count", token: reg)
        #expect(c71.status == 200)
        #expect(c71.json["responseSummary"]?["numTotalResults"] == 26)
        // Groups that single no one out are still answered.
        for (uri, count) in [("/individuals?filters=ICD10:C34&requestedGranularity=count", 40),
                             ("/individuals?filters=NCIT:C16576&requestedGranularity=count", nil),
                             ("/g_variants?\(Self.beaconRange)&filters=ICD10:C71&requestedGranularity=count", nil),
                             ("/g_variants?\(Self.beaconRange)&filters=cohort:c71&requestedGranularity=count", nil)] as [(String, Int?)] {
            let r = try await server.call(uri, token: reg)
            #expect(r.status == 200, "\(uri): \(String(decoding: r.body, as: UTF8.self).prefix(300))")
            if let count { #expect(r.json["responseSummary"]?["numTotalResults"]?.intValue == count) }
        }
        // 26 − 25 = 1 is refused: C71 + male answers 403, whichever order or endpoint.
        for uri in ["/individuals?filters=ICD10:C71,NCIT:C20197&requestedGranularity=count",
                    "/individuals?filters=NCIT:C20197,ICD10:C71",
                    "/biosamples?filters=ICD10:C71,NCIT:C20197&requestedGranularity=count",
                    "/individuals?filters=ICD10:C71,NCIT:C16576&requestedGranularity=count",
                    "/g_variants?\(Self.beaconRange)&filters=ICD10:C71,NCIT:C20197&requestedGranularity=count",
                    "/g_variants?\(Self.beaconRange)&filters=ICD10:C71.9,NCIT:C20197",
                    "/g_variants?\(Self.beaconRange)&filters=cohort:c71,NCIT:C20197&requestedGranularity=count",
                    "/datasets/c71/g_variants?\(Self.beaconRange)&filters=NCIT:C20197&requestedGranularity=count"] {
            let r = try await server.call(uri, token: reg)
            #expect(r.status == 403, "\(uri): \(r.status) \(String(decoding: r.body, as: UTF8.self).prefix(300))")
            #expect(r.json["responseSummary"] == nil)
        }
        // The singletons of the 26th person: for each, exists over C71 must equal exists over C71 + male, which is
        // refused, so no variant flips true → false. Over C71 alone her variants are answered only when the cells
        // are safe; the flip the review saw needs the refused query.
        let male = try await server.call("/g_variants?\(Self.beaconRange)&filters=ICD10:C71,NCIT:C20197", token: reg)
        #expect(male.status == 403)
        // The controlled tier still asks anything.
        #expect(try await server.call("/individuals?filters=ICD10:C71,NCIT:C20197&requestedGranularity=record", token: ServiceFixture.controlledToken).status == 200)
        #expect(server.running)
        _ = server.stop()
    }

    @Test("cohorts c71 vs c71_male on /api/v1/frequencies: c71_male is not shown, and answers as a cohort that does not exist")
    func cohortPair() async throws {
        let server = try await LiveServer(store: ServiceFixture.trackerStore)
        let reg = ServiceFixture.registeredToken
        let c71 = try await server.call("/api/v1/frequencies?region=\(Self.region)&cohort=c71&limit=100", token: reg)
        #expect(c71.status == 200)
        let male = try await server.call("/api/v1/frequencies?region=\(Self.region)&cohort=c71_male&limit=100", token: reg)
        let missing = try await server.call("/api/v1/frequencies?region=\(Self.region)&cohort=no_such_cohort&limit=100", token: reg)
        #expect(male.status == 404)
        #expect(male.status == missing.status)
        #expect(male.json["error"]?["errorMessage"]?.stringValue?.replacingOccurrences(of: "c71_male", with: "X")
                == missing.json["error"]?["errorMessage"]?.stringValue?.replacingOccurrences(of: "no_such_cohort", with: "X"))
        let listed = try await server.call("/cohorts", token: reg).json["response"]?["collections"]?.arrayValue?.compactMap { $0["id"]?.stringValue }
        #expect(listed == ["c71", "females"])
        // As a filter and as a dataset it is unknown too, at every tier below controlled.
        #expect(try await server.call("/g_variants?\(Self.beaconRange)&filters=cohort:c71_male", token: reg).status
                == server.call("/g_variants?\(Self.beaconRange)&filters=cohort:no_such_cohort", token: reg).status)
        #expect(try await server.call("/datasets/c71_male/g_variants?\(Self.beaconRange)").status == 404)
        // Controlled callers still see it.
        #expect(try await server.call("/api/v1/frequencies?region=\(Self.region)&cohort=c71_male", token: ServiceFixture.controlledToken).status == 200)
        _ = server.stop()
    }

    @Test("population minus the females cohort never gives a count of 1 to 4 (registered /api/v1/frequencies, every variant)")
    func populationMinusCohort() async throws {
        let server = try await LiveServer(store: ServiceFixture.trackerStore)
        let truth = try Self.truth(cohort: "females")
        var offset = 0, rows: [JSON] = []
        while true {
            let r = try await server.call("/api/v1/frequencies?region=\(Self.region)&cohort=females&limit=100&offset=\(offset)", token: ServiceFixture.registeredToken)
            #expect(r.status == 200)
            let page = r.json["variants"]?.arrayValue ?? []
            rows += page
            if page.count < 100 { break }
            offset += 100
        }
        // Every variant the registered tier may see (AC >= k in the store: rare ones are masked).
        #expect(rows.count == truth.values.filter { $0.ac >= 5 || $0.tumours >= 5 }.count)
        var withheld = 0, shown = 0, wouldHaveLeaked = 0
        for row in rows {
            guard let id = row["id"]?.stringValue, let t = truth.values.first(where: { $0.variantID.description == id }) else { continue }
            let males = t.ac - (t.cohort?.ac ?? 0)
            if males > 0 && males < 5 && (t.cohort?.ac ?? 0) >= 5 { wouldHaveLeaked += 1 }
            if let pop = row["population"]?["ac"]?.intValue, let fem = row["cohort"]?["ac"]?.intValue {
                shown += 1
                #expect(!(1..<5).contains(pop - fem), "\(id): population \(pop) − females \(fem) = \(pop - fem)")
                #expect(fem == t.cohort?.ac)
            } else if row["cohort"]?["ac"] == .null { withheld += 1 }
        }
        // The fixture has variants the old answer leaked (male count 1–4 with a female count shown), all withheld now.
        #expect(wouldHaveLeaked > 0)
        #expect(withheld >= wouldHaveLeaked)
        #expect(shown > 0)
        _ = server.stop()
    }

    @Test("anonymous /datasets/{id}/g_variants: exists in a cohort never reveals a count below k by differencing")
    func anonymousDatasets() async throws {
        let server = try await LiveServer(store: ServiceFixture.trackerStore)
        let females = try Self.truth(cohort: "females")
        // The crossing the review used: a variant whose cohort count is >= k while the rest of the population's
        // (population − cohort) is 1..k−1. Anonymous exists must not be true for it in the cohort.
        let crossing = females.values.filter { a in
            let f = a.cohort?.ac ?? 0, rest = a.ac - f
            return f >= 5 && rest > 0 && rest < 5 && a.kind == "snv"
        }
        #expect(!crossing.isEmpty)
        for a in crossing.prefix(10) {
            let q = "referenceName=22&start=\(a.position - 1)&referenceBases=\(a.ref)&alternateBases=\(a.alt)"
            let inCohort = try await server.call("/datasets/females/g_variants?\(q)")
            #expect(inCohort.status == 200)
            #expect(inCohort.json["responseSummary"]?["exists"] == false, "\(a.variantID)")
            let inAll = try await server.call("/g_variants?\(q)")
            #expect(inAll.json["responseSummary"]?["exists"] == .bool(a.ac >= 5))
        }
        // c71_male cannot be asked anonymously at all.
        let male = try await server.call("/datasets/c71_male/g_variants?\(Self.beaconRange)")
        let none = try await server.call("/datasets/none_such/g_variants?\(Self.beaconRange)")
        #expect(male.status == 404 && none.status == 404)
        _ = server.stop()
    }

    @Test("the guard's closure finds what subtraction singles out, and nothing it does not")
    func closure() {
        let people = Set<UInt32>(0..<100)
        let a = Set<UInt32>(0..<30), b = Set<UInt32>(0..<29), f = Set<UInt32>(stride(from: 0, to: 100, by: 2))
        let rules = QuerySetGuard(minimumGroup: 20, minimumCount: 5)
        func smallest(_ groups: [Set<UInt32>]) -> Int? { rules.smallestUnsafeGroup(QuerySetGuard.family(population: people, groups: groups)) }
        #expect(smallest([a, b]) == 1)                  // A − B: one person
        #expect(smallest([a, f]) == nil)                // A and F overlap, neither nested: A ∩ F is not derivable
        #expect(smallest([Set(0..<90)]) == 10)          // the complement: N − A
        let c1 = Set<UInt32>(0..<40), c2 = Set<UInt32>(40..<80)
        #expect(smallest([c1, c2]) == nil)              // N − C1 − C2 = 20 people
        #expect(smallest([c1, c2, Set(0..<83)]) == 3)   // C3 − C1 − C2, through nested differences
        // Cells: counts per person; a derivable group whose count is 1..k−1 makes the variant unsafe.
        let family = QuerySetGuard.family(population: people, groups: [c1, c2])
        #expect(family.exhaustive)
        #expect(family.derived.map(family.size).allSatisfy { $0 == 0 || $0 >= 20 })
    }
}
