import Foundation
import HummingbirdTesting
import Testing
import TestSupport
import VardeService
import VariantCore
import VariantStore
import VariantStoreSQLite

/// A Mutect2 tumour/normal pair (one person): its somatic calls are carried by the tumour only, so AC is 0.
@Suite("Beacon: somatic-only variants")
struct SomaticBeaconTests {
    static let store: String = {
        let dir = try! Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("somatic.db").path
        let load = try! Shell.run([Shell.varde, "load", "--quiet", "--store", path, Fixtures.path("somatic/mutect2.NA12878.head300.vcf")],
                                  environment: ServiceFixture.env)
        precondition(load.status == 0, load.stderr)
        return path
    }()

    @Test("an anonymous boolean answers a somatic-only variant once k tumours carry it, and masks it below k")
    func somaticOnlyExists() async throws {
        let all = try SQLiteVariantStore(path: Self.store).aggregates(in: Region(contig: "1", start: 1, end: 300_000_000))
        let somatic = try #require(all.first { $0.ac == 0 && $0.tumours == 1 && AlleleKind.classify(ref: $0.ref, alt: $0.alt) == .snv })
        let uri = "/g_variants?referenceName=1&start=\(somatic.position - 1)&referenceBases=\(somatic.ref)&alternateBases=\(somatic.alt)"
        for (k, expected) in [(1, true), (2, false)] {
            let app = ServiceFixture.app(try ServiceFixture.state(store: Self.store, config: ServiceFixture.config { $0.minimumCount = k }))
            try await app.test(.router) { client in
                let r = try await client.call(uri)
                #expect(r.status == 200)
                #expect(r.json["responseSummary"]?["exists"] == .bool(expected), "k = \(k): \(r.json)")
            }
        }
    }

    @Test("record tier: caseLevelData names the tumour with a somatic allele origin; the native API adds the somatic summary; below controlled a one-tumour variant is masked")
    func caseLevelAndNative() async throws {
        let all = try SQLiteVariantStore(path: Self.store).aggregates(in: Region(contig: "1", start: 1, end: 300_000_000))
        let somatic = try #require(all.first { $0.ac == 0 && $0.tumours == 1 && AlleleKind.classify(ref: $0.ref, alt: $0.alt) == .snv })
        let app = ServiceFixture.app(try ServiceFixture.state(store: Self.store))
        try await app.test(.router) { client in
            let uri = "/g_variants?referenceName=1&start=\(somatic.position - 1)&referenceBases=\(somatic.ref)&alternateBases=\(somatic.alt)&requestedGranularity=record"
            let r = try await client.call(uri, token: ServiceFixture.controlledToken)
            #expect(r.status == 200)
            let result = r.json["response"]?["resultSets"]?.arrayValue?.first?["results"]?.arrayValue?.first
            let cases = result?["caseLevelData"]?.arrayValue ?? []
            #expect(cases.count == 1, "\(r.json)")
            #expect(cases.first?["biosampleId"] == "SM-612V3")
            #expect(cases.first?["alleleOrigin"]?["id"] == "SO:0001777")
            // The same variant in the native API: one tumour, shown as k (5) below the controlled tier.
            let id = somatic.variantID.description
            let ctl = try await client.call("/api/v1/variants/\(id)", token: ServiceFixture.controlledToken)
            let row = ctl.json["variants"]?.arrayValue?.first
            #expect(row?["somatic"]?["tumours"]?.intValue == 1, "\(ctl.json)")
            #expect(row?["somatic"]?["vafBins"]?.arrayValue?.compactMap(\.intValue).reduce(0, +) == 1)
            #expect(row?["somatic"]?["byDiagnosis"]?["unknown"]?.intValue == 1)
            let reg = try await client.call("/api/v1/variants/\(id)", token: ServiceFixture.registeredToken)
            // One tumour is fewer than k: the registered tier does not learn that the variant exists.
            #expect(reg.status == 200)
            #expect(reg.json["variants"]?.arrayValue?.isEmpty == true, "\(reg.json)")
        }
    }
}
