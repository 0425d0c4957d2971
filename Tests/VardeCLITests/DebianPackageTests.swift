import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// The Debian package as an operator installs it (issue 19): `scripts/build-deb.sh` builds it with dpkg-deb,
/// `dpkg -i` installs it on this machine (root only: CI runs as root; elsewhere the test says why it did not run),
/// the postinst makes the `varde` user, `/var/lib/varde` (0700) and a root-only pseudonym secret, and the unit's
/// own `ExecStart` line, run as the unit's user (CI has no systemd), serves the Beacon from a store loaded with
/// the secret handed over as a systemd credential.
@Suite("the Debian package installs and its service starts", .serialized)
struct DebianPackageTests {
    static var canInstall: Bool { getuid() == 0 && Shell.has("dpkg-deb") && Shell.has("runuser") }

    @Test("dpkg -i, then the unit's ExecStart as User=varde: /info and a Beacon gene query answer; files owner-only")
    func installAndServe() async throws {
        guard Self.canInstall else {
            try #require(ProcessInfo.processInfo.environment["CI"] != "true", "CI runs as root with dpkg: the package test must run there")
            print("DebianPackageTests: not root or no dpkg-deb/runuser here; the package is tested in CI")
            return
        }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let build = try Shell.run([Fixtures.root.appendingPathComponent("scripts/build-deb.sh").path, "--binary", Shell.varde, "--out", dir.path])
        try #require(build.status == 0, "\(build.stderr)")
        let deb = build.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let contents = try Shell.run(["dpkg-deb", "-c", deb]).stdout
        for path in ["./usr/bin/varde", "./usr/share/varde/reference/genes.GRCh38.tsv", "./etc/varde/varde.json", "./lib/systemd/system/varde.service"] {
            #expect(contents.contains(path), "\(path) in the package")
        }
        let unit = try String(contentsOfFile: Fixtures.root.appendingPathComponent("packaging/debian/varde.service").path, encoding: .utf8)
        for line in ["User=varde", "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/varde"] { #expect(unit.contains(line)) }
        let install = try Shell.run(["dpkg", "-i", deb])
        try #require(install.status == 0, "\(install.stdout)\(install.stderr)")
        #expect(try Shell.run(["id", "-u", "varde"]).status == 0, "the varde user exists")
        func mode(_ path: String) throws -> Int { try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int ?? -1 }
        #expect(try mode("/var/lib/varde") == 0o700)
        #expect(try mode("/etc/varde/pseudonym.key") == 0o600)

        // A lab's load as the service user, the root-only secret handed over as systemd does with LoadCredential=.
        let store = "/var/lib/varde/package-test-\(UUID().uuidString).db"
        defer { for f in [store, store + "-wal", store + "-shm"] { try? FileManager.default.removeItem(atPath: f) } }
        let credentials = dir.appendingPathComponent("credentials").path
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/etc/varde/pseudonym.key", toPath: credentials + "/varde-pseudonym-key")
        let input = dir.appendingPathComponent("cohort.vcf.gz").path
        try FileManager.default.copyItem(atPath: Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz"), toPath: input)
        for p in [dir.path, credentials, credentials + "/varde-pseudonym-key", input] { _ = try Shell.run(["chown", "varde", p]) }
        let load = try Shell.run(["runuser", "-u", "varde", "--", "env", "-i", "CREDENTIALS_DIRECTORY=\(credentials)",
                                  "/usr/bin/varde", "load", "--quiet", "--store", store, input])
        try #require(load.status == 0, "\(load.stderr)")
        #expect(try mode(store) == 0o600)

        // The unit's ExecStart, as written, on this store and a free port.
        var words = unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") }!.dropFirst("ExecStart=".count).split(separator: " ").map(String.init)
        if let i = words.firstIndex(of: "--store") { words[i + 1] = store }
        let port = Int.random(in: 20_000..<60_000)
        words += ["--port", String(port)]
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
        serve.arguments = ["-u", "varde", "--", "env", "-i"] + words
        serve.currentDirectoryURL = URL(fileURLWithPath: "/")
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        defer {
            // runuser passes SIGTERM on to the service; the pkill catches a service runuser left behind.
            serve.terminate()
            _ = try? Shell.run(["pkill", "-TERM", "-f", "--", "varde serve --store \(store)"])
            serve.waitUntilExit()
        }
        func get(_ path: String) async -> (Int, String) {
            guard let url = URL(string: "http://127.0.0.1:\(port)\(path)"), let (data, response) = try? await URLSession.shared.data(from: url) else { return (0, "") }
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
        }
        var info = (0, "")
        for _ in 0..<100 where info.0 == 0 {
            try await Task.sleep(for: .milliseconds(100))
            info = await get("/info")
        }
        #expect(info.0 == 200 && info.1.contains("dk.example.region.varde"), "\(info)")
        let gene = await get("/g_variants?geneId=BRCA2")
        #expect(gene.0 == 200, "the installed gene table answers geneId: \(gene)")
        let allele = await get("/g_variants?referenceName=22&start=16050114&referenceBases=G&alternateBases=A")
        #expect(allele.1.contains("\"exists\":true"), "\(allele)")
        let page = await get("/ui/")
        #expect(page.0 == 200 && page.1.contains("<form"), "the web page: \(page.0)")
        // The audit log the packaged config names is written, owner-only, by the service user.
        #expect(try mode("/var/lib/varde/audit.jsonl") == 0o600)
    }
}
