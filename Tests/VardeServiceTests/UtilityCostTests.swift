import Foundation
import Testing
import TestSupport
import VardeService
import VariantStoreSQLite

/// Issue 20, the price of the defences: how many answers the registered tier loses or sees changed against the
/// controlled tier's true answers, on the tracker store (the 1000 Genomes slice with sexes and diagnoses, cohorts
/// `c71` of 26 people and `females`, about half the people). Rare-variant masking hides variants with AC < k; the tracker
/// defence withholds cohort counts whose complement in the population is 1 to k − 1. Common variants' population
/// counts must not change at all; the numbers go to docs/privacy.md (and `$VARDE_ATTACK_REPORT/utility.md`).
@Suite("issue 20: what the defences cost (live server)", .serialized)
struct UtilityCostTests {
    static func rows(_ server: LiveServer, cohort: String, token: String) async throws -> [String: JSON] {
        var offset = 0, out: [String: JSON] = [:]
        while true {
            let r = try await server.call("/api/v1/frequencies?region=\(TrackerTests.region)&cohort=\(cohort)&limit=100&offset=\(offset)", token: token)
            guard r.status == 200 else { throw ServiceError("\(r.status) \(r.json)") }
            let page = r.json["variants"]?.arrayValue ?? []
            for row in page { if let id = row["id"]?.stringValue { out[id] = row } }
            if page.count < 100 { break }
            offset += 100
        }
        return out
    }

    @Test("common variants' population counts are the controlled tier's; rare ones are hidden; cohort cells withheld are counted")
    func utilityCost() async throws {
        let server = try await LiveServer(store: ServiceFixture.trackerStore)
        var report = "| cohort (people) | variants (controlled) | shown to registered | hidden (AC < 5) | common (AF ≥ 1 %) | common: population changed | common: cohort cell withheld | rare shown: cohort cell withheld |\n|---|---|---|---|---|---|---|---|\n"
        let store = try SQLiteVariantStore(path: ServiceFixture.trackerStore)
        for cohort in ["c71", "females"] {
            let people = try #require(try store.cohort(named: cohort)).count
            let truth = try await Self.rows(server, cohort: cohort, token: ServiceFixture.controlledToken)
            let shown = try await Self.rows(server, cohort: cohort, token: ServiceFixture.registeredToken)
            #expect(truth.count > 100, "the region holds the slice's variants")
            // Masking: exactly the variants with AC < k are missing, and nothing else.
            let hidden = truth.filter { shown[$0.key] == nil }
            #expect(hidden.allSatisfy { ($0.value["population"]?["ac"]?.intValue ?? 0) < 5 }, "a variant with AC ≥ k was hidden")
            #expect(shown.keys.allSatisfy { truth[$0] != nil })
            var common = 0, populationChanged = 0, commonWithheld = 0, rareWithheld = 0
            for (id, row) in shown {
                let t = try #require(truth[id])
                let af = t["population"]?["af"]?.doubleValue ?? 0
                // The whole store's counts of a shown variant are never touched (AC ≥ k; AN and hom-alt shown as k when small).
                if row["population"]?["ac"] != t["population"]?["ac"] || row["population"]?["an"] != t["population"]?["an"] { populationChanged += 1 }
                let withheld = row["cohort"]?["ac"] == .null && t["cohort"]?["ac"] != .null
                if let ac = row["cohort"]?["ac"]?.intValue { #expect(ac == t["cohort"]?["ac"]?.intValue, "\(id): a shown cohort count is the true one") }
                if af >= 0.01 { common += 1; if withheld { commonWithheld += 1 } } else if withheld { rareWithheld += 1 }
            }
            #expect(populationChanged == 0, "\(cohort): \(populationChanged) population cells changed")
            #expect(common > 20)
            report += "| \(cohort) (\(people)) | \(truth.count) | \(shown.count) | \(hidden.count) | \(common) | \(populationChanged) | \(commonWithheld) | \(rareWithheld) of \(shown.count - common) |\n"
        }
        #expect(server.stop() == 0)
        print(report)
        if let path = ProcessInfo.processInfo.environment["VARDE_ATTACK_REPORT"] {
            try ("## Utility cost at the registered tier (region \(TrackerTests.region))\n\n" + report).write(toFile: path + "/utility.md", atomically: true, encoding: .utf8)
        }
    }
}
