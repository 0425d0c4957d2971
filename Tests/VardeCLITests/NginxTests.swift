import Foundation
import Testing
import TestSupport

/// TLS termination as docs/operations.md sets it up: Debian's nginx with packaging/nginx/varde.conf (listen moved
/// to a free loopback port, a self-signed certificate) in front of a real `varde serve`. packaging/nginx/try.sh
/// makes the requests and prints a PASS or FAIL line per check: Beacon GET and POST over https, TLS 1.2+ only, the
/// request id through all three logs, the session cookie made Secure, /metrics only from the monitoring address,
/// one budget per client behind the proxy and a forged X-Forwarded-For ignored.
@Suite("nginx in front of varde serve")
struct NginxTests {
    @Test("packaging/nginx/varde.conf: every check of try.sh passes through a live nginx")
    func throughNginx() throws {
        guard Shell.has("nginx") || FileManager.default.isExecutableFile(atPath: "/usr/sbin/nginx") else {
            try #require(ProcessInfo.processInfo.environment["CI"] != "true", "CI installs nginx (scripts/install-deps.sh): the nginx test must run there")
            print("NginxTests: nginx is not installed here (apt-get install nginx); it is tested in CI")
            return
        }
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = dir.appendingPathComponent("s.db").path
        let env = ["VARDE_PSEUDONYM_KEY": "nginx-test-secret-0123456789abcdef"]
        let load = try Shell.run([Shell.varde, "load", "--quiet", "--store", store, Fixtures.path("cohort/1kg_p3.chr22_16050000-16061300.vcf.gz")], environment: env)
        try #require(load.status == 0, "\(load.stderr)")
        let r = try Shell.run([Fixtures.root.appendingPathComponent("packaging/nginx/try.sh").path, Shell.varde, store], environment: env)
        let lines = r.stdout.split(separator: "\n")
        let failed = lines.filter { $0.hasPrefix("FAIL") }
        #expect(r.status == 0 && failed.isEmpty, "\(failed.joined(separator: "\n"))\n\(r.stderr.suffix(2000))")
        #expect(lines.filter { $0.hasPrefix("PASS") }.count >= 20, "\(r.stdout)")
    }
}
