import Foundation
import Testing
import TestSupport
import VardeService
import VariantCore
import VariantStore
import VariantStoreSQLite

/// Issue 20, suppression arithmetic: an attacker below controlled adds and subtracts what the service answers —
/// ranges against exact alleles, one-base windows, IDs, pages against totals, datasets against the whole store,
/// frequencies against allele numbers, cohorts at and just below the minimum size — and must never arrive at a
/// count from 1 to k − 1 or at a variant the tier may not see. Every answer is compared with the store's truth.
@Suite("issue 20: suppression arithmetic (live server)", .serialized)
struct SuppressionAttackTests {
    static let k = 5
    static let region = Region(contig: "22", start: 16050000, end: 16061300)

    static func truth() throws -> [VariantAggregate] { try SQLiteVariantStore(path: ServiceFixture.store).aggregates(in: region) }
    /// What the registered tier may see: variants carried by k or more alleles (or tumours).
    static func visible(_ a: VariantAggregate) -> Bool { a.ac >= k || a.tumours >= k }
    static func shown(_ n: Int) -> Int { n > 0 && n < k ? k : n }

    @Test("ranges, one-base windows and exact alleles: every answer depends on the visible variants only")
    func rangesAgainstAlleles() async throws {
        let all = try Self.truth()
        let server = try await LiveServer(store: ServiceFixture.store)
        var windows: [(Int, Int)] = Set(all.map(\.position)).sorted().map { ($0 - 1, $0) }  // 0-based half-open
        windows += stride(from: 16050000, to: 16061300, by: 150).map { ($0, $0 + 150) }
        var checked = 0, rareOnly = 0, withRare = 0
        for (start, end) in windows {
            // Beacon range semantics: a variant overlapping [start, end) (0-based) is in the range.
            let inside = all.filter { $0.position <= end && $0.end >= start + 1 && ($0.ac > 0 || $0.tumours > 0) }
            let seen = inside.filter(Self.visible).count
            if seen == 0 && !inside.isEmpty { rareOnly += 1 }
            if inside.contains(where: { !Self.visible($0) }) { withRare += 1 }
            let q = "/g_variants?referenceName=22&start=\(start)&end=\(end)&requestedGranularity=count"
            let reg = try await server.call(q, token: ServiceFixture.registeredToken)
            #expect(reg.json["responseSummary"]?["exists"] == .bool(seen > 0), "\(q)")
            #expect(reg.json["responseSummary"]?["numTotalResults"]?.intValue == Self.shown(seen), "\(q): \(reg.json)")
            let anon = try await server.call(q)
            #expect(anon.json["responseSummary"]?["exists"] == .bool(seen > 0), "\(q)")
            checked += 1
        }
        // The fixture has windows holding only rare variants: the attack had something to find.
        #expect(rareOnly > 0 && withRare > 100, "\(rareOnly) \(withRare)")
        // Sequence queries take bases: the slice's symbolic CNVs (<CN0>…, spanning the region) are found by range only.
        for a in all where !a.alt.hasPrefix("<") {
            let exact = "/g_variants?referenceName=22&start=\(a.position - 1)&referenceBases=\(a.ref)&alternateBases=\(a.alt)"
            for token in [nil, ServiceFixture.registeredToken] {
                #expect(try await server.call(exact, token: token).json["responseSummary"]?["exists"] == .bool(Self.visible(a)), "\(exact) \(a)")
                #expect(try await server.call("/g_variants/\(a.variantID)", token: token).json["responseSummary"]?["exists"] == .bool(Self.visible(a)))
            }
        }
        print("suppression arithmetic: \(checked) windows (\(withRare) holding rare variants, \(rareOnly) only rare ones), \(all.count) alleles by sequence and by ID, two tiers")
        #expect(server.stop() == 0)
    }

    @Test("pages against totals, datasets against the store, frequencies against allele numbers: no cell of 1 to k − 1")
    func pagesDatasetsFrequencies() async throws {
        let all = try Self.truth()
        let visible = all.filter(Self.visible)
        let server = try await LiveServer(store: ServiceFixture.store)
        // Paging with a small limit: every page says the same total, and the pages together are the visible set.
        var ids: [String] = []
        var offset = 0
        while true {
            let r = try await server.call("/api/v1/frequencies?region=22:16050000-16061300&cohort=first30&limit=7&offset=\(offset)", token: ServiceFixture.registeredToken)
            #expect(r.json["total"]?.intValue == visible.count)
            let rows = r.json["variants"]?.arrayValue ?? []
            for row in rows {
                ids.append(row["id"]?.stringValue ?? "")
                for cell in ["population", "cohort"] {
                    guard let c = row[cell]?.objectValue else { continue }
                    for field in ["ac", "an", "nhomalt", "nhemi"] {
                        if let n = c[field]?.intValue { #expect(!(1..<Self.k).contains(n), "\(cell).\(field) = \(n) in \(row)") }
                    }
                    if c["ac"] == .null { #expect(c["af"] == .null) }
                    // AF × AN recovers AC: so AF is shown only beside a shown AC.
                    if let af = c["af"]?.doubleValue, let an = c["an"]?.intValue {
                        let recovered = Int((af * Double(an)).rounded())
                        #expect(!(1..<Self.k).contains(recovered))
                        #expect(c["ac"]?.intValue == recovered)
                    }
                }
            }
            if rows.count < 7 { break }
            offset += 7
        }
        #expect(ids == visible.map(\.variantID.description))
        #expect(Set(ids).count == ids.count)
        // Datasets against the store: every per-dataset count and total is 0 or at least k.
        for start in stride(from: 16050000, to: 16061300, by: 400) {
            let q = "/g_variants?referenceName=22&start=\(start)&end=\(start + 400)&requestedGranularity=count&datasetIds=all,first30"
            let r = try await server.call(q, token: ServiceFixture.registeredToken)
            #expect(r.status == 200, "\(r.json)")
            var counts = [r.json["responseSummary"]?["numTotalResults"]?.intValue ?? -1]
            counts += r.json["info"]?["resultsCountsPerDataset"]?.objectValue?.values.compactMap(\.intValue) ?? []
            #expect(counts.count == 3, "\(r.json)")
            for n in counts { #expect(n >= 0 && !(1..<Self.k).contains(n), "\(q): \(counts)") }
        }
        #expect(server.stop() == 0)
    }

    @Test("cohorts of exactly m and m − 1 people: the smaller answers as a cohort that does not exist")
    func cohortAtTheMinimum() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("m.db").path
        #expect(try Shell.run(["sqlite3", ServiceFixture.store, ".backup '\(store)'"]).status == 0)
        let samples = try Shell.run(["bcftools", "query", "-l", ServiceFixture.vcf]).stdout.split(separator: "\n").map(String.init)
        for (name, range) in [("c20", 1000..<1020), ("c19", 1100..<1119)] {
            let list = dir.appendingPathComponent(name + ".txt").path
            try (samples[range].joined(separator: "\n") + "\n").write(toFile: list, atomically: true, encoding: .utf8)
            let made = try Shell.run([Shell.varde, "cohort", "create", "--store", store, name, "--from", list], environment: ServiceFixture.env)
            #expect(made.status == 0, "\(made.stderr)")
        }
        let server = try await LiveServer(store: store)  // minimumCohortSize 20
        let reg = ServiceFixture.registeredToken
        let listed = try await server.call("/cohorts?requestedGranularity=count", token: reg)
        let names = listed.json["response"]?["collections"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        #expect(names.contains("c20") && !names.contains("c19"), "\(names)")
        for (hidden, missing) in [("/api/v1/frequencies?region=22:16050000-16052000&cohort=c19", "/api/v1/frequencies?region=22:16050000-16052000&cohort=c18"),
                                  ("/g_variants?referenceName=22&start=16050000&end=16052000&filters=cohort:c19", "/g_variants?referenceName=22&start=16050000&end=16052000&filters=cohort:c18"),
                                  ("/datasets/c19/g_variants?referenceName=22&start=16050000&end=16052000", "/datasets/c18/g_variants?referenceName=22&start=16050000&end=16052000")] {
            let h = try await server.call(hidden, token: reg), m = try await server.call(missing, token: reg)
            #expect(h.status == m.status && h.status >= 400, "\(hidden): \(h.status) vs \(m.status)")
            #expect(String(decoding: h.body, as: UTF8.self).replacingOccurrences(of: "c19", with: "c18") == String(decoding: m.body, as: UTF8.self))
        }
        #expect(try await server.call("/api/v1/frequencies?region=22:16050000-16052000&cohort=c20", token: reg).status == 200)
        #expect(try await server.call("/api/v1/frequencies?region=22:16050000-16052000&cohort=c19", token: ServiceFixture.controlledToken).status == 200)
        #expect(server.stop() == 0)
    }
}
