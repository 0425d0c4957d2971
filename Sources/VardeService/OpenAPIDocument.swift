import VariantCore

/// The OpenAPI 3.1 document served at `/openapi.json`. A test checks that every path here answers and that every
/// route the router serves is here.
enum OpenAPIDocument {
    static func op(_ summary: String, tag: String, params: [(String, String, Bool)] = [], secured: Bool = false,
                   answer: String? = nil, body: Bool = false) -> JSON {
        let error: JSON = ["description": "Beacon error body", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]
        var o: [String: JSON] = [
            "summary": .string(summary), "tags": [.string(tag)],
            "responses": ["200": ["description": "OK", "content": ["application/json": ["schema": answer.map { ["$ref": .string("#/components/schemas/\($0)")] } ?? ["type": "object"]]]],
                          "400": error, "401": error, "403": error, "404": error,
                          "429": ["description": "Query budget spent; see Retry-After", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]]],
        ]
        if params.contains(where: { $0.0 == "format" }) {
            o["responses"] = .object((o["responses"]?.objectValue ?? [:]).merging(["200": [
                "description": "OK (format=csv: the same rows as CSV)",
                "content": ["application/json": ["schema": answer.map { ["$ref": .string("#/components/schemas/\($0)")] } ?? ["type": "object"]],
                            "text/csv": ["schema": ["type": "string"]]]]]) { _, b in b })
        }
        if !params.isEmpty {
            o["parameters"] = .array(params.map { name, where_, required in
                ["name": .string(name), "in": .string(where_), "required": .bool(required), "schema": parameterSchema(name)]
            })
        }
        if body { o["requestBody"] = ["required": true, "content": ["application/json": ["schema": beaconRequestBody]]] }
        if secured { o["security"] = [["bearer": []]] }
        return .object(o)
    }

    /// Each parameter's accepted range, as the service checks it (so a fuzzer also sends values just outside).
    static func parameterSchema(_ name: String) -> JSON {
        switch name {
        case "skip", "limit", "offset": ["type": "integer", "minimum": 0, "maximum": .int(BeaconRequest.maxPaging)]
        case "format": ["type": "string", "enum": ["json", "csv"]]
        case "variantMinLength", "variantMaxLength": ["type": "integer", "minimum": 0, "maximum": .int(Region.maxPosition)]
        case "start", "end": ["type": "string", "pattern": "^[0-9]+(,[0-9]+)?$", "description": .string("0-based; one number, or two for a bracket query; at most \(Region.maxPosition)")]
        default: ["type": "string"]
        }
    }

    static let coordinate: JSON = ["type": "integer", "minimum": 0, "maximum": .int(Region.maxPosition)]
    /// A Beacon v2 request body, as far as Varde reads it.
    static let beaconRequestBody: JSON = [
        "type": "object",
        "properties": [
            "meta": ["type": "object", "properties": ["apiVersion": ["type": "string"]]],
            "query": ["type": "object", "properties": [
                "requestParameters": ["type": "object", "properties": [
                    "referenceName": ["type": "string"], "start": ["type": "array", "items": coordinate, "maxItems": 2],
                    "end": ["type": "array", "items": coordinate, "maxItems": 2], "referenceBases": ["type": "string"],
                    "alternateBases": ["type": "string"], "variantType": ["type": "string"], "geneId": ["type": "string"],
                    "genomicAlleleShortForm": ["type": "string"], "assemblyId": ["type": "string"],
                    "variantMinLength": coordinate, "variantMaxLength": coordinate,
                ]],
                "filters": ["type": "array", "items": ["type": "object", "properties": ["id": ["type": "string"]], "required": ["id"]]],
                "pagination": ["type": "object", "properties": ["skip": parameterSchema("skip"), "limit": parameterSchema("limit")]],
                "requestedGranularity": ["type": "string", "enum": ["boolean", "count", "record"]],
                "testMode": ["type": "boolean"],
            ]],
        ],
    ]

    static let count: JSON = ["type": ["integer", "null"], "minimum": 0]
    /// Response schemas of the native API (JSON Schema 2020-12, as OpenAPI 3.1 takes them); the tests validate real answers.
    static let schemas: JSON = [
        "Frequency": ["type": "object", "required": ["ac", "an", "af", "nhomalt", "nhemi"], "additionalProperties": false,
                      "properties": ["ac": count, "an": count, "nhomalt": count, "nhemi": count,
                                     "af": ["type": ["number", "null"], "minimum": 0, "maximum": 1],
                                     "suppressed": ["type": "string", "description": "why counts below k are null at this tier"]]],
        "Variant": ["type": "object", "additionalProperties": false,
                    "required": ["id", "contig", "position", "end", "ref", "alt", "kind", "rsid", "hgvsg", "population", "tumours"],
                    "properties": ["id": ["type": "string", "pattern": "^[^-]+-[0-9]+-[^-]+-.+$"], "contig": ["type": "string"],
                                   "position": ["type": "integer", "minimum": 1], "end": ["type": "integer", "minimum": 1],
                                   "ref": ["type": "string"], "alt": ["type": "string"], "kind": ["type": "string"],
                                   "rsid": ["type": ["string", "null"]], "hgvsg": ["type": ["string", "null"]],
                                   "population": ["$ref": "#/components/schemas/Frequency"], "cohort": ["$ref": "#/components/schemas/Frequency"],
                                   "tumours": ["type": "integer", "minimum": 0],
                                   "consequences": ["type": "array", "items": ["type": "string"], "description": "SO terms from CSQ/ANN"],
                                   "genes": ["type": "array", "items": ["type": "string"]],
                                   "filters": ["type": "array", "items": ["type": "string"], "description": "non-PASS FILTER names (empty: PASS)"],
                                   "somatic": ["type": "object", "description": "tumour count, median VAF, VAF bins and diagnoses (counts suppressed as every count is)"]]],
        "Variants": ["type": "object", "additionalProperties": false,
                     "required": ["query", "assembly", "cohort", "total", "offset", "limit", "truncated", "variants"],
                     "properties": ["query": ["type": "string"], "assembly": ["type": ["string", "null"]], "cohort": ["type": ["string", "null"]],
                                    "cohortSize": ["type": "integer", "minimum": 0],
                                    "total": ["type": "integer", "minimum": 0], "offset": ["type": "integer", "minimum": 0],
                                    "limit": ["type": "integer", "minimum": 1], "truncated": ["type": "boolean"],
                                    "variants": ["type": "array", "items": ["$ref": "#/components/schemas/Variant"]]]],
        "GeneSummary": ["type": "object", "additionalProperties": false,
                        "required": ["gene", "loci", "cohort", "variants", "variantsByKind", "commonVariants", "alternateAlleles"],
                        "properties": ["gene": ["type": "string"], "cohort": ["type": ["string", "null"]],
                                       "loci": ["type": "array", "items": ["type": "object", "required": ["symbol", "contig", "start", "end"]]],
                                       "variants": ["type": "integer", "minimum": 0], "commonVariants": ["type": "integer", "minimum": 0],
                                       "alternateAlleles": ["type": "integer", "minimum": 0],
                                       "variantsByKind": ["type": "object", "additionalProperties": ["type": "integer", "minimum": 0]]]],
        "Error": ["type": "object", "required": ["meta", "error"],
                  "properties": ["error": ["type": "object", "required": ["errorCode", "errorMessage"],
                                           "properties": ["errorCode": ["type": "integer"], "errorMessage": ["type": "string"]]]]],
    ]

    /// The Beacon GET parameters Varde answers (aminoacidChange and mateName are read but answered 501, so not listed).
    static let beaconQuery: [(String, String, Bool)] = BeaconRequest.getParameters.subtracting(["aminoacidChange", "mateName"]).sorted()
        .map { ($0, "query", false) }

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
            paths[path] = ["get": op(summary, tag: "beacon", params: beaconQuery), "post": op(summary + " (beaconRequestBody)", tag: "beacon", body: true)]
        }
        let idParam = [("id", "path", true)]
        paths["/g_variants/{id}"] = ["get": op("One variant by ID (CHROM-POS-REF-ALT, 1-based POS)", tag: "beacon", params: idParam + beaconQuery),
                                     "post": op("One variant by ID", tag: "beacon", params: idParam, body: true)]
        for (plural, what) in [("biosamples", "Biosamples carrying one variant (tumours as neoplastic samples); counts below k withheld"),
                               ("individuals", "Individuals carrying one variant; counts below k withheld")] {
            paths["/g_variants/{id}/\(plural)"] = ["get": op(what, tag: "beacon", params: idParam + beaconQuery), "post": op(what, tag: "beacon", params: idParam, body: true)]
        }
        paths["/datasets/{id}/g_variants"] = ["get": op("Variants counted within one dataset (cohort)", tag: "beacon", params: idParam + beaconQuery),
                                              "post": op("Variants counted within one dataset (cohort)", tag: "beacon", params: idParam, body: true)]
        let sel: [(String, String, Bool)] = NativeAPI.variantParameters.sorted().map { ($0, "query", false) }
        paths["/api/v1/variants"] = ["get": op("Variants with aggregates by one of region (1-based CHROM:START-END), gene, id, hgvs, rsid; optional cohort, limit, offset", tag: "native", params: sel, secured: true, answer: "Variants")]
        paths["/api/v1/variants/{id}"] = ["get": op("One variant by ID with aggregates", tag: "native", params: [("id", "path", true), ("cohort", "query", false)], secured: true, answer: "Variants")]
        paths["/api/v1/frequencies"] = ["get": op("Cohort frequencies for a region", tag: "native", params: [("region", "query", true), ("cohort", "query", true), ("limit", "query", false), ("offset", "query", false), ("format", "query", false)], secured: true, answer: "Variants")]
        paths["/api/v1/genes/{symbol}"] = ["get": op("Gene summary: extent and variant counts", tag: "native", params: [("symbol", "path", true), ("cohort", "query", false)], secured: true, answer: "GeneSummary")]
        for (method, path, summary) in UI.routes {
            let page: JSON = ["description": "HTML page", "content": ["text/html": ["schema": ["type": "string"]]]]
            var responses: [String: JSON] = [:]
            for code in ["200", "303", "400", "401", "403", "404", "413", "429"] { responses[code] = page }
            if path == "/ui/download" { responses["200"] = ["description": "CSV", "content": ["text/csv": ["schema": ["type": "string"]]]] }
            if path.hasSuffix("/plot.svg") { responses["200"] = ["description": "SVG", "content": ["image/svg+xml": ["schema": ["type": "string"]]]] }
            var op: [String: JSON] = ["summary": .string(summary), "tags": ["ui"], "responses": .object(responses)]
            let names = path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
            if !names.isEmpty { op["parameters"] = .array(names.map { ["name": .string($0), "in": "path", "required": true, "schema": ["type": "string"]] }) }
            if method == "post" && path == "/ui/login" {
                op["requestBody"] = ["required": true, "content": ["application/x-www-form-urlencoded": ["schema": ["type": "object", "properties": ["token": ["type": "string"]]]]]]
            }
            paths[path] = .object((paths[path]?.objectValue ?? [:]).merging([method: .object(op)]) { _, b in b })
        }
        return [
            "openapi": "3.1.0",
            "info": ["title": "Varde", "version": .string(Release.version),
                     "description": "GA4GH Beacon v2.1.1 (framework + default model) and Varde's native API. Beacon coordinates are 0-based half-open; native coordinates 1-based inclusive. Anonymous: boolean answers; registered token: counts and frequencies with counts below k withheld; controlled token: records."],
            "components": ["securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]], "schemas": schemas],
            "paths": .object(paths),
        ]
    }()
}
