import Foundation

/// Where Varde's run-time data lives (gene tables and aliases, HGNC, the OMOP CDM and DQD specs, the Beacon and
/// query schemas): a `reference/` folder: `$VARDE_REFERENCE` when it is set; else, in this order, installed beside the
/// executable as `PREFIX/share/varde/reference` for `PREFIX/bin/varde` (`scripts/install.sh`, the Debian package's
/// `/usr/share/varde/reference`); in the checkout the executable was built in (up to six folders up, for
/// `.build/debug/varde`); or `./reference`. So an installed binary needs no environment and no checkout.
public enum ReferenceFolder {
    /// The candidate folders, most specific first. `$VARDE_REFERENCE`, when set, is the only one: an operator who
    /// names a folder is told when a file is missing there, never answered from another copy.
    public static var candidates: [String] {
        if let env = ProcessInfo.processInfo.environment["VARDE_REFERENCE"], !env.isEmpty { return [env] }
        var out: [String] = []
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let bin = executable.deletingLastPathComponent()
        out.append(bin.deletingLastPathComponent().appendingPathComponent("share/varde/reference").path)
        var url = bin
        for _ in 0..<6 {
            out.append(url.appendingPathComponent("reference").path)
            url.deleteLastPathComponent()
        }
        out.append(FileManager.default.currentDirectoryPath + "/reference")
        return out
    }

    /// The first candidate folder that holds `relative` (a file or folder inside `reference/`), or `nil`.
    public static func folder(holding relative: String) -> String? { folder(holdingAnyOf: [relative]) }

    /// The first candidate folder that holds any of `files` (a folder with only one assembly's gene table is
    /// still the gene folder).
    public static func folder(holdingAnyOf files: [String]) -> String? {
        candidates.first { c in files.contains { FileManager.default.fileExists(atPath: c + "/" + $0) } }
    }

    /// What to tell a user whose file was not found.
    public static let fix = "install Varde with scripts/install.sh (its share/varde/reference sits beside bin/varde), or set VARDE_REFERENCE to a reference/ folder"
}
