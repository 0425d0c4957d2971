import Foundation
import Testing
import TestSupport

/// A store spread over three PostgreSQL servers, tried as an operator would break it: a loader killed, a shard server
/// stopped at several points of a load, a write that commits on some shards and fails on another. Nothing partial is
/// ever answered, nothing committed is lost, and a query while a shard is down fails naming it.
/// Needs VARDE_TEST_POSTGRES_URL and VARDE_TEST_PG_SHARDS (CI sets both); the stop test starts shard clusters of its
/// own (scripts/start-shards.sh on other ports), so stopping them disturbs no other test.
@Suite(.serialized) struct ShardedStoreTests {
    static let environment = ["VARDE_PSEUDONYM_KEY": "sharded-test-secret-0123456789abcdef"]
    static let first = [Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz"), Fixtures.path("indexed/multi-contig.vcf.gz")]
    /// 240 Strelka records on 24 contigs: a load that writes to every shard.
    static let second = Fixtures.path("somatic/test_strelka.vcf")
    static let everywhere = (1...22).map(String.init).joined(separator: ",") + ",X,Y"

    static func varde(_ args: [String], env: [String: String] = [:]) throws -> Shell.Result {
        try Shell.run([Shell.varde] + args, environment: environment.merging(env) { $1 })
    }

    static func load(_ file: String, into store: String) throws -> Shell.Result {
        try varde(["load", "--quiet", "--assembly", "GRCh37", file, "--store", store])
    }

    static func answer(_ store: String) throws -> Shell.Result {
        try varde(["query", "--region", everywhere, "--store", store])
    }

    /// A new sharded store over `shards`, loaded with ``first``; and the region answers of SQLite stores loaded with
    /// ``first`` and with ``first`` + ``second``.
    static func prepared(shards: [String], dir: URL, second: String = ShardedStoreTests.second) throws -> (store: String, before: String, after: String) {
        let store = TestPostgres.freshStore(TestPostgres.url!, prefix: "shk")
        let made = try varde(["store", "init", store] + shards.flatMap { ["--shard", $0] })
        try #require(made.status == 0, "store init: \(made.stderr)")
        let a = dir.appendingPathComponent("a.db").path, b = dir.appendingPathComponent("b.db").path
        for target in [store, a, b] {
            for f in first { try #require(try load(f, into: target).status == 0) }
        }
        try #require(try load(second, into: b).status == 0)
        let before = try answer(a).stdout, after = try answer(b).stdout
        try #require(before != after && before.split(separator: "\n").count > 400)
        #expect(try answer(store).stdout == before)
        return (store, before, after)
    }

    static func verified(_ store: String) throws -> Bool {
        try varde(["stats", "--verify", "--store", store]).status == 0
    }

    @Test("a load killed with SIGKILL at several points: the store answers as before it or with the whole batch, and verifies")
    func killedLoads() throws {
        guard TestPostgres.url != nil, !TestPostgres.shards.isEmpty else {
            #expect(!TestPostgres.inCI, "CI must set VARDE_TEST_POSTGRES_URL and VARDE_TEST_PG_SHARDS")
            return
        }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // A load long enough to be killed inside: the 1000 Genomes slice again, its 2,504 samples renamed (new people,
        // a new file), seconds of writing.
        let slice = Self.first[0], renamed = dir.appendingPathComponent("renamed.vcf.gz").path
        let names = try Shell.run(["bcftools", "query", "-l", slice]).stdout.split(separator: "\n").map { "K_\($0)" }
        try (names.joined(separator: "\n") + "\n").write(toFile: dir.appendingPathComponent("names").path, atomically: true, encoding: .utf8)
        let re = try Shell.run(["bcftools", "reheader", "-s", dir.appendingPathComponent("names").path, "-o", renamed, slice])
        try #require(re.status == 0, "\(re.stderr)")
        let (store, before, after) = try Self.prepared(shards: TestPostgres.shards, dir: dir, second: renamed)
        var outcomes: [String] = []
        for delay in [0.3, 0.8, 1.5, 3.0] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Shell.varde)
            p.arguments = ["load", "--quiet", "--assembly", "GRCh37", renamed, "--store", store]
            p.environment = Self.environment
            p.standardError = FileHandle.nullDevice
            try p.run()
            // A blocking sleep: under the whole suite the cooperative pool (2 threads here) is often held by other tests'
            // blocking waits, and a Task.sleep of 0.3 s was seen to resume after the load had finished.
            usleep(useconds_t(delay * 1_000_000))
            let finished = !p.isRunning
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            let now = try Self.answer(store)
            #expect(now.status == 0, "after a kill at \(delay) s: \(now.stderr)")
            #expect(now.stdout == before || now.stdout == after, "after a kill at \(delay) s the store answers neither as before nor with the whole batch")
            #expect(try Self.verified(store))
            outcomes.append(now.stdout == before ? "before" : "whole\(finished ? " (had finished)" : "")")
            if now.stdout == after { break }   // the load had committed: later kills would land after it
        }
        #expect(outcomes.contains("before"), "no kill landed inside the load: \(outcomes)")
    }

    @Test("a write that commits on two shards and fails on the third is taken back before anyone reads; loading again gives SQLite's answer")
    func failedCommitIsTakenBack() throws {
        guard let server = TestPostgres.url, TestPostgres.shards.count == 3 else {
            #expect(!TestPostgres.inCI, "CI must set VARDE_TEST_POSTGRES_URL and three VARDE_TEST_PG_SHARDS")
            return
        }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (store, before, after) = try Self.prepared(shards: TestPostgres.shards, dir: dir)
        let schema = URLComponents(string: store)?.queryItems?.first { $0.name == "schema" }?.value ?? ""
        func psql(_ url: String, _ sql: String) throws -> String {
            let r = try Shell.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-tAc", sql])
            try #require(r.status == 0, "psql: \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let epoch = try psql(String(server.prefix { $0 != "?" }), "SELECT value FROM \(schema).meta WHERE key = 'epoch'")
        // Shard 3 refuses the next commit at its very end (a deferred trigger), after shards 1 and 2 have committed.
        try _ = psql(TestPostgres.shards[2], """
            CREATE FUNCTION \(schema).refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'shard 3 refuses this commit'; END $$;
            CREATE CONSTRAINT TRIGGER refuse AFTER UPDATE ON \(schema).shard_state DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION \(schema).refuse();
            """)
        let failed = try Self.load(Self.second, into: store)
        #expect(failed.status == 1, "the load whose commit failed must fail: \(failed.stderr)")
        #expect(failed.stderr.contains("shard 3 refuses this commit"), "\(failed.stderr)")
        // The failure really was partial: shard 1 committed the write, and the catalog did not.
        let shard1 = try psql(TestPostgres.shards[0], "SELECT epoch FROM \(schema).shard_state")
        #expect(Int(shard1) == Int(epoch)! + 1, "shard 1 should hold the write the catalog never committed")
        #expect(try psql(String(server.prefix { $0 != "?" }), "SELECT value FROM \(schema).meta WHERE key = 'epoch'") == epoch)
        try _ = psql(TestPostgres.shards[2], "DROP TRIGGER refuse ON \(schema).shard_state")
        // The next reader finds shards 1 and 2 ahead with no writer, takes the write back, and answers as before it.
        let read = try Self.answer(store)
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout == before)
        #expect(read.stderr.contains("took back"), "the reader should say it took the failed write back: \(read.stderr)")
        #expect(try psql(TestPostgres.shards[0], "SELECT epoch FROM \(schema).shard_state") == epoch)
        #expect(try Self.verified(store))
        let again = try Self.load(Self.second, into: store)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.answer(store).stdout == after)
        #expect(try Self.verified(store))
    }

    @Test("a shard server stopped at several points of a load: the load fails naming it, queries fail naming it while it is down, and after a restart the store answers as before")
    func stoppedShard() throws {
        guard TestPostgres.url != nil, !TestPostgres.shards.isEmpty, getuid() == 0 else {
            #expect(!TestPostgres.inCI, "CI runs as root with VARDE_TEST_POSTGRES_URL and VARDE_TEST_PG_SHARDS set")
            return
        }
        // Shard clusters of this test's own, so that stopping one disturbs no other test.
        let env = ["VARDE_SHARDS_PORT": "55451", "VARDE_SHARDS_DIR": "/var/tmp/varde-shards-stop"]
        let script = Fixtures.root.path + "/scripts/start-shards.sh"
        let started = try Shell.spawnWaiting(script, environment: env)
        try #require(started.status == 0, "\(started.output)")
        let shards = started.output.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init).filter { $0.hasPrefix("postgres://") }
        try #require(shards.count == 3, "\(started.output)")
        func stopShard2() throws {
            _ = try Shell.spawnWaiting("runuser -u postgres -- $(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl -D /var/tmp/varde-shards-stop/s2 -m immediate stop")
        }
        defer { _ = try? Shell.spawnWaiting(script, environment: env) }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (store, before, after) = try Self.prepared(shards: shards, dir: dir)
        var failedLoads = 0
        for delay in [0.1, 0.5, 1.5] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: Shell.varde)
            p.arguments = ["load", "--quiet", "--assembly", "GRCh37", Self.second, "--store", store]
            p.environment = Self.environment
            let err = Pipe()
            p.standardError = err
            try p.run()
            // A blocking sleep: under the whole suite the cooperative pool (2 threads here) is often held by other tests'
            // blocking waits, and a Task.sleep of 0.3 s was seen to resume after the load had finished.
            usleep(useconds_t(delay * 1_000_000))
            try stopShard2()
            p.waitUntilExit()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if p.terminationStatus != 0 {
                failedLoads += 1
                #expect(message.contains("shard 2") || message.contains("shard server"), "the failed load should name the shard: \(message)")
            }
            let down = try Self.answer(store)
            #expect(down.status != 0, "a query while shard 2 is down must fail, not answer in part")
            #expect(down.stderr.contains("shard 2"), "the failure should name shard 2: \(down.stderr)")
            #expect(down.stdout.split(separator: "\n").count <= 1, "nothing but at most the header is printed")
            let restarted = try Shell.spawnWaiting(script, environment: env)
            try #require(restarted.status == 0, "\(restarted.output)")
            let now = try Self.answer(store)
            #expect(now.status == 0, "\(now.stderr)")
            if p.terminationStatus != 0 {
                #expect(now.stdout == before, "a load that failed left something behind (stopped at \(delay) s)")
            } else {
                #expect(now.stdout == after)
                break
            }
            #expect(try Self.verified(store))
        }
        #expect(failedLoads > 0, "shard 2 was never stopped inside a load")
    }
}
