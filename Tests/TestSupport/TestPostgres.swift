import Foundation

/// The PostgreSQL server of the tests: `VARDE_TEST_POSTGRES_URL` (scripts/start-postgres.sh prints one; CI sets it,
/// and with `CI=true` a test that needs it fails without it, elsewhere it is skipped).
public enum TestPostgres {
    public static let url: String? = ProcessInfo.processInfo.environment["VARDE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    public static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    /// The shard servers of the sharded-store tests: `VARDE_TEST_PG_SHARDS`, space-separated URLs
    /// (scripts/start-shards.sh prints them; CI sets it). Their catalog is a fresh schema on ``url``.
    public static let shards: [String] = (ProcessInfo.processInfo.environment["VARDE_TEST_PG_SHARDS"] ?? "")
        .split(separator: " ").map(String.init)

    /// A store URL on the test server in a schema no other test uses (`prefix_` and 16 random hex digits).
    public static func freshStore(_ url: String, prefix: String = "t") -> String {
        let name = prefix + "_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        return url + (url.contains("?") ? "&" : "?") + "schema=\(name)"
    }
}
