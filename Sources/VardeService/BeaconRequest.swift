public import Foundation
import VariantCore

/// A request the client got wrong: answered 400 with this message in a Beacon error body.
public struct BadRequest: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var status: Int
    public init(_ message: String, status: Int = 400) {
        self.message = message
        self.status = status
    }
    public var description: String { message }
}

/// A Beacon query (`/g_variants`, `/individuals`, …) read from GET parameters or a POST `beaconRequestBody`.
/// Coordinates are kept as Beacon sends them (0-based, half-open); ``VariantSelection`` converts them once.
struct BeaconRequest: Sendable {
    var referenceName: String?
    var start: [Int] = []
    var end: [Int] = []
    var referenceBases: String?
    var alternateBases: String?
    var variantType: String?
    var variantMinLength: Int?
    var variantMaxLength: Int?
    var geneId: String?
    var allele: String?
    var assemblyId: String?
    var filters: [String] = []
    var datasetIds: [String] = []
    var requestedGranularity: Granularity = .boolean
    var skip = 0
    var limit = 10
    var includeResultsetResponses = "HIT"
    var testMode = false
    var requestedSchemas: [String] = []

    /// GET parameter names accepted (the OpenAPI list plus the documented spellings: spec §4 quirk 1).
    static let getParameters: Set<String> = [
        "requestedSchema", "skip", "limit", "includeResultsetResponses", "start", "end", "assemblyId", "referenceName",
        "referenceBases", "alternateBases", "variantMinLength", "variantMaxLength", "allele", "genomicAlleleShortForm",
        "geneid", "geneId", "aminoacidChange", "filters", "variantType", "datasetIds", "requestedGranularity", "testMode",
        "mateName",
    ]

    /// The largest `skip` or `limit` read (a million pages of a million records is past any store).
    static let maxPaging = 1_000_000

    /// The first record of the page `skip` pages of `limit` records in (Beacon paging), saturating.
    static func offset(skip: Int, limit: Int) -> Int {
        let (product, overflow) = skip.multipliedReportingOverflow(by: limit)
        return overflow ? Int.max : product
    }

    /// No parameters: what an error answer echoes when the request could not be read.
    init() {}

    var hasVariantParameters: Bool {
        referenceName != nil || !start.isEmpty || !end.isEmpty || referenceBases != nil || alternateBases != nil
            || variantType != nil || geneId != nil || allele != nil || variantMinLength != nil || variantMaxLength != nil
    }

    /// From a GET query string (list values comma-joined, as `docs/rest-api.md` recommends).
    init(query: [(String, String)]) throws(BadRequest) {
        for (k, v) in query {
            guard Self.getParameters.contains(k) else {
                throw BadRequest("unknown parameter '\(k)'; accepted: \(Self.getParameters.sorted().joined(separator: ", "))")
            }
            try set(k, .string(v), fromGET: true)
        }
        try check()
    }

    /// From a POST `beaconRequestBody`; lenient about `requestedGranularity`/`pagination` placed beside `query`
    /// (spec §4 quirk 2) and about unknown keys in `meta` (quirk 3).
    init(body: JSON) throws(BadRequest) {
        guard case let .object(top) = body else { throw BadRequest("the request body must be a JSON object (beaconRequestBody)") }
        if let schemas = top["meta"]?["requestedSchemas"]?.arrayValue {
            requestedSchemas = schemas.compactMap { $0["schema"]?.stringValue }
        }
        let query = top["query"]?.objectValue ?? [:]
        var params = query["requestParameters"]?.objectValue ?? [:]
        if let nested = params["g_variant"]?.objectValue { params = nested }
        for (k, v) in params.sorted(by: { $0.key < $1.key }) {
            guard Self.getParameters.contains(k), !["skip", "limit", "filters", "requestedGranularity", "testMode"].contains(k) else {
                throw BadRequest("unknown request parameter '\(k)' in query.requestParameters")
            }
            try set(k, v, fromGET: false)
        }
        for source in [top, query] {
            if let g = source["requestedGranularity"] { try set("requestedGranularity", g, fromGET: false) }
            if let p = source["pagination"]?.objectValue {
                if let s = p["skip"] { try set("skip", s, fromGET: false) }
                if let l = p["limit"] { try set("limit", l, fromGET: false) }
            }
            if let i = source["includeResultsetResponses"] { try set("includeResultsetResponses", i, fromGET: false) }
            if let t = source["testMode"] { try set("testMode", t, fromGET: false) }
        }
        if let f = query["filters"] {
            guard let list = f.arrayValue else { throw BadRequest("query.filters must be a list") }
            filters = try list.map { (item: JSON) throws(BadRequest) -> String in
                if let s = item.stringValue { return s }
                if let id = item["id"]?.stringValue { return id }
                throw BadRequest("each filter needs an 'id' (e.g. {\"id\": \"NCIT:C16576\"})")
            }
        }
        try check()
    }

    private mutating func set(_ key: String, _ value: JSON, fromGET: Bool) throws(BadRequest) {
        func text() throws(BadRequest) -> String {
            if let s = value.stringValue {
                guard !s.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                    throw BadRequest("'\(key)' holds a control character (such as NUL); send plain text")
                }
                return s
            }
            if let i = value.intValue { return String(i) }
            throw BadRequest("'\(key)' must be a string")
        }
        func ints() throws(BadRequest) -> [Int] {
            let parts: [String]
            if let a = value.arrayValue {
                parts = try a.map { (v: JSON) throws(BadRequest) -> String in
                    guard let i = v.intValue else { throw BadRequest("'\(key)' must hold whole numbers") }
                    return String(i)
                }
            } else {
                parts = try text().split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            }
            // Range-checked here, before any arithmetic: coordinates and lengths up to Region.maxPosition, paging up
            // to maxPaging (a skip of pages times a limit then cannot overflow).
            let most = ["skip", "limit"].contains(key) ? Self.maxPaging : Region.maxPosition
            return try parts.map { (p: String) throws(BadRequest) -> Int in
                guard let i = Int(p), i >= 0, i <= most else {
                    throw BadRequest("'\(key)' must be whole numbers of at least 0 and at most \(most)\(key == "skip" || key == "limit" ? "" : " (Beacon coordinates are 0-based)"), not '\(p.prefix(40))'")
                }
                return i
            }
        }
        func int() throws(BadRequest) -> Int {
            let v = try ints()
            guard v.count == 1 else { throw BadRequest("'\(key)' takes one number") }
            return v[0]
        }
        func list() throws(BadRequest) -> [String] {
            if let a = value.arrayValue {
                let items = a.compactMap(\.stringValue)
                guard !items.contains(where: { $0.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }) else {
                    throw BadRequest("'\(key)' holds a control character (such as NUL); send plain text")
                }
                return items
            }
            return try text().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        func bases() throws(BadRequest) -> String {
            let s = try text().uppercased()
            let allowed = Set("ACGTUNRYSWKMBDHV-.")
            guard s.allSatisfy(allowed.contains) else {
                throw BadRequest("'\(key)' must be IUPAC bases (^[ACGTUNRYSWKMBDHV\\-.]*$), not '\(s)'")
            }
            return s
        }
        switch key {
        case "referenceName": referenceName = try text()
        case "start": start = try ints()
        case "end": end = try ints()
        case "referenceBases": referenceBases = try bases()
        case "alternateBases": alternateBases = try bases()
        case "variantType": variantType = try text()
        case "variantMinLength": variantMinLength = try int()
        case "variantMaxLength": variantMaxLength = try int()
        case "geneId", "geneid": geneId = try text()
        case "allele", "genomicAlleleShortForm": allele = try text()
        case "assemblyId": assemblyId = try text()
        case "filters": filters = try list()
        case "datasetIds": datasetIds = try list()
        case "requestedSchema": requestedSchemas = try list()
        case "requestedGranularity":
            let t = try text()
            guard let g = Granularity(t) else { throw BadRequest("requestedGranularity must be boolean, count or record, not '\(t)'") }
            requestedGranularity = g
        case "skip": skip = try int()
        case "limit": limit = try int()
        case "includeResultsetResponses":
            let t = try text().uppercased()
            guard ["HIT", "MISS", "ALL", "NONE"].contains(t) else { throw BadRequest("includeResultsetResponses must be HIT, MISS, ALL or NONE") }
            includeResultsetResponses = t
        case "testMode":
            if let b = value.boolValue { testMode = b } else {
                let t = try text()
                guard t == "true" || t == "false" else { throw BadRequest("testMode must be true or false") }
                testMode = t == "true"
            }
        case "aminoacidChange":
            throw BadRequest("aminoacidChange queries are not supported: the store holds no protein annotation", status: 501)
        case "mateName":
            throw BadRequest("mateName (fusion) queries are not supported", status: 501)
        default:
            throw BadRequest("unknown parameter '\(key)'")
        }
    }

    private func check() throws(BadRequest) {
        guard start.count <= 2, end.count <= 2 else { throw BadRequest("start and end take one number, or two for a bracket query") }
    }

    /// The JSON echoed as `receivedRequestSummary.requestParameters`.
    var echoedParameters: JSON {
        var p: [String: JSON] = [:]
        if let referenceName { p["referenceName"] = .string(referenceName) }
        if !start.isEmpty { p["start"] = .array(start.map(JSON.int)) }
        if !end.isEmpty { p["end"] = .array(end.map(JSON.int)) }
        if let referenceBases { p["referenceBases"] = .string(referenceBases) }
        if let alternateBases { p["alternateBases"] = .string(alternateBases) }
        if let variantType { p["variantType"] = .string(variantType) }
        if let geneId { p["geneId"] = .string(geneId) }
        if let allele { p["genomicAlleleShortForm"] = .string(allele) }
        if let assemblyId { p["assemblyId"] = .string(assemblyId) }
        if let variantMinLength { p["variantMinLength"] = .int(variantMinLength) }
        if let variantMaxLength { p["variantMaxLength"] = .int(variantMaxLength) }
        return p.isEmpty ? [:] : ["g_variant": .object(p)]
    }
}

extension BeaconRequest {
    /// This request narrowed to one variant: a sequence query for exactly its allele (Beacon's 0-based start), as
    /// `/g_variants/{id}` and its biosamples and individuals ask.
    func selecting(_ id: VariantID) -> BeaconRequest {
        var q = self
        q.referenceName = id.contig
        q.start = [id.position - 1]
        q.end = []
        q.referenceBases = id.ref
        q.alternateBases = id.alt
        return q
    }
}
