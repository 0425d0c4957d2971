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

    /// VarScan2's TCGA pair (vcf2maf's test): its germline calls are carried by the normal and the tumour alike.
    static let pairStore: String = {
        let dir = try! Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("varscan.db").path
        let load = try! Shell.run([Shell.varde, "load", "--quiet", "--store", path, "--assembly", "GRCh37", "--on-invalid", "skip",
                                   Fixtures.path("somatic/vcf2maf/test_varscan.vcf")], environment: ServiceFixture.env)
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

    @Test("/g_variants/{id}/biosamples and /individuals: who carries a variant, tumours apart, under masking and k; records at controlled")
    func carriersOfOneVariant() async throws {
        let all = try SQLiteVariantStore(path: Self.store).aggregates(in: Region(contig: "1", start: 1, end: 300_000_000))
        let somatic = try #require(all.first { $0.ac == 0 && $0.tumours == 1 }).variantID.description
        let pair = try SQLiteVariantStore(path: Self.pairStore).aggregates(in: Region(contig: "1", start: 1, end: 300_000_000))
        let shared = try #require(pair.first { $0.ac == 1 && $0.nHomAlt == 0 && $0.tumours == 1 }).variantID.description  // the normal's and the tumour's
        // k = 1: nothing is small, so the answers are the store's own.
        let config = ServiceFixture.config { $0.minimumCount = 1 }
        let open = ServiceFixture.app(try ServiceFixture.state(store: Self.store, config: config))
        try await open.test(.router) { client in
            let reg = ServiceFixture.registeredToken
            let b = try await client.call("/g_variants/\(somatic)/biosamples?requestedGranularity=count", token: reg)
            #expect(b.status == 200)
            #expect(b.json["responseSummary"]?["numTotalResults"]?.intValue == 1, "\(b.json)")
            #expect(b.json["info"]?["tumours"]?.intValue == 1 && b.json["info"]?["referenceSamples"]?.intValue == 0)
            let rec = try await client.call("/g_variants/\(somatic)/biosamples?requestedGranularity=record", token: ServiceFixture.controlledToken)
            let rows = rec.json["response"]?["resultSets"]?.arrayValue?.first?["results"]?.arrayValue ?? []
            #expect(rows.map { $0["id"]?.stringValue } == ["SM-612V3"] && rows.first?["biosampleStatus"]?["id"] == "EFO:0009655", "\(rec.json)")
            #expect(try await client.call("/g_variants/1-x-A-C/biosamples", token: reg).status == 400)
        }
        let pairApp = ServiceFixture.app(try ServiceFixture.state(store: Self.pairStore, config: config))
        try await pairApp.test(.router) { client in
            let reg = ServiceFixture.registeredToken, ctl = ServiceFixture.controlledToken
            let both = try await client.call("/g_variants/\(shared)/biosamples?requestedGranularity=count", token: reg)
            #expect(both.json["responseSummary"]?["numTotalResults"]?.intValue == 2, "\(both.json)")
            #expect(both.json["info"]?["tumours"]?.intValue == 1 && both.json["info"]?["referenceSamples"]?.intValue == 1)
            // The tumour and its normal are one person.
            let people = try await client.call("/g_variants/\(shared)/individuals?requestedGranularity=count", token: reg)
            #expect(people.json["responseSummary"]?["numTotalResults"]?.intValue == 1, "\(people.json)")
            // Controlled: the biosamples themselves, the tumour as a neoplastic sample.
            let rec = try await client.call("/g_variants/\(shared)/biosamples?requestedGranularity=record", token: ctl)
            let rows = rec.json["response"]?["resultSets"]?.arrayValue?.first?["results"]?.arrayValue ?? []
            #expect(Set(rows.compactMap { $0["id"]?.stringValue }) == ["TUMOR", "NORMAL"], "\(rec.json)")
            #expect(rows.first { $0["id"] == "TUMOR" }?["biosampleStatus"]?["id"] == "EFO:0009655")
            #expect(rows.first { $0["id"] == "NORMAL" }?["biosampleStatus"]?["id"] == "EFO:0009654")
            // Asking for records without the controlled tier gets counts, never names.
            let capped = try await client.call("/g_variants/\(shared)/biosamples?requestedGranularity=record", token: reg)
            #expect(capped.json["meta"]?["returnedGranularity"] == "count" && capped.json["response"] == nil)
            // Filters are not taken here.
            #expect(try await client.call("/g_variants/\(shared)/biosamples?filters=NCIT:C16576", token: reg).status == 400)
        }
        // k = 5 (the default): one tumour is below k, so below controlled the variant is not there at all.
        let app = ServiceFixture.app(try ServiceFixture.state(store: Self.store))
        try await app.test(.router) { client in
            let reg = try await client.call("/g_variants/\(somatic)/biosamples?requestedGranularity=count", token: ServiceFixture.registeredToken)
            #expect(reg.json["responseSummary"]?["exists"] == false && reg.json["responseSummary"]?["numTotalResults"]?.intValue == 0, "\(reg.json)")
            let anon = try await client.call("/g_variants/\(somatic)/individuals")
            #expect(anon.json["responseSummary"]?["exists"] == false && anon.json["meta"]?["returnedGranularity"] == "boolean")
            let ctl = try await client.call("/g_variants/\(somatic)/biosamples?requestedGranularity=count", token: ServiceFixture.controlledToken)
            #expect(ctl.json["responseSummary"]?["numTotalResults"]?.intValue == 1)
        }
    }
}
