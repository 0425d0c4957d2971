import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import TestSupport
import VardeService
import VariantQuery
import VariantStore
import VariantStoreSQLite

/// A store loaded from the 1000 Genomes chr22 slice (GRCh37, 2,504 people) by the built `varde`, with named
/// cohorts, and helpers to run the service over it in-process.
enum ServiceFixture {
    static let env = ["VARDE_PSEUDONYM_KEY": "service-test-secret-0123456789"]
    static let vcf = Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")
    static let hg38 = Fixtures.path("cohort/1kg_hg38.chr22.head200.vcf.gz")
    static let registeredToken = "reg-0123456789"
    static let controlledToken = "ctl-0123456789"

    /// Loads once per test process; each test that writes gets its own copy via ``freshStore()``.
    static let store: String = {
        let dir = try! Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("store.db").path
        let load = try! Shell.run([Shell.varde, "load", "--quiet", "--store", path, vcf], environment: env)
        precondition(load.status == 0, load.stderr)
        let samples = try! Shell.run(["bcftools", "query", "-l", vcf]).stdout.split(separator: "\n").map(String.init)
        // A 30-sample cohort (above the test minimum size) and a 3-sample one (below it).
        for (name, n) in [("first30", 30), ("tiny", 3)] {
            let list = dir.appendingPathComponent("\(name).txt").path
            try! samples.prefix(n).joined(separator: "\n").appending("\n").write(toFile: list, atomically: true, encoding: .utf8)
            let made = try! Shell.run([Shell.varde, "cohort", "create", "--store", path, name, "--from", list], environment: env)
            precondition(made.status == 0, made.stderr)
        }
        return path
    }()

    /// The tracker-attack store: the same slice loaded with a manifest (sex and diagnosis for everyone) where
    /// ICD-10 C71 holds 26 people, 25 men and one woman (who carries singletons), C34 holds 40, and the cohorts `c71` (the 26), `c71_male`
    /// (the 25) and `females` are made in that order, as the attack review made them.
    static let trackerStore: String = {
        let dir = try! Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("tracker.db").path
        let samples = try! Shell.run(["bcftools", "query", "-l", vcf]).stdout.split(separator: "\n").map(String.init)
        // The woman with C71 carries singletons (as in the review): the first sample after the 25 men with an AC 1 call.
        let singletons = try! Shell.run(["bash", "-c", "bcftools view -i 'INFO/AC==1' '\(vcf)' | bcftools query -f '[%SAMPLE %GT\\n]' | grep -v ' 0|0$' | cut -d' ' -f1"])
        let carriers = Set(singletons.stdout.split(separator: "\n").map(String.init))
        let woman = samples.indices.first { $0 >= 25 && carriers.contains(samples[$0]) }!
        var manifest = "sample\tperson\tsex\tdiagnosis\n"
        for (i, name) in samples.enumerated() {
            let sex = i < 25 ? "male" : i == woman ? "female" : i % 2 == 0 ? "female" : "male"
            let diagnosis = i < 25 || i == woman ? "C71.9" : (100..<140).contains(i) ? "C34.1" : ""
            manifest += "\(name)\tperson-\(name)\t\(sex)\t\(diagnosis)\n"
        }
        let manifestPath = dir.appendingPathComponent("manifest.tsv").path
        try! manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let load = try! Shell.run([Shell.varde, "load", "--quiet", "--store", path, "--manifest", manifestPath, vcf], environment: env)
        precondition(load.status == 0, load.stderr)
        for (name, conditions) in [("c71", ["diagnosis=C71"]), ("c71_male", ["diagnosis=C71", "sex=male"]), ("females", ["sex=female"])] {
            let made = try! Shell.run([Shell.varde, "cohort", "create", "--store", path, name] + conditions.flatMap { ["--where", $0] }, environment: env)
            precondition(made.status == 0, made.stderr)
            Thread.sleep(forTimeInterval: 1.1)  // creation times order the cohorts (to the second)
        }
        return path
    }()

    static let hg38Store: String = {
        let dir = try! Fixtures.temporaryDirectory()
        let path = dir.appendingPathComponent("hg38.db").path
        let load = try! Shell.run([Shell.varde, "load", "--quiet", "--store", path, hg38], environment: env)
        precondition(load.status == 0, load.stderr)
        return path
    }()

    static func config(_ change: (inout ServiceConfiguration) -> Void = { _ in }) -> ServiceConfiguration {
        var c = ServiceConfiguration()
        c.minimumCohortSize = 20
        c.requestsPerAddressPerWindow = 100_000
        c.requestsPerTokenPerWindow = 100_000
        // Budget tests count a few requests against a small budget: a window longer than any run, so a slow machine
        // (the whole suite under load has taken minutes for one such test) never resets it between two requests.
        c.budgetWindowSeconds = 86_400
        change(&c)
        return c
    }

    static func state(store: String = ServiceFixture.store, config: ServiceConfiguration = ServiceFixture.config(), audit: String? = nil,
                      genes: GeneIndex = GeneIndex(directory: Fixtures.root.appendingPathComponent("reference").path)) throws -> ServiceState {
        let tokens = TokenStore(principals: [
            TokenStore.digest(registeredToken): Principal(name: "reg-user", tier: .registered),
            TokenStore.digest(controlledToken): Principal(name: "ctl-user", tier: .controlled),
        ])
        return ServiceState(config: config, pool: try StorePool(size: 2) { try SQLiteVariantStore(path: store) }, tokens: tokens,
                            audit: try audit.map { try AuditLog(path: $0) }, genes: genes)
    }

    static func app(_ state: ServiceState) -> some ApplicationProtocol {
        var logger = Logger(label: "varde.test")
        logger.logLevel = .warning
        return Application(router: buildRouter(state: state), logger: logger)
    }

    static func headers(_ token: String?) -> HTTPFields {
        var h = HTTPFields()
        if let token { h[.authorization] = "Bearer \(token)" }
        return h
    }
}

/// A response read back as JSON.
struct Reply {
    var status: Int
    var json: JSON
    var headers: HTTPFields
}

extension TestClientProtocol {
    func call(_ uri: String, token: String? = nil, method: HTTPRequest.Method = .get, body: String? = nil) async throws -> Reply {
        try await execute(uri: uri, method: method, headers: ServiceFixture.headers(token),
                          body: body.map { ByteBuffer(string: $0) }) { r in
            let data = Data(r.body.readableBytesView)
            let json = (try? JSON(parsing: data)) ?? .string(String(decoding: data, as: UTF8.self))
            return Reply(status: r.status.code, json: json, headers: r.headers)
        }
    }
}

/// Runs scripts/validate-beacon.py over collected responses; returns its output and exit status.
enum SchemaValidator {
    struct Case {
        var label: String
        /// A path under reference/beacon-v2/ (ignored when `inline` is given).
        var schema: String
        var entitySchema: String?
        var instance: JSON
        var inline: JSON? = nil
    }

    static func run(_ cases: [Case]) throws -> Shell.Result {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("beacon-cases-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: file) }
        let list = JSON.array(cases.map { c in
            var o: [String: JSON] = ["label": .string(c.label), "schema": c.inline ?? .string(c.schema), "instance": c.instance]
            if let e = c.entitySchema { o["entitySchema"] = .string(e) }
            return .object(o)
        })
        try list.encoded().write(to: file)
        return try Shell.run(["python3", Fixtures.root.appendingPathComponent("scripts/validate-beacon.py").path, file.path])
    }
}
