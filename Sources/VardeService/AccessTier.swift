internal import Crypto
public import Foundation

/// Who may learn how much: anonymous → boolean answers, registered → counts and frequencies (small counts
/// suppressed), controlled → records with genotypes, unsuppressed.
public enum AccessTier: Int, Comparable, Sendable, CaseIterable {
    case anonymous = 0, registered, controlled

    public static func < (a: AccessTier, b: AccessTier) -> Bool { a.rawValue < b.rawValue }

    /// The most detailed Beacon granularity this tier may receive.
    var maximumGranularity: Granularity {
        switch self {
        case .anonymous: .boolean
        case .registered: .count
        case .controlled: .record
        }
    }

    /// The name Beacon `/configuration` uses for it.
    var securityLevel: String {
        switch self {
        case .anonymous: "PUBLIC"
        case .registered: "REGISTERED"
        case .controlled: "CONTROLLED"
        }
    }

    var name: String {
        switch self {
        case .anonymous: "anonymous"
        case .registered: "registered"
        case .controlled: "controlled"
        }
    }
}

/// Beacon granularity, ordered from least to most detailed.
enum Granularity: Int, Comparable, Sendable {
    case boolean = 0, count, record
    static func < (a: Granularity, b: Granularity) -> Bool { a.rawValue < b.rawValue }
    init?(_ text: String) {
        switch text {
        case "boolean": self = .boolean
        case "count": self = .count
        case "record": self = .record
        default: return nil
        }
    }
    var name: String { ["boolean", "count", "record"][rawValue] }
}

/// The caller a request was authenticated as.
public struct Principal: Sendable, Equatable {
    public var name: String
    public var tier: AccessTier
    public init(name: String, tier: AccessTier) {
        self.name = name
        self.tier = tier
    }
    public static let anonymous = Principal(name: "anonymous", tier: .anonymous)
}

/// Bearer tokens from a JSON file, kept only as SHA-256 digests: `[{"name": "alice", "sha256": "<hex>",
/// "role": "registered"}]`. `printf %s "$TOKEN" | sha256sum` gives the digest of a token.
public struct TokenStore: Sendable {
    struct Entry: Decodable {
        var name: String
        var sha256: String
        var role: String
    }
    private let byDigest: [String: Principal]

    public init(principals: [String: Principal] = [:]) { byDigest = principals }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServiceError("cannot read the tokens file \(path)", fix: "check the path, or leave tokensFile out for an anonymous-only service")
        }
        let entries: [Entry]
        do { entries = try JSONDecoder().decode([Entry].self, from: data) } catch {
            throw ServiceError("cannot read \(path): \(error)", fix: #"write a JSON list of {"name", "sha256", "role"} objects"#)
        }
        var map: [String: Principal] = [:]
        for e in entries {
            let digest = e.sha256.lowercased()
            guard digest.count == 64, digest.allSatisfy(\.isHexDigit) else {
                throw ServiceError("token '\(e.name)' in \(path): sha256 must be 64 hex digits", fix: #"printf %s "$TOKEN" | sha256sum"#)
            }
            let tier: AccessTier
            switch e.role {
            case "registered": tier = .registered
            case "controlled": tier = .controlled
            default: throw ServiceError("token '\(e.name)' in \(path): role must be registered or controlled, not '\(e.role)'")
            }
            map[digest] = Principal(name: e.name, tier: tier)
        }
        byDigest = map
    }

    /// The principal a presented token belongs to, or nil.
    public func principal(forToken token: String) -> Principal? {
        byDigest[Self.digest(token)]
    }

    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
