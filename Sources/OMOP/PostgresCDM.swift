internal import Foundation
internal import PostgresNIO
internal import Logging
internal import NIOCore
internal import VariantStorePostgres
internal import VariantStore

/// Loads an exported CDM folder into PostgreSQL: the project's CDM 5.4 DDL (types and NOT NULLs as the official
/// PostgreSQL DDL, generated from the same Field_Level specification), `COPY … FROM STDIN` per table, then the
/// primary keys and foreign keys (the official create → load → keys order). Uses PostgresNIO.
public enum PostgresCDM {
    /// The server a `postgres://` URL names (the store's own URL parser).
    static func target(_ url: String) throws(OMOPError) -> PostgresTarget {
        do {
            return try PostgresTarget(url: url)
        } catch {
            throw OMOPError(.invalidInput, error.message, fix: error.fix)
        }
    }

    static func message(_ error: any Error) -> String { PostgresErrorText.of(error) }

    /// Schema names go into SQL as they are: plain lower-case identifiers only.
    static func checkSchemaNames(_ names: String...) throws(OMOPError) {
        for name in names where name.range(of: "^[a-z_][a-z0-9_]*$", options: .regularExpression) == nil {
            throw OMOPError(.invalidInput, "schema name '\(name)' is not a plain lower-case identifier", fix: "use letters, digits and _")
        }
    }

    static func connect(_ url: String) async throws -> PostgresConnection {
        let t = try target(url)
        let config = PostgresConnection.Configuration(host: t.host, port: t.port, username: t.user, password: t.password,
                                                      database: t.database, tls: .disable)
        do {
            return try await PostgresConnection.connect(configuration: config, id: 1, logger: Logger(label: "varde.omop.postgres"))
        } catch {
            throw OMOPError(.postgres, "cannot connect to PostgreSQL at \(t.host):\(t.port)/\(t.database) as \(t.user): \(message(error))",
                            fix: "check the server is running and the URL's user, password and database")
        }
    }

    static func run(_ c: PostgresConnection, _ sql: String, logger: Logger) async throws {
        do {
            try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        } catch {
            throw OMOPError(.postgres, "PostgreSQL: \(message(error)) in: \(sql.prefix(160))")
        }
    }

    /// The rows of `sql` as text cells (cast in the SQL what is not text), or an error that quotes the statement.
    static func textRows(_ c: PostgresConnection, _ sql: String, logger: Logger) async throws -> [[String?]] {
        do {
            var out: [[String?]] = []
            for try await r in try await c.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                var cells: [String?] = []
                for cell in r { cells.append(try cell.decode(String?.self)) }
                out.append(cells)
            }
            return out
        } catch {
            throw OMOPError(.postgres, "PostgreSQL: \(message(error)) in: \(sql.prefix(200))")
        }
    }

    /// Creates `schema` (refusing an existing one unless `replace`), loads every `<table>.csv` of `directory`
    /// that the spec knows, adds keys. Returns rows per loaded table, as counted by the server.
    /// `foreignKey` picks the foreign keys to add (all by default; a sample CDM whose vocabulary is a subset cannot
    /// take those into CONCEPT).
    public static func load(directory: String, spec: CDMSpec, url: String, schema: String, replace: Bool,
                            foreignKey: @Sendable (String) -> Bool = { _ in true },
                            progress: @escaping @Sendable (String) -> Void) async throws -> [(table: String, rows: Int)] {
        try checkSchemaNames(schema)
        let logger = Logger(label: "varde.omop.postgres")
        let c = try await connect(url)
        do {
            let rows = try await c.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM information_schema.schemata WHERE schema_name = '\(schema)'"), logger: logger)
            var exists = false
            for try await r in rows { exists = try r.decode(Int.self) > 0 }
            if exists {
                guard replace else {
                    throw OMOPError(.invalidInput, "schema \(schema) already exists", fix: "choose another --schema, or add --replace to drop and recreate it")
                }
                try await run(c, "DROP SCHEMA \(schema) CASCADE", logger: logger)
            }
            try await run(c, "CREATE SCHEMA \(schema)", logger: logger)
            for ddl in spec.createTables(schema: schema) { try await run(c, ddl, logger: logger) }
            var loaded: [(String, Int)] = []
            for t in spec.tables {
                let path = (directory as NSString).appendingPathComponent("\(t.name).csv")
                guard FileManager.default.fileExists(atPath: path) else { continue }
                progress("COPY \(schema).\(t.name)")
                try await copy(c, path: path, table: t, schema: schema, logger: logger)
                let counted = try await c.query(PostgresQuery(unsafeSQL: "SELECT count(*)::bigint FROM \(schema).\(t.name)"), logger: logger)
                for try await r in counted { loaded.append((t.name, Int(try r.decode(Int64.self)))) }
            }
            progress("primary keys")
            for sql in spec.primaryKeys(schema: schema) { try await run(c, sql, logger: logger) }
            progress("foreign keys")
            for sql in spec.foreignKeys(schema: schema) where foreignKey(sql) { try await run(c, sql, logger: logger) }
            try await c.close()
            return loaded
        } catch {
            try? await c.close()
            throw error
        }
    }

    /// Streams one CSV file as COPY text format (tab-separated, `\N` for NULL, backslash escapes), 1 MiB at a time.
    static func copy(_ c: PostgresConnection, path: String, table: CDMSpec.Table, schema: String, logger: Logger) async throws {
        let reader = try DelimitedReader(path: path, delimiter: ",", quoted: true)
        var header: [String]? = nil
        var chunks: [[UInt8]] = []
        var buffer: [UInt8] = []
        try reader.forEach { fields, line in
            guard header != nil else {
                header = fields
                guard fields == table.columns else {
                    throw OMOPError(.format, "\(path):1: columns are not those of CDM table \(table.name)", fix: "re-export with varde omop export")
                }
                return
            }
            guard fields.count == table.columns.count else {
                throw OMOPError(.format, "\(path):\(line): \(fields.count) fields for \(table.columns.count) columns")
            }
            for (i, f) in fields.enumerated() {
                if i > 0 { buffer.append(9) }
                if f.isEmpty { buffer.append(contentsOf: Array("\\N".utf8)); continue }
                for b in f.utf8 {
                    switch b {
                    case 92: buffer.append(92); buffer.append(92)
                    case 9: buffer.append(92); buffer.append(UInt8(ascii: "t"))
                    case 10: buffer.append(92); buffer.append(UInt8(ascii: "n"))
                    case 13: buffer.append(92); buffer.append(UInt8(ascii: "r"))
                    default: buffer.append(b)
                    }
                }
            }
            buffer.append(10)
            if buffer.count >= 1 << 20 { chunks.append(buffer); buffer.removeAll(keepingCapacity: true) }
        }
        if !buffer.isEmpty { chunks.append(buffer) }
        let data = chunks
        do {
            // PostgresNIO quotes the table and column names: the schema comes from search_path.
            try await run(c, "SET search_path TO \(schema)", logger: logger)
            try await c.copyFrom(table: table.name, columns: table.columns, logger: logger) { writer in
                for chunk in data { try await writer.write(ByteBuffer(bytes: chunk)) }
            }
        } catch {
            throw OMOPError(.postgres, "COPY \(schema).\(table.name) from \(path): \(message(error))")
        }
    }

    /// Reads the named tables of `schema` as text cells (for `varde omop validate URL`).
    public static func read(url: String, schema: String, tables: [CDMSpec.Table]) async throws -> [String: CDMData.Table] {
        let logger = Logger(label: "varde.omop.postgres")
        let c = try await connect(url)
        var out: [String: CDMData.Table] = [:]
        do {
            for t in tables {
                let exists = try await c.query(PostgresQuery(unsafeSQL: "SELECT count(*)::int FROM information_schema.tables WHERE table_schema = '\(schema)' AND table_name = '\(t.name)'"), logger: logger)
                var found = false
                for try await r in exists { found = try r.decode(Int.self) > 0 }
                guard found else { continue }
                let cols = t.columns.map { "\(CDMSpec.sqlName($0))::text" }.joined(separator: ", ")
                let rows = try await c.query(PostgresQuery(unsafeSQL: "SELECT \(cols) FROM \(schema).\(t.name)"), logger: logger)
                var data: [[String?]] = []
                for try await r in rows {
                    var cells: [String?] = []
                    for cell in r { cells.append(try cell.decode(String?.self)) }
                    data.append(cells)
                }
                out[t.name] = CDMData.Table(columns: t.columns, rows: data)
            }
            try await c.close()
        } catch {
            try? await c.close()
            throw error
        }
        return out
    }
}
