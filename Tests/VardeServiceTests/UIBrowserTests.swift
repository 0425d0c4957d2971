import Foundation
import Testing
import TestSupport
import VardeService
import VariantCore
import VariantStore

/// Whether this machine can drive a real browser: Debian's chromium and Python's playwright and axe-playwright-python
/// (scripts/install-deps.sh installs all three). Without them the browser test is skipped, except under CI=true,
/// where it runs and fails, so CI never passes without having clicked through the pages.
enum Browser {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let python: String = {
        let venv = Fixtures.root.appendingPathComponent(".venv-ui/bin/python").path
        return FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
    }()
    static let hasPlaywright: Bool = (try? Shell.run([python, "-c", "import playwright, axe_playwright_python"]).status) == 0
    static var available: Bool { chromium != nil && hasPlaywright }
    static var ci: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }
    /// Where the screenshots go: VARDE_UI_SCREENSHOTS, or a temporary folder named in the test output.
    static let screenshots: String = {
        if let dir = ProcessInfo.processInfo.environment["VARDE_UI_SCREENSHOTS"], !dir.isEmpty {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            return dir
        }
        return try! Fixtures.temporaryDirectory().path
    }()
}

@Suite("Web UI in a real browser (chromium + Playwright + axe), once per tier, against a live varde serve")
struct UIBrowserTests {
    @Test("search a gene, open a variant from its mark, pick a cohort, toggle a filter, reload, download the CSV: every number equals the API's",
          .enabled(if: Browser.available || Browser.ci, "chromium or Python playwright/axe-playwright-python missing: run scripts/install-deps.sh (under CI=true this test fails instead)"))
    func walkThrough() async throws {
        try #require(Browser.chromium != nil, "CI=true but chromium is not installed (scripts/install-deps.sh)")
        try #require(Browser.hasPlaywright, "CI=true but \(Browser.python) cannot import playwright and axe_playwright_python (scripts/install-deps.sh)")
        let server = try await LiveServer(store: ServiceFixture.store, environment: ["VARDE_REFERENCE": UIFixture.reference])
        defer { _ = server.stop() }
        let script = Fixtures.root.appendingPathComponent("Tests/browser/ui_walkthrough.py").path
        // A variant common enough for the anonymous tier to see (AC of at least k), searched for in chr:pos ref>alt form.
        let common = try #require(try UITests().truth(tier: .registered).first)
        print("UI screenshots: \(Browser.screenshots)")
        for (tier, token) in [("anonymous", ""), ("registered", ServiceFixture.registeredToken), ("controlled", ServiceFixture.controlledToken)] {
            let run = try Shell.run([Browser.python, script, "--base", "http://127.0.0.1:\(server.port)", "--tier", tier, "--token", token,
                                     "--gene", "TESTG1", "--cohort", "first30", "--variant", common.variantID.description, "--k", "5",
                                     "--shots", Browser.screenshots])
            #expect(run.status == 0, "\(tier): \(run.stdout)\(run.stderr)")
            let summary = try? JSON(parsing: Data((run.stdout.split(separator: "\n").last.map(String.init) ?? "").utf8))
            #expect(summary?["failures"]?.arrayValue?.isEmpty == true, "\(tier): \(run.stdout)")
            #expect((summary?["screenshots"]?.arrayValue?.count ?? 0) >= 4, "\(tier): screenshots \(run.stdout)")
        }
        #expect(server.running, "varde serve survived the walk-through")
    }
}
