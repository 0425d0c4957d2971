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

/// Exons on the gene page's track, from an Ensembl GFF3 through scripts/build-exon-table.py: the real GFF bcftools
/// csq tests with (GHRL and SEC13 with all their transcripts, positions on bcftools' cut-down chromosome 3).
@Suite("web UI: exons on the gene track", .serialized)
struct UIExonTests {
    static let gff = Fixtures.path("transcripts/GHRL-SEC13.ensembl.gff3")

    /// Transcript → (exons, CDS length), read from the GFF with awk.
    static func transcripts() throws -> [String: (exons: [String], cds: Int)] {
        let exons = try Shell.run(["awk", "-F\t", "$3==\"exon\" { match($9, /Parent=transcript:[^;]+/); print substr($9, RSTART+18, RLENGTH-18) \"\\t\" $4 \"-\" $5 }", gff]).stdout
        let cds = try Shell.run(["awk", "-F\t", "$3==\"CDS\" { match($9, /Parent=transcript:[^;]+/); n[substr($9, RSTART+18, RLENGTH-18)] += $5 - $4 + 1 } END { for (t in n) print t \"\\t\" n[t] }", gff]).stdout
        var out: [String: (exons: [String], cds: Int)] = [:]
        for line in exons.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            out[f[0], default: ([], 0)].exons.append(f[1])
        }
        for line in cds.split(separator: "\n") {
            let f = line.split(separator: "\t").map(String.init)
            out[f[0], default: ([], 0)].cds = Int(f[1]) ?? 0
        }
        return out
    }

    @Test("the gene page draws the exons of the transcript with the longest CDS (no canonical tag in this file), as the GFF has them")
    func exonsOnTrack() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = dir.appendingPathComponent("reference").path
        try FileManager.default.createDirectory(atPath: reference, withIntermediateDirectories: true)
        let table = try Shell.run(["python3", Fixtures.root.appendingPathComponent("scripts/build-exon-table.py").path, Self.gff, "GRCh37"])
        try #require(table.status == 0, "\(table.stderr)")
        try table.stdout.write(toFile: reference + "/exons.GRCh37.tsv", atomically: true, encoding: .utf8)
        // The gene extents, from the GFF's gene rows.
        let genes = try Shell.run(["awk", "-F\t", "$3 ~ /gene$/ && $9 ~ /Name=/ { match($9, /Name=[^;]+/); print substr($9, RSTART+5, RLENGTH-5) \"\\t0\\t\" $1 \"\\t\" $4 \"\\t\" $5 \"\\t\" $7 }", Self.gff]).stdout
        try ("#SYMBOL\tENTREZ\tCHROM\tSTART\tEND\tSTRAND\n" + genes).write(toFile: reference + "/genes.GRCh37.tsv", atomically: true, encoding: .utf8)
        let store = dir.appendingPathComponent("s.db").path
        let load = try Shell.run([Shell.varde, "load", "--quiet", "--assembly", "GRCh37", "--store", store, Fixtures.path("transcripts/GHRL.multiallelic.vcf")],
                                 environment: ServiceFixture.env)
        try #require(load.status == 0, "\(load.stderr)")
        let server = try await LiveServer(store: store, environment: ServiceFixture.env.merging(["VARDE_REFERENCE": reference]) { $1 })
        let r = try await server.call("/ui/gene/GHRL", token: ServiceFixture.controlledToken)
        #expect(r.status == 200)
        let html = String(decoding: r.body, as: UTF8.self)
        let drawn = html.components(separatedBy: "data-exon=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        let all = try Self.transcripts()
        let ghrl = all.filter { html.contains("exons of \($0.key)") }
        try #require(ghrl.count == 1, "the caption names one transcript")
        let (chosen, want) = (ghrl.first!.key, ghrl.first!.value)
        #expect(drawn.sorted() == want.exons.sorted(), "\(chosen): drawn \(drawn), GFF \(want.exons)")
        // GHRL's transcripts are those whose exons lie in its extent; none has a longer CDS than the one drawn.
        let gene = try #require(genes.split(separator: "\n").first { $0.hasPrefix("GHRL\t") }?.split(separator: "\t"))
        let (gs, ge) = (Int(gene[3])!, Int(gene[4])!)
        let inGene = all.filter { $0.value.exons.allSatisfy { e in let p = e.split(separator: "-").compactMap { Int($0) }; return p[0] >= gs && p[1] <= ge } }
        #expect(inGene.count > 3, "GHRL has several transcripts in the file: \(inGene.count)")
        #expect(inGene.values.map(\.cds).max() == want.cds && want.cds > 0)
        // The variant at 3:279 is drawn as a mark on the same track.
        #expect(html.contains("data-id=\"3-279-"))
    }
}
