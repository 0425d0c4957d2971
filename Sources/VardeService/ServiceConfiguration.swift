public import Foundation
import VariantCore

/// What `varde serve` reads from its configuration file (JSON), every field optional, then from `VARDE_SERVE_*`
/// environment variables, which win. Defaults are the safe choices: k = 5, anonymous answers boolean only.
public struct ServiceConfiguration: Codable, Sendable, Equatable {
    /// Beacon identity (`/info`, `meta.beaconId`): reverse domain name.
    public var beaconId = "dk.example.varde"
    public var beaconName = "Varde national variant store"
    public var organizationId = "example.org"
    public var organizationName = "Example genome centre"
    public var environment = "dev"
    /// Small-count threshold: any count 0 < n < k is shown as k below the controlled tier.
    public var minimumCount = 5
    /// Named cohorts smaller than this are not exposed below the controlled tier.
    public var minimumCohortSize = 20
    /// The widest region a query may span, in bases.
    public var maxRegionBases = 5_000_000
    /// The most records (variants) one page may hold; Beacon `limit` is capped to it.
    public var maxPageSize = 100
    /// Requests per window, per bearer token and per client address.
    public var requestsPerTokenPerWindow = 600
    public var requestsPerAddressPerWindow = 120
    public var budgetWindowSeconds = 60
    /// Failed sign-ins (401) per client address per window; past it every request with a token gets 429.
    public var authFailuresPerAddressPerWindow = 10
    /// Seconds a connection may stay idle, and may take to send one request's headers, before it is closed.
    public var idleTimeoutSeconds = 30
    public var headerTimeoutSeconds = 10
    /// JSON list of tokens, each `{"name", "sha256", "role": "registered" | "controlled"}`; nil = anonymous only.
    public var tokensFile: String?
    /// Append-only JSON-lines audit log; nil = no audit log (the CLI defaults it beside the store).
    public var auditLog: String?
    /// Connections to the store kept open for concurrent requests.
    public var storeConnections = 4
    /// Addresses (or IPv4 CIDR blocks) of reverse proxies whose `X-Forwarded-For` is believed: for a request from
    /// one of them, the client is the rightmost forwarded address that is not itself a trusted proxy. Empty (the
    /// default): the client is always the connection's peer, and no header a client writes changes its budget.
    public var trustedProxies: [String] = []
    /// The address clients reach the service at (behind a reverse proxy, e.g. `https://beacon.regionh.dk`): the
    /// Beacon's `/map` URLs and `sourceReference`s are built on it. nil: `http://HOST:PORT` of `--host`/`--port`.
    public var publicURL: String?
    /// Recent selections kept so that paging reads memory (``SelectionCache``); 0 turns the cache off.
    public var selectionCacheEntries = 16

    public init() {}

    enum CodingKeys: String, CodingKey {
        case beaconId, beaconName, organizationId, organizationName, environment, minimumCount, minimumCohortSize,
             maxRegionBases, maxPageSize, requestsPerTokenPerWindow, requestsPerAddressPerWindow, budgetWindowSeconds,
             authFailuresPerAddressPerWindow, idleTimeoutSeconds, headerTimeoutSeconds, tokensFile, auditLog, storeConnections, trustedProxies,
             publicURL, selectionCacheEntries
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ServiceConfiguration()
        beaconId = try c.decodeIfPresent(String.self, forKey: .beaconId) ?? d.beaconId
        beaconName = try c.decodeIfPresent(String.self, forKey: .beaconName) ?? d.beaconName
        organizationId = try c.decodeIfPresent(String.self, forKey: .organizationId) ?? d.organizationId
        organizationName = try c.decodeIfPresent(String.self, forKey: .organizationName) ?? d.organizationName
        environment = try c.decodeIfPresent(String.self, forKey: .environment) ?? d.environment
        minimumCount = try c.decodeIfPresent(Int.self, forKey: .minimumCount) ?? d.minimumCount
        minimumCohortSize = try c.decodeIfPresent(Int.self, forKey: .minimumCohortSize) ?? d.minimumCohortSize
        maxRegionBases = try c.decodeIfPresent(Int.self, forKey: .maxRegionBases) ?? d.maxRegionBases
        maxPageSize = try c.decodeIfPresent(Int.self, forKey: .maxPageSize) ?? d.maxPageSize
        requestsPerTokenPerWindow = try c.decodeIfPresent(Int.self, forKey: .requestsPerTokenPerWindow) ?? d.requestsPerTokenPerWindow
        requestsPerAddressPerWindow = try c.decodeIfPresent(Int.self, forKey: .requestsPerAddressPerWindow) ?? d.requestsPerAddressPerWindow
        budgetWindowSeconds = try c.decodeIfPresent(Int.self, forKey: .budgetWindowSeconds) ?? d.budgetWindowSeconds
        authFailuresPerAddressPerWindow = try c.decodeIfPresent(Int.self, forKey: .authFailuresPerAddressPerWindow) ?? d.authFailuresPerAddressPerWindow
        idleTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .idleTimeoutSeconds) ?? d.idleTimeoutSeconds
        headerTimeoutSeconds = try c.decodeIfPresent(Int.self, forKey: .headerTimeoutSeconds) ?? d.headerTimeoutSeconds
        tokensFile = try c.decodeIfPresent(String.self, forKey: .tokensFile)
        auditLog = try c.decodeIfPresent(String.self, forKey: .auditLog)
        storeConnections = try c.decodeIfPresent(Int.self, forKey: .storeConnections) ?? d.storeConnections
        trustedProxies = try c.decodeIfPresent([String].self, forKey: .trustedProxies) ?? d.trustedProxies
        publicURL = try c.decodeIfPresent(String.self, forKey: .publicURL)
        selectionCacheEntries = try c.decodeIfPresent(Int.self, forKey: .selectionCacheEntries) ?? d.selectionCacheEntries
    }

    /// Reads `path` (JSON; unknown keys are refused so a typo is not silently ignored), then applies the environment.
    public static func load(path: String?, environment env: [String: String]) throws -> ServiceConfiguration {
        var config = ServiceConfiguration()
        if let path {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ServiceError("cannot read the configuration file \(path)", fix: "check the path")
            }
            let object: [String: JSON]
            do {
                guard let o = try JSON(parsing: data).objectValue else { throw ServiceError("not a JSON object") }
                object = o
            } catch {
                throw ServiceError("cannot read \(path) as a JSON object: \(error)", fix: "see the README section 'varde serve' for the format")
            }
            let known = Set(Self.environmentNames.keys)
            if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
                throw ServiceError("unknown key '\(unknown)' in \(path)", fix: "known keys: \(known.sorted().joined(separator: ", "))")
            }
            config = try JSONDecoder().decode(ServiceConfiguration.self, from: data)
        }
        try config.applyEnvironment(env)
        try config.validate()
        return config
    }

    /// Configuration key → environment variable that overrides it.
    public static let environmentNames: [String: String] = Dictionary(uniqueKeysWithValues: [
        "beaconId", "beaconName", "organizationId", "organizationName", "environment", "minimumCount",
        "minimumCohortSize", "maxRegionBases", "maxPageSize", "requestsPerTokenPerWindow",
        "requestsPerAddressPerWindow", "budgetWindowSeconds", "authFailuresPerAddressPerWindow",
        "idleTimeoutSeconds", "headerTimeoutSeconds", "tokensFile", "auditLog", "storeConnections", "trustedProxies", "publicURL", "selectionCacheEntries",
    ].map { key in
        let snake = key.reduce(into: "") { s, ch in s += ch.isUppercase ? "_" + String(ch) : String(ch).uppercased() }
        return (key, "VARDE_SERVE_" + snake)
    })

    mutating func applyEnvironment(_ env: [String: String]) throws {
        func int(_ key: String) throws -> Int? {
            guard let name = Self.environmentNames[key], let v = env[name] else { return nil }
            guard let i = Int(v) else { throw ServiceError("\(name)=\(v) is not a whole number") }
            return i
        }
        func str(_ key: String) -> String? { Self.environmentNames[key].flatMap { env[$0] } }
        if let v = str("beaconId") { beaconId = v }
        if let v = str("beaconName") { beaconName = v }
        if let v = str("organizationId") { organizationId = v }
        if let v = str("organizationName") { organizationName = v }
        if let v = str("environment") { environment = v }
        if let v = try int("minimumCount") { minimumCount = v }
        if let v = try int("minimumCohortSize") { minimumCohortSize = v }
        if let v = try int("maxRegionBases") { maxRegionBases = v }
        if let v = try int("maxPageSize") { maxPageSize = v }
        if let v = try int("requestsPerTokenPerWindow") { requestsPerTokenPerWindow = v }
        if let v = try int("requestsPerAddressPerWindow") { requestsPerAddressPerWindow = v }
        if let v = try int("budgetWindowSeconds") { budgetWindowSeconds = v }
        if let v = try int("authFailuresPerAddressPerWindow") { authFailuresPerAddressPerWindow = v }
        if let v = try int("idleTimeoutSeconds") { idleTimeoutSeconds = v }
        if let v = try int("headerTimeoutSeconds") { headerTimeoutSeconds = v }
        if let v = str("tokensFile") { tokensFile = v }
        if let v = str("auditLog") { auditLog = v }
        if let v = try int("storeConnections") { storeConnections = v }
        if let v = str("publicURL") { publicURL = v }
        if let v = try int("selectionCacheEntries") { selectionCacheEntries = v }
        if let v = str("trustedProxies") { trustedProxies = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    func validate() throws {
        guard minimumCount >= 1 else { throw ServiceError("minimumCount must be at least 1 (1 turns suppression off)") }
        guard maxRegionBases >= 1, maxPageSize >= 1, budgetWindowSeconds >= 1, storeConnections >= 1,
              requestsPerTokenPerWindow >= 1, requestsPerAddressPerWindow >= 1, authFailuresPerAddressPerWindow >= 1,
              idleTimeoutSeconds >= 1, headerTimeoutSeconds >= 1 else {
            throw ServiceError("maxRegionBases, maxPageSize, budgetWindowSeconds, storeConnections, the request budgets and the timeouts must be at least 1")
        }
        // Ranges keep every product and sum of them far from overflow.
        guard maxRegionBases <= Region.maxPosition, maxPageSize <= 10_000, minimumCount <= 1_000_000, minimumCohortSize <= 1_000_000,
              budgetWindowSeconds <= 86_400, idleTimeoutSeconds <= 86_400, headerTimeoutSeconds <= 86_400, storeConnections <= 256,
              (0...1_000).contains(selectionCacheEntries) else {
            throw ServiceError("a setting is out of range: maxRegionBases at most \(Region.maxPosition), maxPageSize at most 10000, minimumCount and minimumCohortSize at most 1000000, windows and timeouts at most 86400 s, storeConnections at most 256, selectionCacheEntries 0 to 1000")
        }
        if let bad = trustedProxies.first(where: { ProxyTrust.Rule($0) == nil }) {
            throw ServiceError("trustedProxies: '\(bad.prefix(60))' is not an IP address or an IPv4 CIDR block", fix: "write e.g. \"127.0.0.1\", \"::1\" or \"10.0.0.0/8\"")
        }
        if let u = publicURL {
            guard let url = URL(string: u), ["http", "https"].contains(url.scheme ?? ""), url.host != nil, url.query == nil, !u.hasSuffix("/") else {
                throw ServiceError("publicURL '\(u.prefix(80))' is not an http(s) address without a trailing slash", fix: "write e.g. \"https://beacon.example.org\" or \"https://example.org/varde\"")
            }
        }
        guard ["dev", "test", "staging", "prod"].contains(environment) else {
            throw ServiceError("environment must be one of dev, test, staging, prod (Beacon's enum), not '\(environment)'")
        }
    }
}

/// A service failure at start-up, said plainly with what to do.
public struct ServiceError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var fix: String?
    public init(_ message: String, fix: String? = nil) {
        self.message = message
        self.fix = fix
    }
    public var description: String { message + (fix.map { ". Fix: " + $0 } ?? "") }
}
