import Foundation
import Testing
import TestSupport
import VariantCore
import VariantStore
import VariantStoreSQLite

/// Each tumour or normal carrier's REF and ALT reads (migration 0009), on the real Mutect2 tumour/normal pair, against
/// bcftools; germline carriers keep the 4-byte record.
@Suite("Carrier read depths")
struct CarrierDepthTests {
    static let fixture = Fixtures.path("somatic/mutect2.NA12878.head300.vcf")

    /// `CHROM POS REF ALT sample → (REF reads, ALT reads, from a multi-allelic record)`, as bcftools reads AD; a
    /// multi-allelic record split by AD's Number=R (each ALT keeps AD[0] and its own AD[k], as `bcftools norm -m-`
    /// does), alleles trimmed as the store keeps them.
    static func bcftoolsAD() throws -> [String: (ref: Int?, alt: Int?, multi: Bool)] {
        let r = try Shell.run(["bcftools", "query", "-f", "[%CHROM\t%POS\t%REF\t%ALT\t%SAMPLE\t%AD\n]", fixture])
        guard r.status == 0 else { throw TestFailure(message: "bcftools failed: \(r.stderr)") }
        var out: [String: (ref: Int?, alt: Int?, multi: Bool)] = [:]
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            let alts = f[3].split(separator: ",").map(String.init)
            let ad = f[5].split(separator: ",").map { Int($0) }
            for (k, alt) in alts.enumerated() {
                let (p, ref, a) = trimmed(Int(f[1])!, f[2], alt)
                out["\(f[0]) \(p) \(ref) \(a) \(f[4])"] = (ad.count > 0 ? ad[0] : nil, ad.count > k + 1 ? ad[k + 1] : nil, alts.count > 1)
            }
        }
        return out
    }

    /// Every stored carrier as `key → (depth, GQ, VAF, REF reads, ALT reads)`.
    static func carriers(_ store: SQLiteVariantStore) throws -> [String: [Int?]] {
        let names = Dictionary(uniqueKeysWithValues: try store.sampleDetails().map { ($0.ordinal, $0.name) })
        var out: [String: [Int?]] = [:]
        try store.forEachVariantCarriers { v in
            for c in v.carriers {
                out["\(v.contig) \(v.position) \(v.ref) \(v.alt) \(names[c.ordinal]!)"] =
                    [c.depth, c.genotypeQuality, c.vaf.map { Int(($0 * 254).rounded()) }, c.refDepth, c.altDepth]
            }
        }
        return out
    }

    @Test("a carrier's stored REF and ALT reads are its AD, split record by record as bcftools norm -m- splits it")
    func readsEqualAD() async throws {
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([Self.fixture])
        let expected = try Self.bcftoolsAD()
        let stored = try Self.carriers(t.store)
        var compared = 0, split = 0
        for (key, v) in stored {
            let e = try #require(expected[key], "\(key) is not a bcftools record")
            #expect(v[3] == e.ref && v[4] == e.alt, "\(key): stored \(String(describing: v[3])),\(String(describing: v[4])), AD \(String(describing: e))")
            compared += 1
            if e.multi { split += 1 }
        }
        #expect(compared > 250, "\(compared) carriers compared")
        #expect(split > 0, "no carrier of a split multi-allelic record was compared")
    }

    @Test("a germline carrier keeps DP, GQ and VAF in the 4-byte layout, without reads: germline stores do not grow")
    func germlineKeepsFourBytes() async throws {
        let t = try TestStore()
        defer { t.remove() }
        // Isaac NA12878 with AD, DP and GQ: 114 sites.
        _ = try await t.load([Fixtures.path("gvcf/hc.head2000.vcf.gz")])
        let stored = try Self.carriers(t.store)
        #expect(stored.count > 100)
        // Isaac writes DP for its SNVs, DPI for its indels: most carriers have DP and VAF.
        #expect(stored.values.filter { $0[0] != nil && $0[2] != nil }.count * 2 > stored.count, "DP and VAF are kept")
        #expect(stored.values.allSatisfy { $0[3] == nil && $0[4] == nil }, "no reads for germline carriers")
        let segments = try Shell.run(["sqlite3", "-separator", "\t", t.path, "SELECT span, hex(data) FROM calls_segment"])
        var records = 0
        for line in segments.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            for e in try CallSegment.decode(bytes(hex: f[1]), span: Int(f[0])!) where !e.qc.isEmpty {
                #expect(e.qc.count == 4 * (e.lists[0].count + e.lists[1].count + e.lists[2].count))
                records += 1
            }
        }
        #expect(records == stored.count)
    }

    /// A store written before 0009 holds 4-byte QC records. The test writes that layout back into a loaded store's
    /// segments and removes 0009 from its migrations, then reopens it.
    @Test("a store from before 0009 opens, gains 0009, and reads DP, GQ and VAF as before, with no reads")
    func storeBefore0009() async throws {
        let t = try TestStore()
        defer { t.remove() }
        _ = try await t.load([Self.fixture])
        let before = try Self.carriers(t.store)
        #expect(before.values.contains { $0[4] != nil })

        let segments = try Shell.run(["sqlite3", "-separator", "\t", t.path, "SELECT segment_id, span, hex(data) FROM calls_segment"])
        var sql = "BEGIN;\n"
        var shrunk = 0
        for line in segments.stdout.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            var entries = try CallSegment.decode(bytes(hex: f[2]), span: Int(f[1])!)
            for k in entries.indices where !entries[k].qc.isEmpty {
                let old = QCCodec.decode(entries[k].qc).map { CarrierQC(depth: $0.depth, genotypeQuality: $0.genotypeQuality, vaf: $0.vaf) }
                let fourBytes = QCCodec.encode(old)
                if fourBytes.count % 4 == 0 && fourBytes.count < entries[k].qc.count { shrunk += 1 }
                entries[k].qc = fourBytes
            }
            let data = CallSegment.encode(entries, span: Int(f[1])!).map { String(format: "%02X", $0) }.joined()
            sql += "UPDATE calls_segment SET data = X'\(data)' WHERE segment_id = \(f[0]);\n"
        }
        sql += "DELETE FROM migration WHERE id = '0009-carrier-allele-depths';\nCOMMIT;\n"
        #expect(shrunk > 250)
        let script = t.dir.appendingPathComponent("downgrade.sql")
        try sql.write(to: script, atomically: true, encoding: .utf8)
        let r = try Shell.run(["sqlite3", t.path, ".read \(script.path)"])
        #expect(r.status == 0, "\(r.stderr)")

        let reopened = try SQLiteVariantStore(path: t.path)
        #expect(try reopened.appliedMigrations().last == "0009-carrier-allele-depths")
        let after = try Self.carriers(reopened)
        #expect(Set(after.keys) == Set(before.keys))
        for (key, v) in after {
            #expect(Array(v[0..<3]) == Array(before[key]![0..<3]), "\(key)")
            #expect(v[3] == nil && v[4] == nil, "\(key)")
        }
        #expect(try reopened.verifyAggregates().isEmpty)
    }
}
