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
                environment variable VARDE_SERVE_<KEY> (e.g. VARDE_SERVE_MINIMUM_COUNT=10). Logs go to stderr.
                Stops gracefully on SIGINT or SIGTERM.
                """)

        @OptionGroup var store: StoreOptions
        @Option(help: "Configuration file (JSON).") var config: String?
        @Option(help: "Address to listen on.") var host = "127.0.0.1"
        @Option(help: "Port to listen on.") var port = 8080
        @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

        func run() async throws {
            let path = try store.path
            var logger = Logger(label: "varde.serve")
            guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("unknown --log-level \(logLevel)") }
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
                let state = try ServiceState(config: settings, genes: genes) { try StoreFactory.open(path) }
                logger.info("serving", metadata: ["store": .string(StoreFactory.redacted(path)), "address": .string("\(host):\(port)"),
                                                  "audit": .string(settings.auditLog ?? "-"), "k": .string(String(settings.minimumCount))])
                return state
            }
            try await buildApplication(state: state, host: host, port: port, logger: logger).runService()
        }
    }
}
