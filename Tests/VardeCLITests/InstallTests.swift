import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// An operator's install (issue 19, part 1): `scripts/install.sh --prefix DIR` puts `bin/varde` and
/// `share/varde/reference` under DIR, and the installed binary, run from an empty folder with no environment at
/// all, finds its gene tables and HGNC table (gene query, Beacon geneId, FHIR export) without a checkout.
@Suite("scripts/install.sh: the installed binary needs no checkout and no environment", .serialized)
struct InstallTests {
    @Test("installed under a prefix, run with env -i from an empty folder: --gene BRAF, a Beacon geneId query, the web page and a FHIR export answer")
    func installedBinaryIsSelfContained() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prefix = dir.appendingPathComponent("opt").path
        let install = try Shell.run([Fixtures.root.appendingPathComponent("scripts/install.sh").path, "--prefix", prefix, "--binary", Shell.varde])
        try #require(install.status == 0, "\(install.stderr)")
        let varde = prefix + "/bin/varde"
        #expect(FileManager.default.fileExists(atPath: prefix + "/share/varde/reference/genes.GRCh38.tsv"))
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let store = dir.appendingPathComponent("s.db").path
        let load = try Shell.run([varde, "load", "--quiet", "--assembly", "GRCh38", "--store", store, Fixtures.path("somatic/T001-COAD.grch38.panel.vcf")],
                                 environment: ["VARDE_PSEUDONYM_KEY": "install-test-secret-0123456789"])
        try #require(load.status == 0, "\(load.stderr)")
        func bare(_ args: [String]) throws -> Shell.Result {
            // env -i: not even PATH or HOME; the working folder holds nothing.
            try Shell.run(["/usr/bin/env", "-i", "/bin/sh", "-c", "cd '\(empty.path)' && exec " + args.map { "'\($0)'" }.joined(separator: " ")])
        }
        // The gene query finds BRAF V600E (chr7:140753336 A>T on GRCh38) through the installed gene table.
        let q = try bare([varde, "query", "--store", store, "--gene", "BRAF"])
        #expect(q.status == 0, "\(q.stderr)")
        #expect(q.stdout.split(separator: "\n").contains { $0.hasPrefix("7\t140753336\t.\tA\tT\t") }, "\(q.stdout)")
        // And the same binary outside the installed layout (a copy alone in a folder) says where the data must be.
        let alone = dir.appendingPathComponent("alone").path
        try FileManager.default.createDirectory(atPath: alone, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: varde, toPath: alone + "/varde")
        let lost = try bare([alone + "/varde", "query", "--store", store, "--gene", "BRAF"])
        #expect(lost.status == 1 && lost.stderr.contains("scripts/install.sh"), "\(lost.stderr)")
        // The FHIR export reads the HGNC table from the installed data.
        let fhir = try bare([varde, "fhir", "export", "--store", store, "--sample", "TCGA-A6-2686-01A-01D-1408-10_TCGA-A6-2686-10A-01D-2188-10",
                             "--out", dir.appendingPathComponent("fhir").path, "--format", "ndjson"])
        #expect(fhir.status == 0, "\(fhir.stderr)")
        let observations = (try? String(contentsOfFile: dir.appendingPathComponent("fhir/Observation.ndjson").path, encoding: .utf8)) ?? ""
        #expect(observations.contains("HGNC:1097"), "BRAF's HGNC id from the installed hgnc.tsv")
        // The service answers a Beacon gene query (501 would mean no gene table).
        let port = Int.random(in: 20_000..<60_000)
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: varde)
        serve.arguments = ["serve", "--store", store, "--port", String(port)]
        serve.environment = [:]
        serve.currentDirectoryURL = empty
        serve.standardError = FileHandle.nullDevice
        serve.standardOutput = FileHandle.nullDevice
        try serve.run()
        defer { if serve.isRunning { serve.terminate(); serve.waitUntilExit() } }
        var status = 0
        for _ in 0..<100 where status == 0 {
            try await Task.sleep(for: .milliseconds(100))
            if let url = URL(string: "http://127.0.0.1:\(port)/g_variants?geneId=BRAF"),
               let (_, response) = try? await URLSession.shared.data(from: url) {
                status = (response as? HTTPURLResponse)?.statusCode ?? 0
            }
        }
        #expect(status == 200, "geneId=BRAF answered \(status)")
        // and the web page, whose templates and assets are in the binary.
        let page = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/ui/")!)
        #expect((page.1 as? HTTPURLResponse)?.statusCode == 200 && String(decoding: page.0, as: UTF8.self).contains("<form"), "the /ui/ page")
    }
}
