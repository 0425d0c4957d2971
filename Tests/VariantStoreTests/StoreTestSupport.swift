import Foundation
import Loader
import TestSupport
import VCF
import VariantCore
import VariantStore
import VariantStoreSQLite

/// A store in a fresh temporary folder, and loads through the real loader.
struct TestStore {
    let dir: URL
    let path: String
    let store: SQLiteVariantStore
    static let pseudonymizer = try! Pseudonymizer(secret: Array("varde-test-secret-0123456789".utf8))

    init() throws {
        dir = try Fixtures.temporaryDirectory()
        path = dir.appendingPathComponent("store.db").path
        store = try SQLiteVariantStore(path: path)
    }

    func load(_ paths: [String], configure: (inout Loader.Options) -> Void = { _ in }) async throws -> Loader.Report {
        var o = Loader.Options()
        o.threads = 1
        configure(&o)
        return try await Loader(options: o, pseudonymizer: Self.pseudonymizer).load(paths, into: store)
    }

    /// `CHROM POS REF ALT AC AN NHOMALT` for every variant with AC > 0 (or all), sorted.
    func rows(contigs: [String], onlyCarried: Bool = false) throws -> [String] {
        try contigs.flatMap { try store.aggregates(in: Region(contig: $0)) }
            .filter { !onlyCarried || $0.ac > 0 }
            .map { "\($0.contig)\t\($0.position)\t\($0.ref)\t\($0.alt)\t\($0.ac)\t\($0.an)" }
            .sorted()
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// The same minimal representation Varde stores: trim the shared suffix, then the shared prefix, keeping a base.
func trimmed(_ pos: Int, _ ref: String, _ alt: String) -> (Int, String, String) {
    guard !alt.hasPrefix("<"), alt != "*" else { return (pos, ref, alt) }
    var r = Array(ref), a = Array(alt), p = pos
    while r.count > 1, a.count > 1, r.last == a.last { r.removeLast(); a.removeLast() }
    while r.count > 1, a.count > 1, r.first == a.first { r.removeFirst(); a.removeFirst(); p += 1 }
    return (p, String(r), String(a))
}

/// bcftools' AC/AN after splitting: `bcftools norm -m- | bcftools +fill-tags -t AC,AN`, as sorted rows.
func bcftoolsRows(_ path: String, samples: [String]? = nil, extra: String = "") throws -> [String] {
    let subset = samples.map { "-s \($0.joined(separator: ","))" } ?? ""
    let cmd = "bcftools view \(subset) \(extra) '\(path)' -Ou | bcftools norm -m- -Ou 2>/dev/null | bcftools +fill-tags -- -t AC,AN | bcftools query -f '%CHROM\\t%POS\\t%REF\\t%ALT\\t%AC\\t%AN\\n'"
    let r = try Shell.run(["bash", "-c", "set -o pipefail; " + cmd])
    guard r.status == 0 else { throw TestFailure(message: "bcftools failed: \(r.stderr)") }
    return r.stdout.split(separator: "\n").compactMap { line -> String? in
        let f = line.split(separator: "\t").map(String.init)
        guard f[3] != "*" && f[3] != "." else { return nil }
        let (p, ref, alt) = trimmed(Int(f[1])!, f[2], f[3])
        // fill-tags leaves AC/AN unset ('.') where no allele is called: that is 0.
        return "\(f[0])\t\(p)\t\(ref)\t\(alt)\t\(f[4] == "." ? "0" : f[4])\t\(f[5] == "." ? "0" : f[5])"
    }.sorted()
}

struct TestFailure: Error { var message: String }

/// The bytes of sqlite3's `hex(blob)` text.
func bytes(hex: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = hex.startIndex
    while i < hex.endIndex {
        let j = hex.index(i, offsetBy: 2)
        out.append(UInt8(hex[i..<j], radix: 16)!)
        i = j
    }
    return out
}
