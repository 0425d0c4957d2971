import Foundation
public import Hummingbird
import HTTPTypes
import Logging
import Prometheus

/// Reads the bearer token (401 for an unknown or malformed one: never data), then spends the caller's budgets
/// (429 with Retry-After). `/health`, `/ready` and `/metrics` are outside both.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = VardeRequestContext
    let tokens: TokenStore
    let budget: QueryBudget
    let config: ServiceConfiguration
    let beacon: Beacon
    let audit: AuditLog?

    static let exempt: Set<String> = ["/health", "/ready", "/metrics"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.exempt.contains(request.uri.path) { return try await next(request, context) }
        var context = context
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                return deny(request, context, 401, "the Authorization header must be 'Bearer <token>'")
            }
            guard let principal = tokens.principal(forToken: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
                return deny(request, context, 401, "unknown or revoked token")
            }
            context.principal = principal
        }
        if let wait = budget.spend("ip:" + context.clientAddress, limit: config.requestsPerAddressPerWindow) {
            return deny(request, context, 429, "too many requests from \(context.clientAddress): \(config.requestsPerAddressPerWindow) per \(config.budgetWindowSeconds) s", retryAfter: wait)
        }
        if context.principal.tier > .anonymous,
           let wait = budget.spend("token:" + context.principal.name, limit: config.requestsPerTokenPerWindow) {
            return deny(request, context, 429, "query budget of \(context.principal.name) spent: \(config.requestsPerTokenPerWindow) per \(config.budgetWindowSeconds) s", retryAfter: wait)
        }
        return try await next(request, context)
    }

    func deny(_ request: Request, _ context: Context, _ status: Int, _ message: String, retryAfter: Int? = nil) -> Response {
        audit?.record(["time": .string(Date().ISO8601Format()), "who": .string(context.principal.name), "tier": .string(context.principal.tier.name),
                       "client": .string(context.clientAddress), "method": .string(request.method.rawValue), "path": .string(request.uri.path),
                       "status": .int(status), "results": 0, "error": .string(message)])
        var response = Responses.json(beacon.error(status, message), status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// One structured log line per request (method, path, status, milliseconds) on the service logger (stderr), and
/// request counts and latency per route family in the service's own Prometheus registry.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = VardeRequestContext
    let registry: PrometheusCollectorRegistry
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    static func family(_ path: String) -> String {
        let parts = path.split(separator: "/")
        if parts.first == "api" { return "/" + parts.prefix(3).joined(separator: "/") }
        return "/" + (parts.first.map(String.init) ?? "")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = Self.family(request.uri.path)
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            context.logger.info("request", metadata: [
                "method": .string(request.method.rawValue), "path": .string(request.uri.description), "status": .stringConvertible(status),
                "ms": .stringConvertible(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000),
            ])
            registry.makeCounter(name: "varde_http_requests_total", labels: [("route", route), ("status", String(status))]).increment()
            registry.makeDurationHistogram(name: "varde_http_request_duration_seconds", labels: [("route", route)], buckets: Self.buckets)
                .record(elapsed)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let e as HTTPError {
            status = e.status.code
            throw e
        }
    }
}

enum Responses {
    static func json(_ value: JSON, status: Int = 200) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"],
                 body: .init(byteBuffer: ByteBuffer(bytes: value.encoded())))
    }
}
