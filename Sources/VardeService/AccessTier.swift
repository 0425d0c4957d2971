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
    /// Whose budget the token spends: tokens of one owner share one (default: the token's own name).
    public var owner: String
    public init(name: String, tier: AccessTier, owner: String? = nil) {
        self.name = name
        self.tier = tier
        self.owner = owner ?? name
    }
    public static let anonymous = Principal(name: "anonymous", tier: .anonymous)
}

/// Bearer tokens from a JSON file, kept only as SHA-256 digests: `[{"name": "alice", "sha256": "<hex>",
/// "role": "registered", "owner": "alice"}]` (`owner` optional: tokens of one owner share one query budget).
/// `printf %s "$TOKEN" | sha256sum` gives the digest of a token. A presented token's digest is compared with every
/// entry in constant time, so response timing says nothing about how close a guess came.
public struct TokenStore: Sendable {
    struct Entry: Decodable {
        var name: String
        var sha256: String
        var role: String
        var owner: String?
    }
    private let entries: [(digest: [UInt8], principal: Principal)]

    public init(principals: [String: Principal] = [:]) {
        entries = principals.compactMap { hex, p in Self.bytes(hex).map { ($0, p) } }
    }

    public init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServiceError("cannot read the tokens file \(path)", fix: "check the path, or leave tokensFile out for an anonymous-only service")
        }
        let entries: [Entry]
        do { entries = try JSONDecoder().decode([Entry].self, from: data) } catch {
            throw ServiceError("cannot read \(path): \(error)", fix: #"write a JSON list of {"name", "sha256", "role"} objects"#)
        }
        var map: [(digest: [UInt8], principal: Principal)] = []
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
            if let owner = e.owner, owner.isEmpty || owner.count > 200 {
                throw ServiceError("token '\(e.name)' in \(path): owner must be 1 to 200 characters")
            }
            map.append((Self.bytes(digest)!, Principal(name: e.name, tier: tier, owner: e.owner)))
        }
        self.entries = map
    }

    /// The principal a presented token belongs to, or nil: every entry is compared, byte by byte, without an early exit.
    public func principal(forToken token: String) -> Principal? {
        let presented = Array(SHA256.hash(data: Data(token.utf8)))
        var found: Principal?
        for e in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(e.digest, presented) { difference |= a ^ b }
            if difference == 0 && e.digest.count == presented.count { found = e.principal }
        }
        return found
    }

    static func bytes(_ hex: String) -> [UInt8]? {
        let chars = Array(hex.lowercased().utf8)
        guard chars.count == 64 else { return nil }
        var out: [UInt8] = []
        for i in stride(from: 0, to: 64, by: 2) {
            guard let v = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(v)
        }
        return out
    }

    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
