public import Foundation
public import Hummingbird
public import Logging
import HTTPTypes
import HummingbirdCore
import NIOCore
import Prometheus
public import VariantStore
public import VariantQuery
import VariantCore

/// Everything a running service holds: configuration, store connections, tokens, budgets, audit log, metrics.
public struct ServiceState: Sendable {
    public let config: ServiceConfiguration
    public let pool: StorePool
    public let tokens: TokenStore
    public let budget: QueryBudget
    public let audit: AuditLog?
    public let genes: GeneIndex
    public let metrics: ServiceMetrics

    public init(config: ServiceConfiguration, pool: StorePool, tokens: TokenStore, audit: AuditLog?, genes: GeneIndex) {
        self.config = config
        self.pool = pool
        self.tokens = tokens
        self.budget = QueryBudget(windowSeconds: config.budgetWindowSeconds)
        self.audit = audit
        self.genes = genes
        metrics = ServiceMetrics(selectionCacheEntries: config.selectionCacheEntries)
    }

    /// Reads the tokens file, opens the audit log named in `config`, and starts opening the store's connections in
    /// the background (`/ready` answers 503 until they are open: the first open runs pending migrations).
    /// `storeFile` is the SQLite file, if the store is one (a restore over it is then noticed).
    public init(config: ServiceConfiguration, genes: GeneIndex, storeFile: String?, openStore: @escaping @Sendable () throws -> any VariantStore) throws {
        try self.init(config: config, pool: StorePool(opening: config.storeConnections, file: storeFile, make: openStore),
                      tokens: config.tokensFile.map { try TokenStore(path: $0) } ?? TokenStore(),
                      audit: config.auditLog.map { try AuditLog(path: $0) }, genes: genes)
    }
}

/// The HTTP service shared by `varde serve` and the tests (Hummingbird template): Beacon v2 at the root, the
/// native API under `/api/v1`, operations at `/health`, `/ready`, `/metrics`, and `/openapi.json`.
public func buildRouter(state: ServiceState, baseURL: String = "") -> Router<VardeRequestContext> {
    let beacon = Beacon(config: state.config, genes: state.genes, baseURL: baseURL, suppression: state.metrics.suppression)
    let router = Router(context: VardeRequestContext.self)
    router.add(middleware: MetricsMiddleware(metrics: state.metrics))
    router.add(middleware: AccessMiddleware(tokens: state.tokens, budget: state.budget, config: state.config, beacon: beacon, audit: state.audit,
                                            metrics: state.metrics))
    let handlers = Handlers(state: state, beacon: beacon)

    // Operations
    router.get("/health") { _, _ in Responses.json(["status": "ok"]) }
    router.get("/ready") { _, _ in
        func unavailable(_ status: String, _ why: String) -> Response {
            var r = Responses.json(["status": .string(status), "error": .string(why)], status: 503)
            r.headers[.retryAfter] = "5"
            return r
        }
        switch state.pool.readiness {
        case .opening: return unavailable("migrating", "the store is being opened and its migrations are running")
        case let .failed(error):
            Logger(label: "varde.serve").error("not ready", metadata: ["error": .string(error)])
            return unavailable("unavailable", "the store cannot be opened; the service log has the details")
        case .ready: break
        }
        if state.pool.restoring { return unavailable("restoring", "varde restore is putting a backup in place of the store") }
        do {
            let contigs = try await state.pool.read { try $0.contigs().count }
            return Responses.json(["status": "ready", "contigs": .int(contigs)])
        } catch {
            // The cause goes to the service log only: raw store errors can name paths and SQL.
            Logger(label: "varde.serve").error("not ready", metadata: ["error": .string("\(error)")])
            return Responses.json(["status": "unavailable", "error": "the store cannot be read; the service log has the details"], status: 503)
        }
    }
    router.get("/metrics") { _, _ in
        let buffer = await state.metrics.exposition(pool: state.pool)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
    router.get("/openapi.json") { _, _ in Responses.json(OpenAPIDocument.document) }

    // Beacon v2: informational
    for path in ["/", "/info"] {
        router.get(RouterPath(path)) { r, c in await handlers.informational(r, c) { try beacon.info(store: $0) } }
    }
    router.get("/service-info") { r, c in await handlers.informational(r, c) { _ in beacon.serviceInfo() } }
    router.get("/configuration") { r, c in await handlers.informational(r, c) { _ in beacon.configuration() } }
    router.get("/map") { r, c in await handlers.informational(r, c) { _ in beacon.map() } }
    router.get("/entry_types") { r, c in await handlers.informational(r, c) { _ in beacon.entryTypesResponse() } }
    router.get("/filtering_terms") { r, c in
        let tier = c.principal.tier
        return await handlers.informational(r, c) { try beacon.filteringTerms(store: $0, tier: tier) }
    }

    // Beacon v2: entries and collections (GET and POST)
    func both(_ path: RouterPath, _ answer: @escaping @Sendable (BeaconRequest, Request, VardeRequestContext, any VariantStore) throws -> Beacon.Answer) {
        router.get(path) { r, c in await handlers.query(r, c, answer) }
        router.post(path) { r, c in await handlers.query(r, c, answer) }
    }
    both("/g_variants") { q, _, c, s in try beacon.genomicVariants(q, tier: c.principal.tier, onlyDataset: nil, store: s) }
    both("/g_variants/{id}") { q, r, c, s in
        try beacon.genomicVariants(q.selecting(try variantID(r, fromEnd: 0)), tier: c.principal.tier, onlyDataset: nil, store: s)
    }
    for (entity, plural) in [("biosample", "biosamples"), ("individual", "individuals")] {
        both(RouterPath("/g_variants/{id}/\(plural)")) { q, r, c, s in
            try beacon.carriers(of: try variantID(r, fromEnd: 1), q, entity: entity, tier: c.principal.tier, store: s)
        }
    }
    both("/datasets/{id}/g_variants") { q, r, c, s in
        let id = r.uri.path.split(separator: "/").dropFirst().first.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
        return try beacon.genomicVariants(q, tier: c.principal.tier, onlyDataset: id, store: s)
    }
    both("/individuals") { q, _, c, s in try beacon.people(q, entity: "individual", tier: c.principal.tier, store: s) }
    both("/biosamples") { q, _, c, s in try beacon.people(q, entity: "biosample", tier: c.principal.tier, store: s) }
    both("/datasets") { q, _, c, s in try beacon.collections(q, entity: "dataset", tier: c.principal.tier, store: s) }
    both("/cohorts") { q, _, c, s in try beacon.collections(q, entity: "cohort", tier: c.principal.tier, store: s) }

    // Native API
    let native = NativeAPI(config: state.config, genes: state.genes, suppression: state.metrics.suppression, cache: state.config.selectionCacheEntries > 0 ? state.metrics.selections : nil)
    router.get("/api/v1/variants") { r, c in await handlers.native(r, c) { q, s in try native.variants(q, tier: c.principal.tier, store: s) } }
    router.get("/api/v1/variants/{id}") { r, c in
        let id = c.parameters.get("id") ?? ""
        return await handlers.native(r, c) { q, s in try native.variants(q.merging(["id": id]), tier: c.principal.tier, store: s) }
    }
    router.get("/api/v1/frequencies") { r, c in await handlers.native(r, c) { q, s in try native.frequencies(q, tier: c.principal.tier, store: s) } }
    router.get("/api/v1/genes/{symbol}") { r, c in
        let symbol = c.parameters.get("symbol") ?? ""
        return await handlers.native(r, c) { q, s in try native.gene(symbol, query: q, tier: c.principal.tier, store: s) }
    }

    // Web UI for clinicians (/ui/): the same selections, disclosure, audit and budget as the native API.
    UI(state: state, native: native, beacon: beacon, handlers: handlers).register(router)
    return router
}

/// Builds the application: the router on `host:port`, graceful shutdown on SIGTERM/SIGINT (service lifecycle).
public func buildApplication(state: ServiceState, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
    let router = buildRouter(state: state, baseURL: state.config.publicURL ?? "http://\(host):\(port)")
    let idle = TimeAmount.seconds(Int64(state.config.idleTimeoutSeconds)), headers = TimeAmount.seconds(Int64(state.config.headerTimeoutSeconds))
    let server = HTTPServerBuilder { responder in
        DeadlineHTTP1Channel(inner: HTTP1Channel(responder: responder, configuration: .init(idleTimeout: idle)), headerTimeout: headers)
    }
    return Application(router: router, server: server, configuration: .init(address: .hostname(host, port: port), serverName: "varde"), logger: logger)
}

/// The shared request plumbing: parse, run on one store snapshot, map errors to Beacon error bodies, audit.
struct Handlers: Sendable {
    let state: ServiceState
    let beacon: Beacon

    func informational(_ request: Request, _ context: VardeRequestContext, _ body: @escaping @Sendable (any VariantStore) throws -> JSON) async -> Response {
        if let bad = request.uri.queryParameters.first(where: { _ in true }) {
            return Responses.json(beacon.error(400, "unknown parameter '\(bad.key)': \(request.uri.path) takes none"), status: 400)
        }
        do {
            let answer = try await state.pool.read(body)
            audit(request, context, status: 200, results: 0, granularity: nil, what: "informational")
            return Responses.json(answer)
        } catch {
            return failure(error, request, context)
        }
    }

    func query(_ request: Request, _ context: VardeRequestContext,
               _ answer: @escaping @Sendable (BeaconRequest, Request, VardeRequestContext, any VariantStore) throws -> Beacon.Answer) async -> Response {
        do {
            let q: BeaconRequest
            if request.method == .post {
                let buffer: ByteBuffer
                do { buffer = try await request.body.collect(upTo: 1 << 20) } catch is NIOTooManyBytesError {
                    throw BadRequest("the request body is larger than 1 MiB; a beaconRequestBody is a few hundred bytes", status: 413)
                }
                let body: JSON
                do { body = try JSON(parsing: Data(buffer.readableBytesView)) } catch {
                    throw BadRequest("the request body is not JSON (a beaconRequestBody is expected)")
                }
                q = try BeaconRequest(body: body)
            } else {
                q = try BeaconRequest(query: request.uri.queryParameters.map { (String($0.key), String($0.value)) })
            }
            let a = try await state.pool.read { try answer(q, request, context, $0) }
            audit(request, context, status: 200, results: a.resultCount, granularity: a.granularity.name, what: a.summary, parsed: q,
                  disclosed: a.disclosed)
            return Responses.json(a.body)
        } catch {
            return failure(error, request, context)
        }
    }

    func native(_ request: Request, _ context: VardeRequestContext, _ body: @escaping @Sendable ([String: String], any VariantStore) throws -> NativeAPI.Answer) async -> Response {
        guard context.principal.tier > .anonymous else {
            let r = Responses.json(beacon.error(401, "the native API needs a registered token (Authorization: Bearer <token>); anonymous callers can use the Beacon endpoints"), status: 401)
            audit(request, context, status: 401, results: 0, granularity: nil, what: "denied")
            return r
        }
        var parameters: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { parameters[String(k)] = String(v) }
        let q = parameters
        do {
            let a = try await state.pool.read { try body(q, $0) }
            audit(request, context, status: 200, results: a.resultCount, granularity: context.principal.tier == .controlled ? "record" : "count", what: a.summary)
            if let csv = a.csv { return Responses.csv(csv) }
            return Responses.json(a.body)
        } catch {
            return failure(error, request, context)
        }
    }

    func failure(_ error: any Error, _ request: Request, _ context: VardeRequestContext) -> Response {
        let (status, message): (Int, String)
        switch error {
        case let e as BadRequest: (status, message) = (e.status, e.message)
        case let e as HTTPError: (status, message) = (e.status.code, e.body ?? e.status.reasonPhrase)
        case let e as any HTTPResponseError: (status, message) = (e.status.code, e.status.reasonPhrase)
        case let e as StoreError where e.code == .invalidInput: (status, message) = (400, e.description)
        case let e as StoreUnavailable: (status, message) = (503, e.message)
        default:
            context.logger.error("request failed", metadata: ["path": .string(MetricsMiddleware.escapedForLog(request.uri.path)),
                                                               "error": .string(MetricsMiddleware.escapedForLog("\(error)"))])
            (status, message) = (500, "internal error; the service log has the details")
        }
        audit(request, context, status: status, results: 0, granularity: nil, what: message)
        var response = Responses.json(beacon.error(status, message), status: status)
        if status == 503 { response.headers[.retryAfter] = "5" }
        return response
    }

    /// One audit line: who, from where, what (path and parameters, never a person key), status and how much.
    /// A POST's parameters come from its parsed body (`parsed`), so they are audited as a GET's are. At the
    /// controlled tier, `disclosed` says how many carriers (sample, zygosity) and distinct sample IDs went out.
    func audit(_ request: Request, _ context: VardeRequestContext, status: Int, results: Int, granularity: String?, what: String,
               parsed: BeaconRequest? = nil, disclosed: Disclosed = Disclosed()) {
        if status == 200 { state.metrics.answered(route: MetricsMiddleware.family(request.uri.path), tier: context.principal.tier) }
        guard let log = state.audit else { return }
        var params: [String: JSON] = [:]
        for (k, v) in request.uri.queryParameters { params[AuditLog.clip(String(k))] = .string(AuditLog.clip(String(v))) }
        if let parsed {
            if case let .object(g)? = parsed.echoedParameters["g_variant"] { for (k, v) in g { params[k] = v } }
            if !parsed.filters.isEmpty { params["filters"] = .string(AuditLog.clip(parsed.filters.joined(separator: ","))) }
            if !parsed.datasetIds.isEmpty { params["datasetIds"] = .string(AuditLog.clip(parsed.datasetIds.joined(separator: ","))) }
            params["requestedGranularity"] = .string(parsed.requestedGranularity.name)
            if parsed.skip > 0 { params["skip"] = .int(parsed.skip) }
            params["limit"] = .int(parsed.limit)
        }
        var event: [String: JSON] = [
            "time": .string(Date().ISO8601Format()), "request": .string(context.id), "who": .string(context.principal.name),
            "tier": .string(context.principal.tier.name), "client": .string(context.clientAddress), "method": .string(request.method.rawValue), "path": .string(AuditLog.clip(request.uri.path)),
            "parameters": .object(params), "query": .string(AuditLog.clip(what)), "status": .int(status), "results": .int(results),
            "granularity": .optional(granularity)]
        if disclosed.carriers > 0 || disclosed.sampleIDs > 0 {
            event["carriersDisclosed"] = .int(disclosed.carriers)
            event["sampleIDsDisclosed"] = .int(disclosed.sampleIDs)
        }
        log.record(.object(event))
    }
}

extension Dictionary where Key == String, Value == String {
    func merging(_ other: [String: String]) -> [String: String] { merging(other) { _, b in b } }
}

/// The variant ID in a request's path, `fromEnd` segments before its end, percent-decoded (a malformed one is a 400).
private func variantID(_ r: Request, fromEnd: Int) throws -> VariantID {
    let parts = r.uri.path.split(separator: "/")
    let text = parts.count > fromEnd ? String(parts[parts.count - 1 - fromEnd]) : ""
    do { return try VariantID(parsing: text.removingPercentEncoding ?? text) } catch { throw BadRequest("\(error)") }
}
