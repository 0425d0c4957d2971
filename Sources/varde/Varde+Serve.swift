import ArgumentParser
import Foundation
import Hummingbird
import Logging
import VardeService
import VariantCore
import VariantQuery
import VariantStore
import StoreFactory

extension Varde {
    /// `varde serve`: the HTTP service (Beacon v2, native API) over a store.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "serve",
            abstract: "Serve the store over HTTP: GA4GH Beacon v2, the native JSON API, health and metrics.",
            discussion: """
                Configuration: --config FILE (JSON; README "varde serve" lists the keys), each key overridable by an
                environment variable VARDE_SERVE_<KEY> (e.g. VARDE_SERVE_MINIMUM_COUNT=10). Logs go to stderr (text,
                or JSON lines with --log-format json), each request's line with the id its X-Request-Id header carries.
                The store is opened in the background: /ready answers 503 ("migrating") until it is open.
                Stops gracefully on SIGINT or SIGTERM.
                """)

        @OptionGroup var store: StoreOptions
        @Option(help: "Configuration file (JSON).") var config: String?
        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on.") var port = 8080
        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
        @Option(help: "Log lines as 'text' (key=value) or 'json' (one object a line, for a log shipper).") var logFormat = "text"

        func run() async throws {
            let path = try store.path
            guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown --log-level \(logLevel)") }
            switch logFormat {
            case "text": break
            case "json": LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
            default: throw ValidationError("unknown --log-format \(logFormat): use text or json")
            }
            var logger = Logger(label: "varde.serve")
            logger.logLevel = level
            let state = try await failing { () async throws -> ServiceState in
                let location = StoreFactory.location(path)
                if case let .sqlite(file) = location, !FileManager.default.fileExists(atPath: file) {
                    throw ServiceError("no store at \(path)", fix: "create it with varde load --store \(path) FILE.vcf.gz")
                }
                var settings = try ServiceConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment)
                if settings.auditLog == nil {
                    switch location {
                    case let .sqlite(file): settings.auditLog = file + ".audit.jsonl"
                    case .postgres: settings.auditLog = "varde-serve.audit.jsonl"   // in the working folder; set auditLog in the config
                    }
                }
                let genes = ReferenceFolder.folder(holdingAnyOf: Assembly.allCases.map(GeneTable.fileName(for:))).map { GeneIndex(directory: $0) } ?? GeneIndex()
                if genes.isEmpty { logger.warning("no gene table found: geneId queries will answer 501; \(ReferenceFolder.fix)") }
                let file: String? = if case let .sqlite(f) = location { f } else { nil }
                let state = try ServiceState(config: settings, genes: genes, storeFile: file) { [logger] in
                    // The first connection runs pending migrations: say so, as they can take minutes on a large store.
                    try StoreFactory.open(path) { logger.notice("waiting for the store", metadata: ["why": .string($0)]) }
                }
                logger.info("serving", metadata: ["store": .string(StoreFactory.redacted(path)), "address": .string("\(host):\(port)"),
                                                  "audit": .string(settings.auditLog ?? "-"), "k": .string(String(settings.minimumCount))])
                return state
            }
            let application = buildApplication(state: state, host: host, port: port, logger: logger)
            let openLogger = logger
            // A store that cannot be opened at all (written by a newer Varde, a refused connection) stops the service
            // with its message and exit status 1; one still migrating is served meanwhile, with /ready 503.
            Task {
                do {
                    try await state.pool.opened()
                    openLogger.info("store open", metadata: ["store": .string(StoreFactory.redacted(path))])
                } catch {
                    FileHandle.standardError.write(Data("varde: \(error)\n".utf8))
                    Foundation.exit(1)
                }
            }
            try await application.runService()
        }
    }
}
