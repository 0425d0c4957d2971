/// The OpenAPI 3.1 document served at `/openapi.json`. A test checks that every path here answers and that every
/// route the router serves is here.
enum OpenAPIDocument {
    static func op(_ summary: String, tag: String, params: [(String, String, Bool)] = [], secured: Bool = false) -> JSON {
        var o: [String: JSON] = [
            "summary": .string(summary), "tags": [.string(tag)],
            "responses": ["200": ["description": "OK", "content": ["application/json": ["schema": ["type": "object"]]]],
                          "400": ["description": "Malformed request (Beacon error body)"],
                          "401": ["description": "Missing or unknown token (Beacon error body)"],
                          "429": ["description": "Query budget spent; see Retry-After"]],
        ]
        if !params.isEmpty {
            o["parameters"] = .array(params.map { name, where_, required in
                ["name": .string(name), "in": .string(where_), "required": .bool(required), "schema": ["type": "string"]]
            })
        }
        if secured { o["security"] = [["bearer": []]] }
        return .object(o)
    }

    static let beaconQuery: [(String, String, Bool)] = BeaconRequest.getParameters.sorted().map { ($0, "query", false) }

    static let document: JSON = {
        var paths: [String: JSON] = [
            "/health": ["get": op("Liveness", tag: "operations")],
            "/ready": ["get": op("Readiness: the store answers", tag: "operations")],
            "/metrics": ["get": op("Prometheus metrics", tag: "operations")],
            "/openapi.json": ["get": op("This document", tag: "operations")],
            "/": ["get": op("Beacon info (same as /info)", tag: "beacon")],
            "/info": ["get": op("Beacon info", tag: "beacon")],
            "/service-info": ["get": op("GA4GH service-info", tag: "beacon")],
            "/configuration": ["get": op("Beacon configuration", tag: "beacon")],
            "/map": ["get": op("Beacon map", tag: "beacon")],
            "/entry_types": ["get": op("Beacon entry types", tag: "beacon")],
            "/filtering_terms": ["get": op("Beacon filtering terms", tag: "beacon")],
        ]
        for (path, summary) in [("/g_variants", "Genomic variants (sequence, range, bracket, geneId, HGVS); 0-based coordinates"),
                                ("/individuals", "Individuals matching filters"), ("/biosamples", "Biosamples matching filters"),
                                ("/datasets", "Datasets: the whole store and the named cohorts"), ("/cohorts", "Named cohorts")] {
            paths[path] = ["get": op(summary, tag: "beacon", params: beaconQuery), "post": op(summary + " (beaconRequestBody)", tag: "beacon")]
        }
        let idParam = [("id", "path", true)]
        paths["/g_variants/{id}"] = ["get": op("One variant by ID (CHROM-POS-REF-ALT, 1-based POS)", tag: "beacon", params: idParam + beaconQuery),
                                     "post": op("One variant by ID", tag: "beacon", params: idParam)]
        paths["/datasets/{id}/g_variants"] = ["get": op("Variants counted within one dataset (cohort)", tag: "beacon", params: idParam + beaconQuery),
                                              "post": op("Variants counted within one dataset (cohort)", tag: "beacon", params: idParam)]
        let sel: [(String, String, Bool)] = NativeAPI.variantParameters.sorted().map { ($0, "query", false) }
        paths["/api/v1/variants"] = ["get": op("Variants with aggregates by one of region (1-based CHROM:START-END), gene, id, hgvs, rsid; optional cohort, limit, offset", tag: "native", params: sel, secured: true)]
        paths["/api/v1/variants/{id}"] = ["get": op("One variant by ID with aggregates", tag: "native", params: [("id", "path", true), ("cohort", "query", false)], secured: true)]
        paths["/api/v1/frequencies"] = ["get": op("Cohort frequencies for a region", tag: "native", params: [("region", "query", true), ("cohort", "query", true), ("limit", "query", false), ("offset", "query", false)], secured: true)]
        paths["/api/v1/genes/{symbol}"] = ["get": op("Gene summary: extent and variant counts", tag: "native", params: [("symbol", "path", true), ("cohort", "query", false)], secured: true)]
        return [
            "openapi": "3.1.0",
            "info": ["title": "Varde", "version": "0.1.0",
                     "description": "GA4GH Beacon v2.1.1 (framework + default model) and Varde's native API. Beacon coordinates are 0-based half-open; native coordinates 1-based inclusive. Anonymous: boolean answers; registered token: counts and frequencies with counts below k withheld; controlled token: records."],
            "components": ["securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]]],
            "paths": .object(paths),
        ]
    }()
}
