import Foundation
public import Hummingbird
import HTTPTypes
import Logging
import Prometheus

/// Spends the client address's budget first (every request, a wrong token included), refuses a token sent in the
/// query string, reads the bearer token (401 for an unknown or malformed one: never data; after
/// `authFailuresPerAddressPerWindow` failures the address gets 429 for any token until the window ends), then spends
/// the budget of the token's owner (429 with Retry-After; one budget for all the tokens of one owner). The client
/// address is the connection's peer, or for a proxy named in `trustedProxies` the address it forwards (ProxyTrust). Control characters in parameters are refused. `/health`, `/ready`
/// and `/metrics` are outside all of it.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = VardeRequestContext
    let tokens: TokenStore
    let budget: QueryBudget
    let config: ServiceConfiguration
    let beacon: Beacon
    let audit: AuditLog?
    let metrics: ServiceMetrics

    /// Outside tokens and budgets: operations, and the web UI's static files (no data; a page view would otherwise
    /// spend four requests of the budget).
    static let exempt: Set<String> = ["/health", "/ready", "/metrics", "/ui/assets/ui.css", "/ui/assets/ui.js", "/ui/assets/favicon.svg"]
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!
    /// Query parameters that look like a credential: refused (a URL ends up in logs, proxies and browser history).
    static let credentialParameters: Set<String> = ["token", "access_token", "accesstoken", "api_key", "apikey", "key", "bearer",
                                                    "auth", "authorization", "password", "secret"]
    /// Denials audited per client address and window; past it, one line says how many more were not written.
    static let auditedDenialsPerWindow = 20

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.exempt.contains(request.uri.path) { return try await next(request, context) }
        var context = context
        if !config.trustedProxies.isEmpty {
            context.clientAddress = ProxyTrust(config.trustedProxies).client(peer: context.clientAddress,
                                                                            forwardedFor: request.headers[values: Self.forwardedFor])
        }
        let address = context.clientAddress
        if let wait = budget.spend("ip:" + address, limit: config.requestsPerAddressPerWindow) {
            metrics.refused(budget: "address")
            return deny(request, context, 429, "too many requests from \(address): \(config.requestsPerAddressPerWindow) per \(config.budgetWindowSeconds) s", retryAfter: wait)
        }
        if request.uri.queryParameters.contains(where: { Self.credentialParameters.contains(String($0.key).lowercased()) }) {
            return deny(request, context, 400, "credentials are not accepted in the query string (it is logged and cached along the way): send 'Authorization: Bearer <token>'")
        }
        if let bad = Self.controlCharacter(in: request) {
            return deny(request, context, 400, "\(bad) holds a control character (such as NUL); send plain text")
        }
        // The web UI's session cookie stands for the bearer token under /ui/ only (the API takes Authorization only).
        let session = request.headers[.authorization] == nil && request.uri.path.hasPrefix("/ui/") ? UI.sessionToken(request) : nil
        if let header = request.headers[.authorization] ?? session.map({ "Bearer " + $0 }) {
            if let wait = budget.exhausted("auth:" + address, limit: config.authFailuresPerAddressPerWindow) {
                metrics.refused(budget: "sign_in")
                return deny(request, context, 429, "too many failed sign-ins from \(address): wait \(wait) s", retryAfter: wait)
            }
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer",
                  let principal = tokens.principal(forToken: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
                _ = budget.spend("auth:" + address, limit: config.authFailuresPerAddressPerWindow)
                metrics.authFailed()
                let malformed = parts.count != 2 || parts[0].lowercased() != "bearer"
                if session != nil {
                    // A revoked or stale session: the cookie is cleared and the page asks to sign in again.
                    _ = deny(request, context, 401, "unknown or revoked session token")
                    return UI.redirect("/ui/login", cookie: UI.sessionCookie(nil))
                }
                return deny(request, context, 401, malformed ? "the Authorization header must be 'Bearer <token>'" : "unknown or revoked token")
            }
            context.principal = principal
        }
        if context.principal.tier > .anonymous,
           let wait = budget.spend("token:" + context.principal.owner, limit: config.requestsPerTokenPerWindow) {
            metrics.refused(budget: "token")
            return deny(request, context, 429, "query budget of \(context.principal.owner) spent: \(config.requestsPerTokenPerWindow) per \(config.budgetWindowSeconds) s", retryAfter: wait)
        }
        return try await next(request, context)
    }

    /// The first parameter (or the path) holding a control character, named for the error message.
    static func controlCharacter(in request: Request) -> String? {
        func bad(_ s: Substring) -> Bool { s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F } }
        if bad(Substring(request.uri.path.removingPercentEncoding ?? request.uri.path)) { return "the path" }
        for (k, v) in request.uri.queryParameters where bad(k) || bad(v) { return "parameter '\(String(k).filter { !$0.isASCII || $0.asciiValue! >= 0x20 }.prefix(40))'" }
        return nil
    }

    func deny(_ request: Request, _ context: Context, _ status: Int, _ message: String, retryAfter: Int? = nil) -> Response {
        // Denials are audited, but at most auditedDenialsPerWindow per address per window, with the path cut short:
        // a flood of bad requests must not flood the audit log.
        let key = "audit-denials:" + context.clientAddress
        if budget.spend(key, limit: Self.auditedDenialsPerWindow) == nil {
            audit?.record(["time": .string(Date().ISO8601Format()), "request": .string(context.id), "who": .string(context.principal.name), "tier": .string(context.principal.tier.name),
                           "client": .string(context.clientAddress), "method": .string(request.method.rawValue), "path": .string(AuditLog.clip(request.uri.path)),
                           "status": .int(status), "results": 0, "error": .string(message)])
            if budget.exhausted(key, limit: Self.auditedDenialsPerWindow) != nil {
                audit?.record(["time": .string(Date().ISO8601Format()), "client": .string(context.clientAddress), "status": .int(status),
                               "error": .string("further denials from \(context.clientAddress) in this \(config.budgetWindowSeconds) s window are not written")])
            }
        }
        // Under /ui/ a denial is a page a person can read; elsewhere the Beacon error body.
        var response = request.uri.path.hasPrefix("/ui/") ? UI.denial(status, message) : Responses.json(beacon.error(status, message), status: status)
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        if status == 401 { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// One structured log line per request (method, path, status, milliseconds, and the request id that the response's
/// `X-Request-Id` header and the audit line carry too) on the service logger (stderr), and request counts and
/// latency per route family in the service's metrics.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = VardeRequestContext
    let metrics: ServiceMetrics
    var registry: PrometheusCollectorRegistry { metrics.registry }
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                      .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5)]

    /// The route families metrics are labelled with: a fixed set, so no client can add labels (anything else is
    /// `other`).
    static let families: Set<String> = ["/", "/info", "/service-info", "/configuration", "/map", "/entry_types", "/filtering_terms",
                                        "/g_variants", "/individuals", "/biosamples", "/datasets", "/cohorts", "/health", "/ready",
                                        "/metrics", "/openapi.json", "/api/v1/variants", "/api/v1/frequencies", "/api/v1/genes", "/ui"]

    static func family(_ path: String) -> String {
        let parts = path.split(separator: "/")
        let family = parts.first == "api" ? "/" + parts.prefix(3).joined(separator: "/") : "/" + (parts.first.map(String.init) ?? "")
        return families.contains(family) ? family : "other"
    }

    /// The request as logged: the path cut short and the query's values of credential-like parameters redacted.
    static func logged(_ request: Request) -> String {
        var out = AuditLog.clip(request.uri.path)
        let q = request.uri.queryParameters.map { k, v in
            "\(k)=\(AccessMiddleware.credentialParameters.contains(String(k).lowercased()) ? "(redacted)" : String(v.prefix(100)))"
        }
        if !q.isEmpty { out += "?" + q.joined(separator: "&") }
        return escapedForLog(String(out.prefix(600)))
    }

    /// Query values arrive percent-decoded: a `%0A` would start a new service log line that the client wrote.
    /// What ``JSON/breaksLogLines(_:)`` names is written as a `\u{…}` escape.
    static func escapedForLog(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: JSON.breaksLogLines) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            if JSON.breaksLogLines(u) { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
        }
        return out
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let route = Self.family(request.uri.path)
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            context.logger.info("request", metadata: [
                "method": .string(request.method.rawValue), "path": .string(Self.logged(request)), "status": .stringConvertible(status),
                "ms": .stringConvertible(Double(elapsed.components.attoseconds / 1_000_000_000_000) / 1000 + Double(elapsed.components.seconds) * 1000),
            ])
            registry.makeCounter(name: "varde_http_requests_total", labels: [("route", route), ("status", String(status))]).increment()
            registry.makeDurationHistogram(name: "varde_http_request_duration_seconds", labels: [("route", route)], buckets: Self.buckets)
                .record(elapsed)
        }
        do {
            var response = try await next(request, context)
            status = response.status.code
            response.headers[Self.requestID] = context.id
            return response
        } catch let e as HTTPError {
            // A route-less path's 404 and the like: answered here, so it carries the request id too.
            status = e.status.code
            var response = try e.response(from: request, context: context)
            response.headers[Self.requestID] = context.id
            return response
        }
    }
}

enum Responses {
    static func json(_ value: JSON, status: Int = 200) -> Response {
        // no-store on every answer: controlled answers carry genotypes, and no answer should sit in a shared cache.
        Response(status: .init(code: status), headers: [.contentType: "application/json", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(bytes: value.encoded())))
    }

    /// CSV rows (`format=csv`, the web UI's downloads), never cached either.
    static func csv(_ text: String, filename: String = "variants.csv") -> Response {
        Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                                        .contentDisposition: "attachment; filename=\"\(filename)\""],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
