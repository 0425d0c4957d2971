import Foundation
import Testing
import TestSupport
import VardeService

/// Issue 20, files and logs: a client cannot write a line of its own into the audit log through request
/// parameters, headers or a POST body, and no token, pseudonym secret or person key reaches any log.
@Suite("issue 20: the audit log cannot be forged, and holds no secret (live server)", .serialized)
struct AuditForgeryTests {
    /// A fake audit record a client might try to smuggle in after a line break.
    static let forged = #"{"who":"ctl-user","tier":"controlled","status":200,"path":"/forged"}"#

    @Test("line breaks, quotes and fake records in parameters, bodies and headers stay inside one JSON line; no token or secret is logged")
    func cannotForge() async throws {
        let server = try await LiveServer(store: ServiceFixture.store, logLevel: "info")
        let reg = ServiceFixture.registeredToken
        let breaks = ["\n", "\r\n", "\u{2028}", "\"}\n"]
        var sent = 0
        // GET parameters: a control character is refused at the door (400), and the refusal is audited as one line.
        for b in breaks {
            let r = try await server.call("/g_variants?referenceName=22\(encoded(b + Self.forged))&start=16050000&end=16052000", token: reg)
            sent += 1
            #expect(b == "\u{2028}" ? r.status < 500 : r.status == 400, "\(b.debugDescription): \(r.status)")
        }
        // A parameter with quotes and braces but no control character is answered, and logged escaped.
        let quoted = try await server.call("/g_variants?referenceName=\(encoded(#"22","who":"ctl-user"#))&start=16050000&end=16052000", token: reg)
        sent += 1
        #expect(quoted.status < 500)
        // POST bodies: the strings are JSON values; the audit keeps them as values.
        for b in breaks {
            let body = try JSONSerialization.data(withJSONObject: ["meta": ["apiVersion": "v2.1.1"],
                "query": ["requestParameters": ["referenceName": "22" + b + Self.forged, "start": [16050000], "end": [16052000]],
                          "filters": [["id": "NCIT:C16576" + b + Self.forged]]]])
            _ = try await server.call("/g_variants", token: reg, method: "POST", body: body, headers: ["Content-Type": "application/json"])
            sent += 1
        }
        // Headers a client controls: the User-Agent and a forwarded address (not trusted: no proxy is named).
        _ = try await server.call("/info", headers: ["User-Agent": Self.forged, "X-Forwarded-For": #"1.2.3.4", "who": "ctl-user"#])
        sent += 1
        // A real request with a valid token, and one with a wrong token that looks like a real one.
        #expect(try await server.call("/info", token: reg).status == 200)
        #expect(try await server.call("/info", token: reg + "x").status == 401)
        sent += 2
        #expect(server.stop() == 0)

        let audit = try String(contentsOfFile: server.auditPath, encoding: .utf8)
        let lines = audit.split(separator: "\n", omittingEmptySubsequences: true)
        // One line per request, each a JSON object; none was written by a client.
        #expect(lines.count == sent, "\(lines.count) audit lines for \(sent) requests")
        for line in lines {
            let record = try JSON(parsing: Data(line.utf8))
            #expect(record["who"]?.stringValue != "ctl-user", "a forged identity: \(line)")
            #expect(record["path"]?.stringValue != "/forged", "a forged record: \(line)")
            #expect(record["status"]?.intValue != nil, "every line has its own status: \(line)")
        }
        #expect(!audit.contains("\u{2028}"), "U+2028 is escaped, so a log viewer does not break the line")
        // No secret anywhere in the audit log or the service log: the tokens, the pseudonym key.
        let serviceLog = try String(contentsOfFile: server.stderrPath, encoding: .utf8)
        #expect(!serviceLog.isEmpty, "the service log was written, so the search below can fail")
        for secret in [reg, ServiceFixture.controlledToken, ServiceFixture.env["VARDE_PSEUDONYM_KEY"]!] {
            #expect(!audit.contains(secret) && !serviceLog.contains(secret), "a secret in the logs")
        }
        // The service log is one structured line per request too: a forged line break there would split it.
        #expect(!serviceLog.split(separator: "\n").contains { $0.hasPrefix(#"{"who""#) }, "a client's text began a service log line")
    }
}
