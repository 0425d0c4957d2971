import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport
@testable import VardeService
import VariantCore
import VariantQuery
import VariantStore
import VariantStoreSQLite

/// The chr22 slice holds no gene of the GENCODE table, so the UI tests place two over it: TESTG1 over the whole
/// slice, TESTG2 over its second half, and the alias TESTG naming both (an ambiguous search).
enum UIFixture {
    static let reference: String = {
        let dir = try! Fixtures.temporaryDirectory()
        try! "#SYMBOL\tENTREZ\tCHROM\tSTART\tEND\tSTRAND\nTESTG1\t1\t22\t16050000\t16061300\t+\nTESTG2\t2\t22\t16055000\t16061300\t-\n"
            .write(toFile: dir.appendingPathComponent("genes.GRCh37.tsv").path, atomically: true, encoding: .utf8)
        try! "TESTG\tTESTG1\nTESTG\tTESTG2\n".write(toFile: dir.appendingPathComponent("gene-aliases.tsv").path, atomically: true, encoding: .utf8)
        return dir.path
    }()

    static func state(audit: String? = nil, config: ServiceConfiguration = ServiceFixture.config()) throws -> ServiceState {
        try ServiceFixture.state(config: config, audit: audit, genes: GeneIndex(directory: reference))
    }
}

/// A page as the browser gets it.
struct Page {
    var status: Int
    var text: String
    var headers: HTTPFields
}

extension TestClientProtocol {
    func page(_ uri: String, cookie: String? = nil, token: String? = nil, method: HTTPRequest.Method = .get, form: String? = nil,
              origin: String? = nil) async throws -> Page {
        var h = HTTPFields()
        if let cookie { h[.cookie] = "\(UI.cookieName)=\(cookie)" }
        if let token { h[.authorization] = "Bearer \(token)" }
        if form != nil { h[.contentType] = "application/x-www-form-urlencoded" }
        if let origin { h[HTTPField.Name("Origin")!] = origin }
        return try await execute(uri: uri, method: method, headers: h, body: form.map { ByteBuffer(string: $0) }) { r in
            Page(status: r.status.code, text: String(buffer: r.body), headers: r.headers)
        }
    }
}

@Suite("Web UI: pages, tiers, search, CSV, sign-in (in-process)")
struct UITests {
    static let reg = ServiceFixture.registeredToken, ctl = ServiceFixture.controlledToken
    static let k = 5

    func truth(tier: AccessTier, cohort: String? = nil) throws -> [VariantAggregate] {
        let store = try SQLiteVariantStore(path: ServiceFixture.store)
        let members = try cohort.flatMap { try store.cohort(named: $0) }
        let d = Disclosure(k: Self.k, tier: tier)
        return try store.aggregates(in: Region(contig: "22", start: 16050000, end: 16061300), cohort: members).filter(d.shows)
    }

    /// The variant IDs of a page's plot marks, sorted (the plot draws common variants last, on top).
    func marks(_ html: String) -> [String] {
        html.matches(of: /<a class="mark" href="[^"]*" data-id="([^"]+)"[^>]*>/)
            .map { String($0.1).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">") }.sorted()
    }

    @Test("a gene page draws one mark per variant the tier may see, each linking its variant page; anonymous sees presence only")
    func genePageMarksPerTier() async throws {
        let app = ServiceFixture.app(try UIFixture.state())
        try await app.test(.router) { client in
            for (token, tier) in [(Self.reg, AccessTier.registered), (Self.ctl, .controlled)] {
                let want = try truth(tier: tier)
                let p = try await client.page("/ui/gene/TESTG1", cookie: token)
                #expect(p.status == 200)
                #expect(marks(p.text) == want.map(\.variantID.description).sorted(), "\(tier)")
                #expect(p.text.contains("of \(want.count) variants"))
                #expect(p.text.contains("href=\"/ui/variant/\(want[0].variantID)\""))
                #expect(p.text.contains("data-tier=\"\(tier.name)\""))
                // The API answers the same total for the same token.
                let api = try await client.call("/api/v1/variants?gene=TESTG1", token: token)
                #expect(api.json["total"]?.intValue == want.count)
            }
            // Registered masks rare variants: fewer marks than controlled.
            #expect(try truth(tier: .registered).count < truth(tier: .controlled).count)
            let anon = try await client.page("/ui/gene/TESTG1")
            #expect(anon.status == 200)
            #expect(anon.text.contains("Variants present"))
            #expect(!anon.text.contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"track\""))
            #expect(!anon.text.contains("<table"))
            #expect(marks(anon.text).isEmpty)
        }
    }

    @Test("registered cells below k read '< k', controlled cells are exact; the variant page's counts equal the API's")
    func suppressionAndVariantPage() async throws {
        let app = ServiceFixture.app(try UIFixture.state())
        let inCohort = try truth(tier: .registered, cohort: "first30")
        // A variant the registered tier sees whose hom-alt count is below k (withheld as small).
        let small = try #require(inCohort.first { $0.nHomAlt > 0 && $0.nHomAlt < Self.k && $0.ref.count == 1 && $0.alt.count == 1 })
        // A symbolic allele (a copy-number call) has a page too, though VariantID cannot spell it.
        let symbolic = try #require(inCohort.first { $0.alt.hasPrefix("<") })
        try await app.test(.router) { client in
            let cnv = try await client.page("/ui/variant/\(encoded(symbolic.variantID.description))", cookie: Self.reg)
            #expect(cnv.status == 200)
            #expect(cnv.text.contains("<td class=\"num\">\(UIPlot.grouped(symbolic.ac))</td>"))
            let reg = try await client.page("/ui/variant/\(small.variantID)?cohort=first30", cookie: Self.reg)
            #expect(reg.status == 200)
            let af = UI.afText(Double(small.ac) / Double(small.an))
            #expect(reg.text.contains("<th scope=\"row\">All people in the store</th><td class=\"num\">\(UIPlot.grouped(small.ac))</td><td class=\"num\">\(UIPlot.grouped(small.an))</td><td class=\"num\">\(af)</td><td class=\"num\">&lt; \(Self.k)</td>"), "\(reg.text)")
            // The cohort row says what the API says: a count, "< k", or "withheld" (tracker defence).
            let api = try await client.call("/api/v1/variants/\(small.variantID)?cohort=first30", token: Self.reg)
            let cohort = api.json["variants"]?.arrayValue?.first?["cohort"]
            #expect(reg.text.contains("<th scope=\"row\">Cohort first30</th><td class=\"num\">\(UI.count(cohort, "ac", k: Self.k).replacingOccurrences(of: "<", with: "&lt;"))</td>"))
            let ctl = try await client.page("/ui/variant/\(small.variantID)?cohort=first30", cookie: Self.ctl)
            #expect(ctl.text.contains("<td class=\"num\">\(af)</td><td class=\"num\">\(small.nHomAlt)</td>"))
            #expect(ctl.text.contains("<th scope=\"row\">Cohort first30</th><td class=\"num\">\(small.cohort!.ac)</td>"))
            #expect(!ctl.text.contains("&lt; \(Self.k)"))
            // A gene page with the cohort shows the same suppression in its table.
            let gene = try await client.page("/ui/gene/TESTG1?cohort=first30", cookie: Self.reg)
            #expect(gene.text.contains("&lt; \(Self.k)"))
            // A variant the registered tier may not see reads as not found, as the API does.
            let rare = try #require(try truth(tier: .controlled).first { $0.ac > 0 && $0.ac < Self.k && $0.tumours < Self.k })
            let hidden = try await client.page("/ui/variant/\(rare.variantID)", cookie: Self.reg)
            #expect(hidden.text.contains("Not found at your tier"))
            #expect(try await client.call("/api/v1/variants/\(rare.variantID)", token: Self.reg).json["total"]?.intValue == 0)
            let anon = try await client.page("/ui/variant/\(rare.variantID)")
            #expect(anon.text.contains(">Not present<"))
            let common = try #require(try truth(tier: .registered).first)
            #expect(try await client.page("/ui/variant/\(common.variantID)").text.contains(">Present<"))
        }
    }

    @Test("the search box normalises variant, region and position forms, resolves rsIDs, lists an alias's genes and escapes what it echoes")
    func search() async throws {
        let app = ServiceFixture.app(try UIFixture.state())
        let v = try #require(try truth(tier: .registered).first { $0.rsid != nil })
        try await app.test(.router) { client in
            for (q, location) in [("22-16050075-A-G", "/ui/variant/22-16050075-A-G"), ("chr22:16050075 A>G", "/ui/variant/22-16050075-A-G"),
                                  ("CHR22:16,050,000-16,051,000", "/ui/region/22-16050000-16051000"), ("22:16050075", "/ui/region/22-16050055-16050095"),
                                  ("testg1", "/ui/gene/TESTG1"), ("", "/ui/")] {
                let r = try await client.page("/ui/search?q=\(encoded(q))", cookie: Self.reg)
                #expect(r.status == 303, "\(q)")
                #expect(r.headers[.location] == location, "\(q)")
            }
            // Genomic HGVS of a variant the tier may see lands on its page; the singleton 22-16050075-A-G is masked.
            let snv = try #require(try truth(tier: .registered).first { $0.ref.count == 1 && $0.alt.count == 1 })
            let hgvs = try await client.page("/ui/search?q=\(encoded("NC_000022.10:g.\(snv.position)\(snv.ref)>\(snv.alt)"))", cookie: Self.reg)
            #expect(hgvs.headers[.location] == "/ui/variant/\(snv.variantID)", "\(hgvs.status) \(hgvs.text)")
            let masked = try await client.page("/ui/search?q=\(encoded("NC_000022.10:g.16050075A>G"))", cookie: Self.reg)
            #expect(masked.text.contains("No variant found for NC_000022.10:g.16050075A&gt;G at your access tier."))
            let region = try await client.page("/ui/region/22-16050000-16051000")
            #expect(region.status == 200 && region.text.contains("Variants present"), "anonymous region page: presence only")
            let rs = try await client.page("/ui/search?q=\(v.rsid!)&cohort=first30", cookie: Self.reg)
            #expect(rs.headers[.location] == "/ui/variant/\(v.variantID)?cohort=first30")
            let alias = try await client.page("/ui/search?q=TESTG", cookie: Self.reg)
            #expect(alias.status == 200)
            #expect(alias.text.contains("href=\"/ui/gene/TESTG1\"") && alias.text.contains("href=\"/ui/gene/TESTG2\""))
            let hostile = try await client.page("/ui/search?q=\(encoded("<script>alert(1)</script>"))", cookie: Self.reg)
            #expect(hostile.status == 400)
            #expect(!hostile.text.contains("<script>alert"))
            #expect(hostile.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
            let coding = try await client.page("/ui/search?q=\(encoded("NM_000059.4:c.68-7T>A"))", cookie: Self.reg)
            #expect(coding.text.contains("not supported yet"))
        }
    }

    @Test("every /ui/ answer carries the CSP and no-store; sign-in sets an HttpOnly, SameSite=Strict cookie on /ui/; a bad token is refused and audited")
    func signInAndHeaders() async throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let auditPath = dir.appendingPathComponent("audit.jsonl").path
        let app = ServiceFixture.app(try UIFixture.state(audit: auditPath))
        try await app.test(.router) { client in
            let home = try await client.page("/ui/")
            #expect(home.status == 200)
            #expect(home.headers[.contentSecurityPolicy]?.hasPrefix("default-src 'self'") == true)
            #expect(home.headers[.cacheControl] == "no-store")
            #expect(!home.text.contains("<script>"), "no inline script")
            // Example searches come from the store: a common variant of the slice, in two spellings, and a region.
            #expect(home.text.matches(of: /<li><a href="\/ui\/search\?q=22-160[0-9]+-[ACGT]+-[ACGT]+">/).count == 1, "\(home.text)")
            let ok = try await client.page("/ui/login", method: .post, form: "token=\(Self.reg)")
            #expect(ok.status == 303)
            let cookie = try #require(ok.headers[.setCookie])
            #expect(cookie.hasPrefix("\(UI.cookieName)=\(Self.reg);"))
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/ui/"] { #expect(cookie.contains(attribute), "\(cookie)") }
            let bad = try await client.page("/ui/login", method: .post, form: "token=wrong-token")
            #expect(bad.status == 401)
            #expect(bad.headers[.setCookie] == nil)
            let foreign = try await client.page("/ui/login", method: .post, form: "token=\(Self.reg)", origin: "http://evil.example")
            #expect(foreign.status == 403)
            // A stale cookie is cleared and sends the browser to sign in; the API ignores the cookie altogether.
            let stale = try await client.page("/ui/gene/TESTG1", cookie: "revoked-token")
            #expect(stale.status == 303)
            #expect(stale.headers[.location] == "/ui/login")
            #expect(stale.headers[.setCookie]?.contains("Max-Age=0") == true)
            #expect(try await client.page("/api/v1/variants?gene=TESTG1", cookie: Self.reg).status == 401)
            let out = try await client.page("/ui/logout", cookie: Self.reg, method: .post)
            #expect(out.headers[.setCookie]?.contains("Max-Age=0") == true)
            for asset in ["ui.css", "ui.js", "favicon.svg"] {
                let r = try await client.page("/ui/assets/\(asset)")
                #expect(r.status == 200)
                #expect(r.headers[.contentSecurityPolicy] != nil)
            }
        }
        let lines = try String(contentsOfFile: auditPath, encoding: .utf8).split(separator: "\n").map { try JSON(parsing: Data($0.utf8)) }
        #expect(lines.contains { $0["query"]?.stringValue == "ui sign-in" && $0["who"]?.stringValue == "reg-user" })
        #expect(lines.contains { $0["query"]?.stringValue == "ui sign-in failed" && $0["status"]?.intValue == 401 })
        #expect(lines.contains { $0["path"]?.stringValue == "/ui/gene/TESTG1" && $0["status"]?.intValue == 401 })
    }

    @Test("a page spends one request of the budget (its static files none), and a spent budget is a 429 page; the page and the API share one budget")
    func budget() async throws {
        let app = ServiceFixture.app(try UIFixture.state(config: ServiceFixture.config { $0.requestsPerTokenPerWindow = 3 }))
        try await app.test(.router) { client in
            for _ in 0..<3 {
                #expect(try await client.page("/ui/gene/TESTG1", cookie: Self.reg).status == 200)
                for asset in ["ui.css", "ui.js", "favicon.svg"] { #expect(try await client.page("/ui/assets/\(asset)", cookie: Self.reg).status == 200) }
            }
            let spent = try await client.page("/ui/gene/TESTG1", cookie: Self.reg)
            #expect(spent.status == 429)
            #expect(spent.headers[.contentType]?.hasPrefix("text/html") == true && spent.text.contains("query budget"))
            #expect(try await client.call("/api/v1/variants?gene=TESTG1", token: Self.reg).status == 429, "one budget for the page and the API")
        }
    }

    @Test("the UI's CSV holds every row of the view (past one API page), as the API's format=csv writes them; filters and sort live in the URL")
    func csvAndFilters() async throws {
        let app = ServiceFixture.app(try UIFixture.state())
        let want = try truth(tier: .registered, cohort: "first30")
        try await app.test(.router) { client in
            let csv = try await client.page("/ui/download?gene=TESTG1&cohort=first30", cookie: Self.reg)
            #expect(csv.status == 200)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\r\n").map(String.init)
            #expect(lines.count == want.count + 1)
            #expect(want.count > 100, "the fixture gene spans more than one API page")
            #expect(lines.dropFirst().map { String($0.split(separator: ",")[0]) } == want.map(\.variantID.description))
            // The API's own CSV of its first page is the UI's first 100 lines.
            let api = try await client.page("/api/v1/variants?gene=TESTG1&cohort=first30&format=csv", token: Self.reg)
            #expect(api.headers[.contentType]?.hasPrefix("text/csv") == true)
            #expect(api.text.split(separator: "\r\n").map(String.init) == Array(lines.prefix(101)))
            // A suppressed cohort count is a blank cell with the reason in the last column.
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let acColumn = try #require(header.firstIndex(of: "cohort_ac"))
            let small = try #require(want.first { ($0.cohort?.ac ?? 0) > 0 && ($0.cohort?.ac ?? 0) < Self.k })
            let line = try #require(lines.first { $0.hasPrefix(small.variantID.description + ",") })
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(cells[acColumn].isEmpty)
            #expect(cells.last?.contains("below \(Self.k)") == true)
            // Sorted by AF descending, the first mark... the first table row is the most frequent variant.
            let sorted = try await client.page("/ui/gene/TESTG1?sort=-af", cookie: Self.reg)
            let top = try truth(tier: .registered).max { ($0.af ?? 0) < ($1.af ?? 0) }!
            let firstRow = try #require(sorted.text.firstMatch(of: /<tr data-id="([^"]+)"/))
            #expect(String(firstRow.1) == top.variantID.description)
            #expect(sorted.text.contains("aria-sort=\"descending\""))
            // maxaf filters the plot and the table alike.
            let capped = try await client.page("/ui/gene/TESTG1?maxaf=0.01", cookie: Self.reg)
            let expected = try truth(tier: .registered).filter { ($0.af ?? 0) <= 0.01 }
            #expect(marks(capped.text) == expected.map(\.variantID.description).sorted())
            // The plot downloads as SVG with the same marks as the page, and a legend.
            let plot = try await client.page("/ui/gene/TESTG1/plot.svg?maxaf=0.01", cookie: Self.reg)
            #expect(plot.status == 200)
            #expect(plot.headers[.contentType] == "image/svg+xml")
            #expect(marks(plot.text) == expected.map(\.variantID.description).sorted())
            #expect(plot.text.contains(">Loss of function</text>"))
            #expect(try await client.page("/ui/gene/TESTG1/plot.svg").status == 401)
            #expect(try await client.page("/ui/gene/TESTG1?origin=nonsense", cookie: Self.reg).status == 400)
            #expect(try await client.page("/ui/download?gene=TESTG1").status == 401)
        }
    }

    @Test("a region of tumour calls: somatic marks below the axis at the controlled tier, the variant page's tumour count and VAF equal the API's")
    func somaticRegion() async throws {
        let store = SomaticBeaconTests.store
        let all = try SQLiteVariantStore(path: store).aggregates(in: Region(contig: "1", start: 1, end: 5_000_000))
        let somatic = all.filter { $0.tumours > 0 }
        let first = try #require(somatic.first)
        let app = ServiceFixture.app(try ServiceFixture.state(store: store, genes: GeneIndex(directory: UIFixture.reference)))
        try await app.test(.router) { client in
            let page = try await client.page("/ui/region/1-1-5000000?origin=somatic", cookie: Self.ctl)
            #expect(page.status == 200)
            #expect(marks(page.text) == somatic.map(\.variantID.description).sorted())
            #expect(!page.text.contains("no somatic calls here"))
            // Each somatic mark's circle sits below the axis.
            let ys = page.text.matches(of: /<circle cx="[0-9.]+" cy="([0-9.]+)" r="[0-9.]+" fill="#CC79A7"/).map { Double($0.1)! }
            #expect(ys.count == somatic.count && ys.allSatisfy { $0 > UIPlot.axisY })
            let v = try await client.page("/ui/variant/\(first.variantID)", cookie: Self.ctl)
            let api = try await client.call("/api/v1/variants/\(first.variantID)", token: Self.ctl)
            let tumours = try #require(api.json["variants"]?.arrayValue?.first?["somatic"]?["tumours"]?.intValue)
            #expect(v.text.contains("Tumours carrying it: <strong>\(tumours)</strong>"))
            // Below controlled a one-tumour call is masked, as the API masks it.
            #expect(try await client.page("/ui/variant/\(first.variantID)", cookie: Self.reg).text.contains("Not found at your tier") == (first.tumours < Self.k && first.ac < Self.k))
        }
    }

    @Test("SVG: somatic marks below the axis sized by tumours, a withheld AF hollow, a density histogram above the threshold, text escaped")
    func plot() throws {
        let germ = UIPlot.Mark(id: "1-100-A-G", position: 100, af: 0.2, germline: true, tumours: 0, category: .lof, title: "<b>", href: "/ui/variant/1-100-A-G")
        let withheld = UIPlot.Mark(id: "1-150-A-C", position: 150, af: nil, germline: true, tumours: 0, category: .missense, title: "w", href: "/x")
        let somatic = UIPlot.Mark(id: "1-200-C-T", position: 200, af: nil, germline: false, tumours: 7, category: .other, title: "s", href: "/y")
        let svg = UIPlot.track([germ, withheld, somatic], start: 1, end: 300, strand: "+", label: "G&1", maxAN: 1000)
        #expect(!svg.contains("<b>") && svg.contains("&lt;b&gt;") && svg.contains("G&amp;1"))
        let circle = try #require(svg.firstMatch(of: /<a class="mark" href="\/y"[^>]*><title>s<\/title><line[^>]*\/><circle cx="[0-9.]+" cy="([0-9.]+)"/))
        #expect(Double(circle.1)! > UIPlot.axisY, "somatic below the axis")
        #expect(svg.contains("fill=\"#fff\" stroke=\"#0072B2\""), "withheld AF drawn hollow")
        let many = (0..<(UIPlot.densityThreshold + 1)).map { i in
            UIPlot.Mark(id: "1-\(i + 1)-A-G", position: i + 1, af: 0.1, germline: true, tumours: 0, category: .other, title: "", href: "/")
        }
        let dense = UIPlot.track(many, start: 1, end: many.count, strand: nil, label: "big", maxAN: 100)
        #expect(!dense.contains("class=\"mark\""))
        #expect(dense.contains("variants: density per bin"))
    }
}
