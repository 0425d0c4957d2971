// varde-bench: in-process query latencies on a store (issue 4's "single-variant lookup, warm, in-process").
//
//   swift run -c release varde-bench STORE [LOOKUPS] [COHORT_FILE REGION]
//
// Opens the store once, lists its variants, and times LOOKUPS (default 2,000) lookups of randomly chosen
// variant IDs (seeded, so runs compare) through VariantQuery — the same call `varde query --variant` and
// the service make — after a warm-up pass. With COHORT_FILE and REGION it also times the cohort query
// in-process (10 runs), so process start and store open can be told apart from the query itself.
// Prints one JSON object on stdout.
import Foundation
import VariantCore
import VariantQuery
import VariantStore
import VariantStoreSQLite

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
}

func percentile(_ sorted: [Double], _ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }

let args = CommandLine.arguments
guard args.count >= 2 else {
    FileHandle.standardError.write(Data("usage: varde-bench STORE [LOOKUPS] [COHORT_FILE REGION]\n".utf8))
    exit(64)
}
let lookups = args.count > 2 ? Int(args[2]) ?? 2000 : 2000
do {
    var openTime = 0.0
    var store: SQLiteVariantStore!
    openTime = try seconds { store = try SQLiteVariantStore(path: args[1]) }
    let query = try VariantQuery(store: store)
    var ids: [VariantID] = []
    for c in try store.contigs() { ids += try query.variants(.regions([Region(contig: c.name, start: 1, end: nil)])).map(\.variantID) }
    guard !ids.isEmpty else { throw CocoaError(.fileReadCorruptFile) }
    var rng = SplitMix64(state: 42)
    let picks = (0..<lookups).map { _ in ids[Int.random(in: 0..<ids.count, using: &rng)] }
    for id in picks.prefix(200) { _ = try query.variants(.variant(id)) }   // warm-up
    var times: [Double] = []
    var found = 0
    for id in picks {
        var n = 0
        times.append(try seconds { n = try query.variants(.variant(id)).count })
        found += n
    }
    times.sort()
    var out: [String: Any] = [
        "store": args[1], "variants": ids.count, "lookups": lookups, "found": found, "open_s": openTime,
        "lookup_ms": ["p50": percentile(times, 0.5) * 1e3, "p99": percentile(times, 0.99) * 1e3,
                      "max": times.last! * 1e3, "mean": times.reduce(0, +) / Double(times.count) * 1e3],
    ]
    if args.count > 4 {
        var members: Set<UInt32>?
        let resolve = try seconds { members = try query.cohortMembers(file: args[3], conditions: [], secretFile: nil) }
        let regions = try Region.parseList(args[4])
        var rows = 0
        var runs: [Double] = []
        for _ in 0..<10 { runs.append(try seconds { rows = try query.variants(.regions(regions), cohort: members).count }) }
        var plain: [Double] = []
        for _ in 0..<10 { plain.append(try seconds { _ = try query.variants(.regions(regions)).count }) }
        out["cohort"] = ["size": members?.count ?? 0, "resolve_s": resolve, "rows": rows,
                         "region_s_min": plain.min()!, "cohort_region_s_min": runs.min()!, "cohort_region_s_median": runs.sorted()[5]]
    }
    let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys, .prettyPrinted])
    print(String(decoding: data, as: UTF8.self))
} catch {
    FileHandle.standardError.write(Data("varde-bench: \(error)\n".utf8))
    exit(1)
}
