import Foundation
import Testing
import TestSupport
import VardeService

/// The gene page's protein view (a lollipop) on real SnpEff output: 1000 Genomes over OR4F5 (GRCh37, 2,504 people,
/// ANN with HGVS.p on NM_001005484.1). The pins are the residues the file's own annotation names, one per residue,
/// drawn only from the variants the tier may see; anonymous callers get no picture.
@Suite("web UI: protein view", .serialized)
struct UIProteinTests {
    static let vcf = Fixtures.path("annotated/1kg_p3.OR4F5.snpeff.vcf.gz")
    static let transcript = "NM_001005484.1"

    /// Residue → variant IDs, from the file's ANN (HGVS.p of the transcript), read with bcftools.
    static func residues(in variants: Set<String>? = nil) throws -> [Int: Set<String>] {
        let table = try Shell.run(["bcftools", "query", "-f", "%CHROM-%POS-%REF-%ALT\\t%INFO/ANN\\n", vcf]).stdout
        var out: [Int: Set<String>] = [:]
        for line in table.split(separator: "\n") {
            let f = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard f.count == 2, variants?.contains(f[0]) ?? true else { continue }
            for ann in f[1].split(separator: ",") {
                let fields = ann.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard fields.count > 10, fields[6] == transcript, fields[10].hasPrefix("p.") else { continue }
                let digits = fields[10].dropFirst(2).drop { $0.isLetter }.prefix { $0.isNumber }
                if let r = Int(digits) { out[r, default: []].insert(f[0]) }
            }
        }
        return out
    }

    static func pins(_ html: String) -> [Int] {
        html.components(separatedBy: "data-residue=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
    }

    @Test("pins equal the residues of the file's HGVS.p, per tier; the genome view offers the protein view; anonymous sees none")
    func proteinView() async throws {
        try #require(Shell.has("bcftools"))
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        #expect(try Shell.run([Shell.varde, "load", "--quiet", "--store", store, Self.vcf], environment: ServiceFixture.env).status == 0)
        let server = try await LiveServer(store: store, environment: ServiceFixture.env)
        func page(_ path: String, _ token: String?) async throws -> String {
            let r = try await server.call(path, token: token)
            #expect(r.status == 200, "\(path): \(r.status)")
            return String(decoding: r.body, as: UTF8.self)
        }

        let genome = try await page("/ui/gene/OR4F5", ServiceFixture.controlledToken)
        #expect(genome.contains("href=\"/ui/gene/OR4F5?view=protein\""), "the genome view links the protein view")
        let all = try Self.residues()
        #expect(all.count > 15, "the file changes \(all.count) residues")
        let controlled = try await page("/ui/gene/OR4F5?view=protein", ServiceFixture.controlledToken)
        #expect(Set(Self.pins(controlled)) == Set(all.keys) && Self.pins(controlled).count == all.count)
        #expect(controlled.contains(Self.transcript) && controlled.contains("aria-current=\"page\">Protein"))

        // Registered: only the variants the API shows there (AC ≥ k), so only their residues.
        let api = try await server.call("/api/v1/variants?gene=OR4F5&limit=100", token: ServiceFixture.registeredToken)
        let shown = Set(api.json["variants"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [])
        #expect(!shown.isEmpty && shown.count < 24, "some variants are masked at the registered tier: \(shown.count) shown")
        let registered = try await page("/ui/gene/OR4F5?view=protein", ServiceFixture.registeredToken)
        #expect(Set(Self.pins(registered)) == Set(try Self.residues(in: shown).keys))

        // The download is the same picture.
        let svg = try await page("/ui/gene/OR4F5/plot.svg?view=protein", ServiceFixture.controlledToken)
        #expect(Set(Self.pins(svg)) == Set(all.keys))
        let anonymous = try await page("/ui/gene/OR4F5?view=protein", nil)
        #expect(Self.pins(anonymous).isEmpty && !anonymous.contains("<svg"))
    }
}
