import VariantCore
public import VariantStore

extension SQLVariantStore {
    /// Erasure leaves no cohort definition naming an erased sample: a `where sample=NAME` condition becomes
    /// `where sample=(erased)`, and a `from PATH` whose path holds the name becomes `from (erased)`. Runs inside the
    /// erasure's transaction.
    func scrubCohortDefinitions(naming names: [String]) throws(StoreError) {
        let erased = Set(names.filter { !$0.isEmpty })
        guard !erased.isEmpty else { return }
        var changed: [(name: String, definition: String)] = []
        let s = try db.statement("SELECT name, definition FROM cohort")
        while try s.step() {
            let definition = s.text(1) ?? ""
            let parts = definition.split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingWhitespace() }
            let scrubbed = parts.map { part -> String in
                if part.hasPrefix("where ") {
                    let kv = part.dropFirst(6).split(separator: "=", maxSplits: 1).map(String.init)
                    if kv.count == 2, kv[0].lowercased() == "sample", erased.contains(kv[1]) { return "where \(kv[0])=(erased)" }
                } else if part.hasPrefix("from "), erased.contains(where: { part.contains($0) }) {
                    return "from (erased)"
                }
                return part
            }
            if scrubbed != parts { changed.append((s.text(0) ?? "", scrubbed.joined(separator: "; "))) }
        }
        for c in changed {
            try db.statement("UPDATE cohort SET definition = ? WHERE name = ?").run([.text(c.definition), .text(c.name)])
        }
    }
}
