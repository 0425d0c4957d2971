internal import Foundation
internal import PostgresNIO
public import VariantStore

/// A PostgreSQL URL as Varde takes it: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?schema=NAME]`. For a store
/// the schema holds it (default `varde`), so one database can hold several stores; the OMOP export reads the same
/// URLs (`PostgresCDM`) and names its schema separately.
public struct PostgresTarget: Sendable {
    public var host: String, port: Int, user: String, password: String?, database: String, schema: String

    public init(url: String) throws(StoreError) {
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
    public var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)?schema=\(schema)" }

    /// Any text with a URL's password replaced by `***` (other text as it is).
    public static func redact(_ url: String) -> String {
        guard let at = url.lastIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at,
              let colon = url[scheme.upperBound..<at].firstIndex(of: ":") else { return url }
        return String(url[..<colon]) + ":***" + String(url[at...])
    }
}

/// A PostgresNIO error in words: the server's message and detail when it sent one, else the client's error code.
public enum PostgresErrorText {
    public static func of(_ error: any Error) -> String {
        if let e = error as? PSQLError {
            if let m = e.serverInfo?[.message] { return m + (e.serverInfo?[.detail].map { " (\($0))" } ?? "") }
            return "\(e.code)" + (e.underlying.map { ": \($0)" } ?? "")
        }
        return "\(error)"
    }
}
