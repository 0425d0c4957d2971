import Foundation
import Testing
import TestSupport
import VardeService

/// Issue 20, erasure leftovers: after `varde erase --person` while `varde serve` answers from the store, nothing
/// of the person is left in the store file, its WAL or shared memory, the audit log, or the service log: not the
/// sample name, not the raw person key, not the pseudonym, and their private allele is gone from every answer.
@Suite("issue 20: erasure leaves nothing of the person (live server)", .serialized)
struct ErasureLeakTests {
    @Test("sample name, person key and pseudonym are in no file after varde erase during serving; the private allele is gone")
    func nothingLeft() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let vcf = ServiceFixture.vcf
        let samples = try Shell.run(["bcftools", "query", "-l", vcf]).stdout.split(separator: "\n").map(String.init)
        // The person to erase: the first with a private allele (AC 1), keyed by a CPR-like number.
        let singles = try Shell.run(["bash", "-c", "bcftools view -i 'INFO/AC==1' '\(vcf)' | bcftools query -f '%POS\\t%REF\\t%ALT[\\t%SAMPLE=%GT]\\n'"]).stdout
        var target: (name: String, pos: Int, ref: String, alt: String)?
        for line in singles.split(separator: "\n") where target == nil {
            let f = line.split(separator: "\t")
            guard f.count > 3, !f[2].contains(","), let pos = Int(f[0]) else { continue }
            if let hit = f[3...].first(where: { !$0.hasSuffix("=0|0") && !$0.hasSuffix("=0/0") }) {
                target = (String(hit.split(separator: "=")[0]), pos, String(f[1]), String(f[2]))
            }
        }
        let t = try #require(target)
        let key = { (i: Int) in String(format: "0101%06d", 700_000 + i) }
        let index = try #require(samples.firstIndex(of: t.name))
        var manifest = "sample\tperson\tsex\n"
        for (i, s) in samples.enumerated() { manifest += "\(s)\t\(key(i))\t\(i % 2 == 0 ? "female" : "male")\n" }
        let manifestPath = dir.appendingPathComponent("manifest.tsv").path
        try manifest.write(toFile: manifestPath, atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("erase.db").path
        let load = try Shell.run([Shell.varde, "load", "--quiet", "--store", store, "--manifest", manifestPath, vcf], environment: ServiceFixture.env)
        #expect(load.status == 0, "\(load.stderr)")
        // The pseudonym is stored as the HMAC's 32 bytes: read it as hex, search for the bytes (printing the blob
        // itself would pass it through a UTF-8 decoding that changes it).
        let hex = try Shell.run(["sqlite3", store, "SELECT hex(p.pseudonym) FROM person p JOIN sample s ON s.person_id = p.person_id WHERE s.name = '\(t.name)'"])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let pseudonym = Data(stride(from: 0, to: hex.count - 1, by: 2).compactMap { i -> UInt8? in
            let start = hex.index(hex.startIndex, offsetBy: i)
            return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)
        })
        #expect(pseudonym.count >= 16, "the store keeps a pseudonym for the person: \(hex)")

        let server = try await LiveServer(store: store)
        let allele = "/g_variants?referenceName=22&start=\(t.pos - 1)&referenceBases=\(t.ref)&alternateBases=\(t.alt)&requestedGranularity=record"
        let before = try await server.call(allele, token: ServiceFixture.controlledToken)
        let cases = before.json["response"]?["resultSets"]?.arrayValue?.first?["results"]?.arrayValue?.first?["caseLevelData"]?.arrayValue ?? []
        #expect(cases.contains { $0["biosampleId"]?.stringValue == t.name }, "controlled sees the carrier before erasure")
        _ = try await server.call("/api/v1/variants?region=22:16050000-16061300&limit=100", token: ServiceFixture.registeredToken)

        func leftovers() -> [String] {
            var found: [String] = []
            for file in [store, store + "-wal", store + "-shm", server.auditPath, server.stderrPath] {
                guard let bytes = FileManager.default.contents(atPath: file) else { continue }
                // The pseudonym as its 32 bytes (the person table) and as hex text, either case (anything that writes it out).
                for (what, needle) in [("sample name", Data(t.name.utf8)), ("person key", Data(key(index).utf8)), ("pseudonym", pseudonym),
                                       ("pseudonym as hex", Data(hex.lowercased().utf8)), ("pseudonym as hex", Data(hex.uppercased().utf8))]
                    where bytes.range(of: needle) != nil {
                    found.append("\(what) in \((file as NSString).lastPathComponent)")
                }
            }
            return found
        }
        // The search finds what is there: before erasure the store (its file or its WAL) holds the name and the pseudonym.
        let found = leftovers()
        #expect(found.contains { $0.hasPrefix("sample name in erase.db") } && found.contains { $0.hasPrefix("pseudonym in erase.db") }, "\(found)")

        // When the person withdraws consent while the service answers
        let erase = try Shell.run([Shell.varde, "erase", "--store", store, "--person", key(index)], environment: ServiceFixture.env)
        #expect(erase.status == 0, "\(erase.stderr)")
        let after = try await server.call(allele, token: ServiceFixture.controlledToken)
        #expect(after.json["responseSummary"]?["exists"] == false, "the private allele is gone: \(after.json)")
        _ = try await server.call("/individuals?requestedGranularity=record", token: ServiceFixture.controlledToken)

        // Then no file holds the name, the key or the pseudonym: while serving, and after the service stops.
        #expect(leftovers().isEmpty, "while serving: \(leftovers())")
        #expect(server.stop() == 0)
        #expect(leftovers().isEmpty, "after the service stopped: \(leftovers())")
        // The other people are still there (the check can fail: their names are found).
        let other = samples[(index + 1) % samples.count]
        #expect(FileManager.default.contents(atPath: store)?.range(of: Data(other.utf8)) != nil)
    }
}
