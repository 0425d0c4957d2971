internal import Foundation
public import VariantStore

/// A PostgreSQL store's URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]`. The schema holds the
/// store (default `varde`), so one database can hold several stores.
struct PostgresTarget: Sendable {
    var host: String, port: Int, user: String, password: String?, database: String, schema: String

    init(url: String) throws(StoreError) {
        guard let u = URLComponents(string: url), ["postgres", "postgresql"].contains(u.scheme?.lowercased() ?? ""),
              let user = u.user, !user.isEmpty else {
            throw StoreError(.invalidInput, "'\(PostgresTarget.redact(url))' is not a PostgreSQL store URL",
                             fix: "use postgres://USER:PASSWORD@HOST:PORT/DATABASE (optionally ?schema=NAME)")
        }
        host = u.host.flatMap { $0.isEmpty ? nil : $0 } ?? "localhost"
        port = u.port ?? 5432
        self.user = user.removingPercentEncoding ?? user
        password = u.password?.removingPercentEncoding
        let path = u.path.hasPrefix("/") ? String(u.path.dropFirst()) : u.path
        database = path.isEmpty ? self.user : path
        schema = u.queryItems?.first(where: { $0.name == "schema" })?.value ?? "varde"
        guard schema.range(of: "^[a-z_][a-z0-9_]{0,62}$", options: .regularExpression) != nil else {
            throw StoreError(.invalidInput, "the store schema '\(schema)' is not a plain PostgreSQL name",
                             fix: "use lower-case letters, digits and _ (starting with a letter), at most 63 characters")
        }
    }

    /// The URL without its password, for messages and `location`.
    var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)?schema=\(schema)" }

    static func redact(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at,
              let colon = url[scheme.upperBound..<at].firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}
