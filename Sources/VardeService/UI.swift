import Foundation
import Synchronization
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import VariantCore
import VariantQuery
import VariantStore

/// The web UI under `/ui/`: server-rendered pages for clinicians (search, gene, region, variant), SVG drawn on the
/// server and one small script. Every number on a page comes from ``NativeAPI/select(_:tier:store:)`` and
/// ``NativeAPI/rows(_:_:store:)`` (the API's own disclosure, masking and tracker defence) or, for anonymous callers,
/// from ``Beacon/genomicVariants(_:tier:onlyDataset:store:)`` at boolean granularity; every page is audited and
/// spends the same budget (``AccessMiddleware`` reads the session cookie as it reads a bearer token).
struct UI: Sendable {
    let state: ServiceState
    let native: NativeAPI
    let beacon: Beacon
    let handlers: Handlers
    let library: MustacheLibrary
    /// The home page's example searches, found once.
    let examples = ExampleCache()

    static let cookieName = "varde_session"
    /// Eight hours: a working day; the token itself may be revoked sooner (the cookie then stops working).
    static let cookieSeconds = 8 * 3600
    static let pageSize = 100
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    init(state: ServiceState, native: NativeAPI, beacon: Beacon, handlers: Handlers) {
        self.state = state
        self.native = native
        self.beacon = beacon
        self.handlers = handlers
        library = UITemplates.library
    }

    /// The session token a `/ui/` request carries in its cookie, if any.
    static func sessionToken(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0] == cookieName, !kv[1].isEmpty { return String(kv[1]) }
            }
        }
        return nil
    }

    static func sessionCookie(_ token: String?) -> String {
        guard let token else { return "\(cookieName)=; Path=/ui/; HttpOnly; SameSite=Strict; Max-Age=0" }
        return "\(cookieName)=\(token); Path=/ui/; HttpOnly; SameSite=Strict; Max-Age=\(cookieSeconds)"
    }

    static func headers(_ contentType: String) -> HTTPFields {
        var h = HTTPFields()
        h[.contentType] = contentType
        h[.cacheControl] = "no-store"
        h[.contentSecurityPolicy] = contentSecurityPolicy
        h[.xContentTypeOptions] = "nosniff"
        // same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" on the sign-in POST.
        h[HTTPField.Name("Referrer-Policy")!] = "same-origin"
        return h
    }

    static func html(_ text: String, status: Int = 200) -> Response {
        Response(status: .init(code: status), headers: headers("text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A refusal before any page could be rendered (budget spent, malformed request): a small page with the reason.
    static func denial(_ status: Int, _ message: String) -> Response {
        html("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
             + "<title>Error \(status) · Varde</title><link rel=\"stylesheet\" href=\"/ui/assets/ui.css\"></head><body><main id=\"main\"><h1>\(status)</h1>"
             + "<p class=\"error\" role=\"alert\">\(UIPlot.escape(message))</p><p><a href=\"/ui/\">Back to search</a></p></main></body></html>", status: status)
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var h = headers("text/html; charset=utf-8")
        h[.location] = location
        if let cookie { h[.setCookie] = cookie }
        return Response(status: .seeOther, headers: h)
    }

    // MARK: Routes

    func register(_ router: Router<VardeRequestContext>) {
        router.get("/ui") { r, c in
            // The session cookie is scoped to /ui/, so /ui itself (no slash) sends the browser there.
            if r.uri.path == "/ui" { return Self.redirect("/ui/") }
            return await page(r, c, title: "Search") { q, tier, s in try home(q, tier: tier, store: s) }
        }
        router.get("/ui/search") { r, c in await search(r, c) }
        router.get("/ui/gene/{symbol}") { r, c in
            let symbol = Self.decoded(c.parameters.get("symbol"))
            return await page(r, c, title: symbol) { q, tier, s in try locus(.gene(symbol), q, tier: tier, store: s) }
        }
        router.get("/ui/region/{region}") { r, c in
            let text = Self.decoded(c.parameters.get("region"))
            return await page(r, c, title: text) { q, tier, s in try locus(try Self.region(text), q, tier: tier, store: s) }
        }
        router.get("/ui/gene/{symbol}/plot.svg") { r, c in
            let symbol = Self.decoded(c.parameters.get("symbol"))
            return await svg(r, c) { q, tier, s in try locus(.gene(symbol), q, tier: tier, store: s, plotOnly: true) }
        }
        router.get("/ui/region/{region}/plot.svg") { r, c in
            let text = Self.decoded(c.parameters.get("region"))
            return await svg(r, c) { q, tier, s in try locus(try Self.region(text), q, tier: tier, store: s, plotOnly: true) }
        }
        router.get("/ui/variant/{id}") { r, c in
            let id = Self.decoded(c.parameters.get("id"))
            return await page(r, c, title: id) { q, tier, s in try variant(id, q, tier: tier, store: s) }
        }
        router.get("/ui/download") { r, c in await download(r, c) }
        router.get("/ui/login") { r, c in
            Self.html(layout(title: "Sign in", body: render("login", ["next": "/ui/"]), context: c, query: ""))
        }
        router.post("/ui/login") { r, c in await login(r, c) }
        router.post("/ui/logout") { r, c in
            guard Self.sameOrigin(r) else { return Self.html(errorPage(403, "sign-out must come from this site's own form", c), status: 403) }
            handlers.audit(r, c, status: 303, results: 0, granularity: nil, what: "ui sign-out")
            return Self.redirect("/ui/", cookie: Self.sessionCookie(nil))
        }
        router.get("/ui/assets/ui.css") { _, _ in Self.asset(UIAssets.css, "text/css; charset=utf-8") }
        router.get("/ui/assets/ui.js") { _, _ in Self.asset(UIAssets.script, "text/javascript; charset=utf-8") }
        router.get("/ui/assets/favicon.svg") { _, _ in Self.asset(UIAssets.favicon, "image/svg+xml") }
    }

    /// The UI's routes as the OpenAPI document lists them (method, path, summary).
    static let routes: [(String, String, String)] = [
        ("get", "/ui", "Web UI: search page (GET /ui/)"), ("get", "/ui/search", "Web UI: search (q=…), 303 to the page it names or a list of candidates"),
        ("get", "/ui/gene/{symbol}", "Web UI: gene page (plot, table); view state in cohort, origin, csq, maxaf, sort, offset"),
        ("get", "/ui/region/{region}", "Web UI: region page, CHROM-START-END (1-based)"), ("get", "/ui/variant/{id}", "Web UI: variant page"),
        ("get", "/ui/gene/{symbol}/plot.svg", "Web UI: the gene page's plot as SVG, with its legend"),
        ("get", "/ui/region/{region}/plot.svg", "Web UI: the region page's plot as SVG, with its legend"),
        ("get", "/ui/download", "Web UI: CSV of a view's rows (gene, region or id, and the view state)"),
        ("get", "/ui/login", "Web UI: sign-in form"), ("post", "/ui/login", "Web UI: sign in with a token (form field token) into an HttpOnly cookie"),
        ("post", "/ui/logout", "Web UI: sign out"), ("get", "/ui/assets/ui.css", "Web UI stylesheet"), ("get", "/ui/assets/ui.js", "Web UI script"),
        ("get", "/ui/assets/favicon.svg", "Web UI icon"),
    ]

    /// A path parameter as typed (Hummingbird hands it over still percent-encoded).
    static func decoded(_ s: String?) -> String {
        guard let s else { return "" }
        return String(s).removingPercentEncoding ?? String(s)
    }

    static func asset(_ text: String, _ type: String) -> Response {
        var h = headers(type)
        h[.cacheControl] = "public, max-age=3600"
        return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// A POST from another site is refused (SameSite=Strict already keeps the cookie off it; this covers sign-in).
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[HTTPField.Name("Origin")!] else { return true }
        guard let host = request.head.authority ?? request.headers[HTTPField.Name("Host")!] else { return false }
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    // MARK: Plumbing

    func parameters(_ request: Request) -> [String: String] {
        var q: [String: String] = [:]
        for (k, v) in request.uri.queryParameters {
            // A form sent without the script repeats csq once per ticked box: one list, as the script sends it.
            if k == "csq", let before = q["csq"] { q["csq"] = before + "," + String(v) } else { q[String(k)] = String(v) }
        }
        return q
    }

    func render(_ template: String, _ context: [String: Any]) -> String {
        library.render(context, withTemplate: template) ?? ""
    }

    func layout(title: String, body: String, context: VardeRequestContext, query: String, cohort: String? = nil) -> String {
        let p = context.principal
        return render("layout", [
            "title": title, "body": body, "q": query, "hasCohort": cohort.map { !$0.isEmpty } ?? false, "cohort": cohort ?? "",
            "tier": p.tier.name, "tierLabel": p.tier.name.capitalized, "signedIn": p.tier > .anonymous, "name": p.name,
            "tierNote": Self.tierNote(p.tier, k: state.config.minimumCount),
        ])
    }

    static func tierNote(_ tier: AccessTier, k: Int) -> String {
        switch tier {
        case .anonymous: "Anonymous: present / not present only; variants carried by fewer than \(k) alleles read not present. Sign in for counts."
        case .registered: "Registered: counts and frequencies; counts below \(k) read “< \(k)”, and variants with fewer than \(k) alleles and \(k) tumours are not shown."
        case .controlled: "Controlled: exact counts."
        }
    }

    func errorPage(_ status: Int, _ message: String, _ context: VardeRequestContext) -> String {
        layout(title: "Error \(status)", body: render("error", ["status": status, "message": message]), context: context, query: "")
    }

    /// One page: parameters, one store snapshot, the audit line, the layout around the body; errors as pages.
    func page(_ request: Request, _ context: VardeRequestContext, title: String,
              _ body: @escaping @Sendable ([String: String], AccessTier, any VariantStore) throws -> Body) async -> Response {
        let q = parameters(request)
        let tier = context.principal.tier
        do {
            let b = try await state.pool.read { try body(q, tier, $0) }
            handlers.audit(request, context, status: 200, results: b.results, granularity: tier == .anonymous ? "boolean" : tier == .controlled ? "record" : "count",
                           what: "ui " + b.summary)
            return Self.html(layout(title: b.title ?? title, body: b.html, context: context, query: b.query, cohort: q["cohort"]))
        } catch {
            return failure(error, request, context)
        }
    }

    /// A plot as a standalone SVG download, audited as its page is.
    func svg(_ request: Request, _ context: VardeRequestContext,
             _ body: @escaping @Sendable ([String: String], AccessTier, any VariantStore) throws -> Body) async -> Response {
        let q = parameters(request)
        let tier = context.principal.tier
        do {
            let b = try await state.pool.read { try body(q, tier, $0) }
            handlers.audit(request, context, status: 200, results: b.results, granularity: tier == .controlled ? "record" : "count", what: "ui plot " + b.summary)
            var h = Self.headers("image/svg+xml")
            let name = (b.title ?? "plot").filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ":" }.replacingOccurrences(of: ":", with: "-")
            h[.contentDisposition] = "attachment; filename=\"varde-\(name.prefix(60)).svg\""
            return Response(status: .ok, headers: h, body: .init(byteBuffer: ByteBuffer(string: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + b.html)))
        } catch {
            return failure(error, request, context)
        }
    }

    func failure(_ error: any Error, _ request: Request, _ context: VardeRequestContext) -> Response {
        if let r = error as? Redirect {
            handlers.audit(request, context, status: 303, results: 1, granularity: nil, what: "ui search to \(r.location)")
            return Self.redirect(r.location)
        }
        let (status, message): (Int, String)
        switch error {
        case let e as BadRequest: (status, message) = (e.status, e.message)
        case let e as StoreError where e.code == .invalidInput: (status, message) = (400, e.description)
        default:
            context.logger.error("ui request failed", metadata: ["path": .string(request.uri.path), "error": .string("\(error)")])
            (status, message) = (500, "internal error; the service log has the details")
        }
        handlers.audit(request, context, status: status, results: 0, granularity: nil, what: "ui " + message)
        return Self.html(errorPage(status, message, context), status: status)
    }

    struct Body: Sendable {
        var html: String
        var results: Int
        var summary: String
        var title: String? = nil
        var query: String = ""
    }

    // MARK: Search

    func search(_ request: Request, _ context: VardeRequestContext) async -> Response {
        let q = parameters(request)
        let text = q["q"] ?? ""
        let keep = ViewState.keep(q)
        switch UISearch(text) {
        case .empty: return Self.redirect("/ui/" + keep)
        case let .gene(symbol):
            return await page(request, context, title: symbol) { _, tier, store in
                guard let assembly = try store.assembly() else { throw BadRequest("the store has no assembly, so genes cannot be placed", status: 404) }
                let found = state.genes.genes(symbol, assembly: assembly)
                let symbols = Array(Set(found.map(\.symbol))).sorted()
                if symbols.count == 1 { throw Redirect(location: "/ui/gene/" + Self.path(symbols[0]) + keep) }
                let items: [[String: Any]] = symbols.map { symbol in ["label": symbol, "href": "/ui/gene/" + Self.path(symbol) + keep,
                                                            "note": found.filter { g in g.symbol == symbol }.map { "\($0.region)" }.joined(separator: ", ")] }
                return Body(html: render("candidates", ["query": text, "items": items, "none": items.isEmpty,
                                                        "message": items.isEmpty ? "No gene '\(symbol)' in the \(assembly.rawValue) gene table." : "'\(symbol)' is an alias of several genes:"]),
                            results: items.count, summary: "search \(symbol)", title: "Search", query: text)
            }
        case let .variant(c, p, ref, alt):
            return Self.redirect("/ui/variant/\(Self.path("\(c)-\(p)-\(ref)-\(alt)"))" + keep)
        case let .region(c, s, e):
            return Self.redirect("/ui/region/\(Self.path("\(c)-\(s)-\(e)"))" + keep)
        case let .rsid(value), let .hgvs(value):
            let key = text.lowercased().hasPrefix("rs") ? "rsid" : "hgvs"
            return await page(request, context, title: "Search") { _, tier, store in
                let selected = try native.select([key: value], tier: tier, store: store)
                let ids = selected.found.map(\.variantID.description)
                if ids.count == 1 { throw Redirect(location: "/ui/variant/" + Self.path(ids[0]) + keep) }
                let items: [[String: Any]] = ids.map { ["label": $0, "href": "/ui/variant/" + Self.path($0) + keep, "note": ""] }
                return Body(html: render("candidates", ["query": text, "items": items, "none": items.isEmpty,
                                                        "message": items.isEmpty ? "No variant found for \(value)\(tier < .controlled ? " at your access tier" : "")." : "\(value) names several variants:"]),
                            results: items.count, summary: "search \(key) \(value)", title: "Search", query: text)
            }
        case let .unsupported(message):
            return Self.html(layout(title: "Search", body: render("candidates", ["query": text, "items": [[String: Any]](), "none": true, "message": message]),
                                    context: context, query: text), status: 400)
        }
    }

    /// Thrown inside a page body to answer with a redirect instead (the search resolved to one page).
    struct Redirect: Error {
        var location: String
    }

    static func path(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    // MARK: Home

    func home(_ q: [String: String], tier: AccessTier, store: any VariantStore) throws -> Body {
        let cohorts = tier > .anonymous ? try cohortOptions(selected: q["cohort"], tier: tier, store: store) : []
        let examples: [[String: Any]] = try exampleSearches(store: store).map { ["label": $0, "href": "/ui/search?q=" + Self.path($0)] }
        return Body(html: render("home", ["examples": examples, "hasExamples": !examples.isEmpty, "cohorts": cohorts, "hasCohorts": !cohorts.isEmpty, "anonymous": tier == .anonymous,
                                          "minimumCohortSize": state.config.minimumCohortSize]),
                    results: 0, summary: "home")
    }

    /// Example searches from what the store holds: the first common variant (AF of 5 % or more, AC of at least k),
    /// found once per process by walking 5 Mb windows (at most 1,000: an empty one is one index seek; a dense store answers in its first) and kept, and a region around it.
    func exampleSearches(store: any VariantStore) throws -> [String] {
        if let cached = examples.value { return cached }
        var found: VariantAggregate?
        var windows = 0
        search: for contig in try store.contigs().prefix(40) {
            var start = 1
            while windows < 1000, start <= min(contig.length ?? 250_000_000, Region.maxPosition) {
                windows += 1
                let window = try store.aggregates(in: Region(contig: contig.name, start: start, end: start + 4_999_999), cohort: nil)
                if let v = window.first(where: { $0.an > 0 && $0.ac * 20 >= $0.an && $0.ac >= state.config.minimumCount && !$0.alt.hasPrefix("<") }) {
                    found = v
                    break search
                }
                start += 5_000_000
            }
        }
        var out: [String] = []
        if let v = found {
            let short = Assembly.canonicalChromosome(v.contig)
            out = ["\(short)-\(v.position)-\(v.ref)-\(v.alt)", "chr\(short):\(v.position) \(v.ref)>\(v.alt)",
                   "\(short):\(max(1, v.position - 500))-\(v.position + 4500)"] + (v.rsid.map { [$0] } ?? [])
        }
        examples.value = out
        return out
    }

    func cohortOptions(selected: String?, tier: AccessTier, store: any VariantStore) throws -> [[String: Any]] {
        let disclosure = Disclosure(k: state.config.minimumCount, tier: tier, tally: state.metrics.suppression)
        return try beacon.datasets(store: store, tier: tier).filter(\.isCohort).map { d in
            ["name": d.id, "label": "\(d.name) (\(disclosure.count(d.size)) people)", "selected": d.id == selected]
        }
    }

    static func region(_ text: String) throws -> Locus {
        let parts = text.split(separator: "-")
        guard parts.count >= 3, let s = Int(parts[parts.count - 2]), let e = Int(parts[parts.count - 1]), s >= 1, e >= s else {
            throw BadRequest("a region is CHROM-START-END, 1-based inclusive (22-16050000-16051000), not '\(text.prefix(60))'")
        }
        return .region(contig: parts.dropLast(2).joined(separator: "-"), start: s, end: e)
    }

    enum Locus: Sendable {
        case gene(String)
        case region(contig: String, start: Int, end: Int)
    }
}

/// The example searches of the home page, computed on the first visit (a walk over the store) and kept.
final class ExampleCache: Sendable {
    private let state = Mutex<[String]?>(nil)
    var value: [String]? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
