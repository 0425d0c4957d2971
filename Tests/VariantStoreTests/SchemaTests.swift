import Foundation
import Testing
import TestSupport
import VariantCore
import VariantStore
import VariantStoreSQLite
import Loader

@Suite("Schema and coverage options")
struct SchemaTests {
    @Test("migrations are named, run once, and reopening a store runs none again")
    func migrations() throws {
        let t = try TestStore()
        defer { t.remove() }
        let first = try t.store.appliedMigrations()
        // Every migration, once, in order: named NNNN-what, numbered from 0001 without gaps.
        #expect(first.prefix(3) == ["0001-variant-store", "0002-named-cohorts", "0003-filters-annotations"])
        #expect(first.enumerated().allSatisfy { i, id in id.hasPrefix(String(format: "%04d-", i + 1)) })
        let again = try SQLiteVariantStore(path: t.path)
        #expect(try again.appliedMigrations() == first)
    }

    /// A store written before migration 0006 kept one `calls` row per variant and batch (CarrierList columns). The
    /// test writes that layout back from a loaded store, lets the store reopen (running 0006), and expects every
    /// answer that reads calls to be what it was.
    @Test("migrations 0006 to 0008 (calls rows to segments, compact rows, segment ranges) change no answer")
    func callsToSegments() async throws {
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")])
        _ = try await t.load([Fixtures.path("somatic/test_strelka.vcf")]) { $0.assembly = .grch37 }
        let samples = try t.store.samples().map(\.ordinal)
        let cohort = Set(samples.filter { $0 % 3 == 0 })
        func answers(_ store: SQLiteVariantStore) throws -> [String] {
            var out: [String] = []
            for contig in ["22", "7", "1"] {
                for a in try store.aggregates(in: Region(contig: contig), cohort: cohort) {
                    out.append("\(a.variantID) \(a.end) \(a.kind) \(a.ac) \(a.an) \(a.nHomAlt) \(a.tumours) \(String(describing: a.cohort))")
                }
            }
            let ids = try store.aggregates(in: Region(contig: "22")).prefix(40).map(\.variantID)
            out += try store.genotypes(at: ids, samples: Array(samples.prefix(30))).map { $0.joined(separator: ",") }
            out.append(try store.ordinalsInCalls().sorted().map(String.init).joined(separator: ","))
            out.append("\(try store.stats().callRows) \(try store.stats().variantsByKind.sorted { $0.key < $1.key })")
            out += try store.samples().map { "\($0.name) \($0.pseudonym) \($0.loadedAt)" }
            return out
        }
        let before = try answers(t.store)
        #expect(before.count > 100)

        // The pre-0006 layout, from the segments.
        let batches = try Shell.run(["sqlite3", "-separator", "\t", t.path, "SELECT batch_id, first_ordinal, sample_count FROM batch"])
        var layout: [String: (base: UInt32, span: Int)] = [:]
        for line in batches.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            layout[f[0]] = (UInt32(f[1])!, Int(f[2])!)
        }
        let segments = try Shell.run(["sqlite3", "-separator", "\t", t.path, "SELECT batch_id, hex(data) FROM calls_segment"])
        func hex(_ b: [UInt8]) -> String { b.isEmpty ? "NULL" : "X'" + b.map { String(format: "%02X", $0) }.joined() + "'" }
        var sql = """
            BEGIN;
            CREATE TABLE calls(batch_id INTEGER NOT NULL, vid INTEGER NOT NULL, het BLOB, hom BLOB, hemi BLOB,
                               homref BLOB, nocall BLOB, exceptions BLOB, qc BLOB, PRIMARY KEY (batch_id, vid)) WITHOUT ROWID;
            CREATE INDEX calls_vid ON calls(vid);

            """
        var rows = 0
        for line in segments.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            let (base, span) = layout[f[0]]!
            for e in try CallSegment.decode(bytes(hex: f[1]), span: span) {
                let lists = e.lists.map { $0.isEmpty ? [] : CarrierList.encode($0.map { $0 + base }, base: base, span: span) }
                sql += "INSERT INTO calls VALUES (\(f[0]), \(e.vid), \((lists.map(hex) + [hex(e.exceptions), hex(e.qc)]).joined(separator: ", ")));\n"
                rows += 1
            }
        }
        sql += """
            DROP TABLE calls_segment; DELETE FROM migration WHERE id IN ('0006-call-segments', '0007-compact-rows', '0008-segment-ranges', '0009-carrier-allele-depths');
            UPDATE variant SET kind = 'snv' WHERE kind = ''; UPDATE variant SET end_pos = pos + max(1, length(ref)) - 1 WHERE end_pos = 0;
            UPDATE person SET pseudonym = lower(hex(pseudonym));
            UPDATE sample SET loaded_at = (SELECT loaded_at FROM batch b WHERE b.batch_id = sample.batch_id);
            COMMIT;

            """
        #expect(rows > 100)
        let script = t.dir.appendingPathComponent("downgrade.sql")
        try sql.write(to: script, atomically: true, encoding: .utf8)
        let r = try Shell.run(["sqlite3", t.path, ".read \(script.path)"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try Shell.run(["sqlite3", t.path, "SELECT count(*) FROM calls"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "\(rows)")

        let reopened = try SQLiteVariantStore(path: t.path)
        #expect(try reopened.appliedMigrations().suffix(4) == ["0006-call-segments", "0007-compact-rows", "0008-segment-ranges",
                                                               "0009-carrier-allele-depths"])
        let types = try Shell.run(["sqlite3", t.path, "SELECT DISTINCT typeof(pseudonym) FROM person; SELECT count(*) FROM variant WHERE kind = 'snv' OR end_pos != 0 AND kind != 'symbolic'"])
        #expect(types.stdout == "blob\n0\n")
        #expect(try answers(reopened) == before)
        #expect(try reopened.verifyAggregates().isEmpty)
        let left = try Shell.run(["sqlite3", t.path, "SELECT count(*) FROM sqlite_schema WHERE name IN ('calls', 'calls_vid')"])
        #expect(left.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }

    @Test("--min-gq: gVCF reference blocks below the threshold do not count toward AN")
    func minGQ() async throws {
        let file = Fixtures.path("gvcf/NA12878.prod.chr20snippet.head2000.g.vcf.gz")
        let all = try TestStore(), strict = try TestStore()
        defer { all.remove(); strict.remove() }
        let a = try await all.load([file])
        let b = try await strict.load([file]) { $0.minBlockGQ = 99 }
        #expect(a.coverageBlocks > b.coverageBlocks)
        #expect(b.coverageBlocks > 0)
        let anAll = try all.store.aggregates(in: Region(contig: "20")).map(\.an).reduce(0, +)
        let anStrict = try strict.store.aggregates(in: Region(contig: "20")).map(\.an).reduce(0, +)
        #expect(anStrict <= anAll)
        #expect(try strict.store.verifyAggregates().isEmpty)
    }
}
