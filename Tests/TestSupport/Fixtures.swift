public import Foundation

/// Paths to the committed fixtures and to the optional whole corpus.
public enum Fixtures {
    /// The repository root, found from this source file's location.
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `fixtures/<relative>`.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent("fixtures").appendingPathComponent(relative).path
    }

    /// The whole-corpus folder named by `VARDE_CORPUS` (CI points it at `../shared/vcf-testdata`), if set.
    public static var corpus: String? {
        guard let p = ProcessInfo.processInfo.environment["VARDE_CORPUS"], !p.isEmpty else { return nil }
        return p
    }

    /// A fresh temporary directory, removed by the caller.
    public static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("varde-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
