import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
import VardeService

@Suite("Beacon v2 responses validate against the v2.1.1 schema files")
struct BeaconSchemaTests {
    static let responses = "framework/json/responses/"
    static let model = "models/json/beacon-v2-default-model/"

    @Test("every Beacon endpoint, every tier and granularity, errors included: schema-valid (Python jsonschema)")
    func everyResponseValidates() async throws {
        // Given the service over the 1000 Genomes slice
        let app = ServiceFixture.app(try ServiceFixture.state())
        let cases = try await app.test(.router) { client -> [SchemaValidator.Case] in
            var cases: [SchemaValidator.Case] = []
            // When each informational endpoint is asked
            for (path, schema) in [("/", "beaconInfoResponse"), ("/info", "beaconInfoResponse"), ("/service-info", "ga4gh-service-info-1-0-0-schema"),
                                   ("/configuration", "beaconConfigurationResponse"), ("/map", "beaconMapResponse"),
                                   ("/entry_types", "beaconEntryTypesResponse"), ("/filtering_terms", "beaconFilteringTermsResponse")] {
                let r = try await client.call(path)
                #expect(r.status == 200, "\(path): \(r.json)")
                cases.append(.init(label: path, schema: Self.responses + schema + ".json", instance: r.json))
            }
            // and variant queries of each kind at each tier and granularity
            let queries = [
                "/g_variants?referenceName=22&start=16050074&referenceBases=A&alternateBases=G",
                "/g_variants?referenceName=22&start=16050000&end=16052000",
                "/g_variants?referenceName=22&start=16050000,16050200&end=16050000,16060000&variantType=SNP",
                "/g_variants/22-16050075-A-G",
                "/datasets/first30/g_variants?referenceName=22&start=16050000&end=16052000",
                "/individuals?filters=cohort:first30", "/biosamples",
                "/g_variants/22-16050115-G-A/biosamples", "/g_variants/22-16050115-G-A/individuals",
            ]
            for q in queries {
                for (token, tier) in [(nil, "anonymous"), (ServiceFixture.registeredToken, "registered"), (ServiceFixture.controlledToken, "controlled")] {
                    for g in ["boolean", "count", "record"] {
                        let sep = q.contains("?") ? "&" : "?"
                        let r = try await client.call(q + sep + "requestedGranularity=\(g)", token: token)
                        #expect(r.status == 200, "\(q) \(tier) \(g): \(r.json)")
                        let returned = r.json["meta"]?["returnedGranularity"]?.stringValue ?? "?"
                        let schema = ["boolean": "beaconBooleanResponse", "count": "beaconCountResponse", "record": "beaconResultsetsResponse"][returned] ?? "missing"
                        let path = q.split(separator: "?")[0]
                        let entity = path.hasSuffix("/individuals") ? "individuals" : path.hasSuffix("/biosamples") ? "biosamples" : "genomicVariations"
                        cases.append(.init(label: "\(q) \(tier) \(g)", schema: Self.responses + schema + ".json",
                                           entitySchema: Self.model + entity + "/defaultSchema.json", instance: r.json))
                    }
                }
            }
            // a POST beaconRequestBody
            let body = #"{"meta":{"apiVersion":"v2.1.1"},"query":{"requestParameters":{"g_variant":{"referenceName":"22","start":[16050000],"end":[16052000]}},"requestedGranularity":"record","pagination":{"skip":0,"limit":3}}}"#
            let post = try await client.call("/g_variants", token: ServiceFixture.controlledToken, method: .post, body: body)
            #expect(post.status == 200)
            cases.append(.init(label: "POST g_variants", schema: Self.responses + "beaconResultsetsResponse.json",
                               entitySchema: Self.model + "genomicVariations/defaultSchema.json", instance: post.json))
            // collections
            for (path, entity) in [("/datasets", "datasets"), ("/cohorts", "cohorts")] {
                for token in [nil, ServiceFixture.controlledToken] {
                    let r = try await client.call(path, token: token)
                    #expect(r.status == 200)
                    cases.append(.init(label: path, schema: Self.responses + "beaconCollectionsResponse.json",
                                       entitySchema: Self.model + entity + "/defaultSchema.json", instance: r.json))
                }
            }
            // and errors
            for (uri, token) in [("/g_variants?referenceName=22&start=abc", nil), ("/g_variants?bogus=1", nil),
                                 ("/info", "not-a-token"), ("/api/v1/variants?region=22:1-10", nil as String?)] {
                let r = try await client.call(uri, token: token)
                #expect(r.status >= 400)
                cases.append(.init(label: "error \(uri)", schema: Self.responses + "beaconErrorResponse.json", instance: r.json))
            }
            return cases
        }
        // Then the validator finds no schema error
        let result = try SchemaValidator.run(cases)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("\(cases.count) responses checked, 0 schema errors"))
        // and a record answer really carried records to check
        #expect(cases.contains { $0.instance["response"]?["resultSets"]?.arrayValue?.first?["results"]?.arrayValue?.isEmpty == false })
    }

    @Test("the validator rejects a response that breaks the schema (so the test above can fail)")
    func validatorCatchesErrors() throws {
        let broken: JSON = ["meta": ["beaconId": "x", "apiVersion": "v2.1.1"], "responseSummary": ["exists": "yes"]]
        let result = try SchemaValidator.run([.init(label: "broken", schema: Self.responses + "beaconBooleanResponse.json", instance: broken)])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAIL broken"))
    }
}
