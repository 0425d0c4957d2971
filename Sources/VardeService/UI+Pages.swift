import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import VariantCore
import VariantQuery
import VariantStore

/// A view's state, all of it in the URL query so a link reproduces the view: cohort, origin, consequence classes,
/// maximum AF, sort and offset. A sample list never goes in it.
struct ViewState: Sendable, Equatable {
    var cohort: String?
    var origin = "all"
    var classes: Set<UIPlot.Category> = Set(UIPlot.Category.allCases)
    var maxAF: Double?
    var sort = "position"
    var descending = false
    var offset = 0
    /// `view=protein`: the gene page draws residues (a lollipop) instead of genomic positions.
    var protein = false

    static let sorts = ["position", "af", "ac", "tumours", "cohortaf"]

    init(_ q: [String: String]) throws {
        cohort = q["cohort"].flatMap { $0.isEmpty ? nil : $0 }
        if let o = q["origin"], !o.isEmpty {
            guard ["all", "germline", "somatic"].contains(o) else { throw BadRequest("origin is all, germline or somatic, not '\(o.prefix(20))'") }
            origin = o
        }
        if let c = q["csq"] {
            var set = Set<UIPlot.Category>()
            for part in c.split(separator: ",") {
                guard let k = UIPlot.Category(rawValue: String(part)) else {
                    throw BadRequest("csq lists lof, missense, synonymous, other; not '\(part.prefix(20))'")
                }
                set.insert(k)
            }
            classes = set
        }
        if let m = q["maxaf"], !m.isEmpty {
            guard let v = Double(m), v >= 0, v <= 1 else { throw BadRequest("maxaf is a frequency from 0 to 1, not '\(m.prefix(20))'") }
            maxAF = v
        }
        if var s = q["sort"], !s.isEmpty {
            if s.hasPrefix("-") { descending = true; s.removeFirst() }
            guard Self.sorts.contains(s) else { throw BadRequest("sort is one of \(Self.sorts.joined(separator: ", ")) (a leading - for descending)") }
            sort = s
        }
        if let v = q["view"], !v.isEmpty {
            guard v == "protein" || v == "genome" else { throw BadRequest("view is genome or protein, not '\(v.prefix(20))'") }
            protein = v == "protein"
        }
        if let o = q["offset"], !o.isEmpty {
            guard let v = Int(o), v >= 0, v <= BeaconRequest.maxPaging else { throw BadRequest("offset must be a whole number from 0 to \(BeaconRequest.maxPaging)") }
            offset = v
        }
    }

    /// The query string for this state (defaults left out), starting with `?` unless empty.
    func query(offset: Int? = nil, sort: String? = nil, protein: Bool? = nil) -> String {
        var parts: [String] = []
        if protein ?? self.protein { parts.append("view=protein") }
        if let c = cohort { parts.append("cohort=" + UI.path(c)) }
        if origin != "all" { parts.append("origin=" + origin) }
        if classes != Set(UIPlot.Category.allCases) {
            parts.append("csq=" + UIPlot.Category.allCases.filter(classes.contains).map(\.rawValue).joined(separator: ","))
        }
        if let maxAF { parts.append("maxaf=" + String(maxAF)) }
        let s = sort ?? ((descending ? "-" : "") + self.sort)
        if s != "position" { parts.append("sort=" + s) }
        let o = offset ?? self.offset
        if o > 0 { parts.append("offset=\(o)") }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    /// The state a search carries over to the page it lands on (the cohort only).
    static func keep(_ q: [String: String]) -> String {
        guard let c = q["cohort"], !c.isEmpty else { return "" }
        return "?cohort=" + UI.path(c)
    }
}

/// One disclosed variant row as the pages show it.
struct UIItem {
    var row: JSON
    var id: String
    var position: Int
    var category: UIPlot.Category
    var af: Double?
    var ac: Int?
    var cohortAF: Double?
    var tumours: Int

    init(_ row: JSON) {
        self.row = row
        id = row["id"]?.stringValue ?? ""
        position = row["position"]?.intValue ?? 0
        category = UIPlot.Category(terms: (row["consequences"]?.arrayValue ?? []).compactMap(\.stringValue))
        af = row["population"]?["af"]?.doubleValue
        ac = row["population"]?["ac"]?.intValue
        cohortAF = row["cohort"]?["af"]?.doubleValue
        tumours = row["tumours"]?.intValue ?? 0
    }

    /// Germline: carried by at least one allele in the store (a withheld AC is one below k, so above zero).
    var germline: Bool { ac.map { $0 > 0 } ?? true }
}

extension UI {
    // MARK: Gene and region

    /// A gene or region page; with `plotOnly`, its plot alone as a standalone SVG document with a legend (the
    /// "plot as SVG" download), drawn from the same rows and filters.
    func locus(_ locus: Locus, _ q: [String: String], tier: AccessTier, store: any VariantStore, plotOnly: Bool = false) throws -> Body {
        let view = try ViewState(q)
        let k = state.config.minimumCount
        var selector: [String: String]
        let heading: String, path: String
        var start: Int, end: Int, strand: String?
        var subtitle: String
        var transcript: GeneIndex.Transcript? = nil
        switch locus {
        case let .gene(symbol):
            guard let assembly = try store.assembly() else { throw BadRequest("the store has no assembly, so genes cannot be placed", status: 404) }
            let loci = state.genes.genes(symbol, assembly: assembly)
            guard let first = loci.first else {
                throw BadRequest("no gene '\(symbol.prefix(40))' in the \(assembly.rawValue) gene table (HGNC symbols and aliases)", status: 404)
            }
            selector = ["gene": symbol]
            heading = first.symbol
            path = "/ui/gene/" + Self.path(symbol)
            start = first.region.start
            end = first.region.end ?? first.region.start
            strand = first.strand
            transcript = state.genes.transcript(first.symbol, assembly: assembly).flatMap { t in
                Assembly.canonicalChromosome(t.contig) == Assembly.canonicalChromosome(first.region.contig) ? t : nil
            }
            subtitle = loci.map { "chr\(Assembly.canonicalChromosome($0.region.contig)):\(UIPlot.grouped($0.region.start))-\(UIPlot.grouped($0.region.end ?? $0.region.start)) (\($0.strand) strand)" }
                .joined(separator: ", ") + " · \(assembly.rawValue) · Entrez \(first.entrez)"
        case let .region(contig, s, e):
            selector = ["region": "\(contig):\(s)-\(e)"]
            heading = "chr\(Assembly.canonicalChromosome(contig)):\(UIPlot.grouped(s))-\(UIPlot.grouped(e))"
            path = "/ui/region/" + Self.path("\(contig)-\(s)-\(e)")
            (start, end, strand) = (s, e, nil)
            subtitle = "\(UIPlot.grouped(e - s + 1)) bases"
            if let a = try store.assembly() { subtitle += " · \(a.rawValue)" }
        }
        if tier == .anonymous {
            if plotOnly { throw BadRequest("the plot needs a registered or controlled sign-in", status: 401) }
            // Anonymous callers get the Beacon's boolean answer and nothing else.
            var request: [(String, String)] = [("requestedGranularity", "boolean")]
            switch locus {
            case let .gene(symbol): request.append(("geneId", symbol))
            case let .region(contig, s, e): request += [("referenceName", contig), ("start", String(s - 1)), ("end", String(e))]
            }
            let answer = try beacon.genomicVariants(try BeaconRequest(query: request), tier: .anonymous, onlyDataset: nil, store: store)
            let exists = answer.body["responseSummary"]?["exists"]?.boolValue ?? false
            return Body(html: render("locus", ["heading": heading, "subtitle": subtitle, "anonymous": true, "exists": exists,
                                               "answer": exists ? "Variants present" : "No variants present", "k": k]),
                        results: answer.resultCount, summary: answer.summary, title: heading)
        }
        if let c = view.cohort { selector["cohort"] = c }
        let selected = try native.select(selector, tier: tier, store: store)
        let all = try native.rows(selected.found, selected, store: store).map(UIItem.init)
        let maxAN = selected.found.map { view.cohort == nil ? $0.an : ($0.cohort?.an ?? 0) }.max() ?? 0
        let shown = Self.filter(all, view)
        let sorted = Self.sort(shown, view)
        let page = Array(sorted.dropFirst(view.offset).prefix(Self.pageSize))
        let marks = shown.map { item in
            UIPlot.Mark(id: item.id, position: item.position, af: view.cohort == nil ? item.af : item.cohortAF, germline: item.germline, tumours: item.tumours,
                        category: item.category, title: Self.markTitle(item, k: k, cohort: view.cohort), href: "/ui/variant/" + Self.path(item.id) + ViewState.keep(q))
        }
        // The protein view: a gene's variants whose annotation names a residue (HGVSp) on the gene's best-covered
        // transcript. Offered when the page holds any coding change.
        var isGene = false
        if case .gene = locus { isGene = true }
        let coding = isGene && shown.contains { $0.category != .other }
        let protein = view.protein && coding ? try proteinPins(shown, gene: heading, q: q, k: k, store: store) : nil
        let svg = protein.map { UIPlot.lollipop($0.pins, length: $0.length, label: "\(heading) \($0.transcript)", legend: plotOnly) }
            ?? UIPlot.track(marks, start: start, end: end, strand: strand, label: heading, maxAN: maxAN, legend: plotOnly,
                            exons: transcript?.exons ?? [], cds: transcript?.cds)
        if plotOnly { return Body(html: svg, results: shown.count, summary: selected.summary, title: heading) }
        let sortLinks: [[String: Any]] = [("Variant", "position"), ("AC", "ac"), ("AF", "af"), ("Tumours", "tumours")]
            .map { label, key in sortHeader(label, key, view, path) }
        let cohortSort: [String: Any] = sortHeader("Cohort AF", "cohortaf", view, path)
        let legend: [[String: Any]] = UIPlot.Category.allCases.map { c in
            ["key": c.rawValue, "label": c.label, "checked": view.classes.contains(c),
             "swatch": "<svg class=\"swatch\" viewBox=\"0 0 16 16\" aria-hidden=\"true\">" + UIPlot.shape(c, x: 8, y: 9, r: 5, filled: true) + "</svg>",
             "count": all.filter { $0.category == c }.count]
        }
        let rows: [[String: Any]] = page.map { tableRow($0, k: k, cohort: view.cohort, keep: ViewState.keep(q)) }
        let downloadQuery = (selector.map { "\($0.key)=\(Self.path($0.value))" }.sorted() + [view.query(offset: 0).dropFirst()].filter { !$0.isEmpty }.map(String.init))
            .joined(separator: "&")
        let context: [String: Any] = [
            "heading": heading, "subtitle": subtitle, "anonymous": false, "path": path, "svg": svg, "legend": legend,
            "cohorts": try cohortOptions(selected: view.cohort, tier: tier, store: store), "cohortPicked": view.cohort != nil,
            "cohortName": view.cohort ?? "",
            "originAll": view.origin == "all", "originGermline": view.origin == "germline", "originSomatic": view.origin == "somatic",
            "maxaf": view.maxAF.map { String($0) } ?? "", "sort": (view.descending ? "-" : "") + view.sort,
            "total": shown.count, "all": all.count, "filteredOut": shown.count != all.count,
            "from": shown.isEmpty ? 0 : view.offset + 1, "to": view.offset + page.count,
            "rows": rows, "empty": shown.isEmpty, "sortLinks": sortLinks, "cohortSort": cohortSort,
            "prev": view.offset > 0 ? path + view.query(offset: max(0, view.offset - Self.pageSize)) : "",
            "next": view.offset + page.count < shown.count ? path + view.query(offset: view.offset + Self.pageSize) : "",
            "csvHref": "/ui/download?" + downloadQuery, "svgHref": path + "/plot.svg" + view.query(offset: 0),
            "dense": protein == nil && shown.count > UIPlot.densityThreshold, "k": k, "masked": tier < .controlled,
            "coding": coding, "proteinView": protein != nil,
            "genomeHref": path + view.query(offset: 0, protein: false), "proteinHref": path + view.query(offset: 0, protein: true),
            "transcript": protein?.transcript ?? "", "exonTranscript": transcript?.id ?? "", "hasExons": transcript != nil, "residues": protein?.pins.count ?? 0, "lengthNote": protein?.lengthNote ?? "",
            "tierLabel": tier.name,
        ]
        return Body(html: render("locus", context), results: shown.count, summary: selected.summary, title: heading)
    }

    /// The protein view's pins: for each shown variant, its annotation on the transcript of `gene` that most of
    /// them are annotated on with an HGVSp; the residue axis runs to the last residue named (the store holds no
    /// protein lengths, so the note says so).
    func proteinPins(_ items: [UIItem], gene: String, q: [String: String], k: Int, store: any VariantStore)
        throws -> (pins: [UIPlot.Pin], length: Int, transcript: String, lengthNote: String) {
        var changes: [(item: UIItem, transcript: String, position: Int, change: String)] = []
        for item in items where item.category != .other {
            let id = try VariantID(parsing: item.id)
            for a in try store.annotations(of: id) where a.gene?.uppercased() == gene.uppercased() {
                guard let p = a.hgvsp.flatMap(UIPlot.residue(hgvsp:)) else { continue }
                changes.append((item, a.transcript ?? "", p.position, p.change))
            }
        }
        let byTranscript = Dictionary(grouping: changes, by: \.transcript)
        guard let best = byTranscript.max(by: { ($0.value.count, $1.key) < ($1.value.count, $0.key) }) else {
            return ([], 1, "", "No variant here has a protein change (HGVSp) in its annotation.")
        }
        var pins: [UIPlot.Pin] = []
        for (residue, here) in Dictionary(grouping: best.value, by: \.position) {
            let unique = Dictionary(here.map { ($0.item.id, $0) }, uniquingKeysWith: { a, _ in a }).values.sorted { $0.item.id < $1.item.id }
            let germline = unique.filter { $0.item.germline && ($0.item.ac ?? 1) > 0 }.count
            let tumours = unique.reduce(0) { $0 + $1.item.tumours }
            let classes = Dictionary(grouping: unique, by: \.item.category).max { ($0.value.count, $1.key.rawValue) < ($1.value.count, $0.key.rawValue) }?.key ?? .other
            let changesText = unique.map { "p.\($0.change)" }.joined(separator: ", ")
            let title = "\(changesText): \(germline) germline variant\(germline == 1 ? "" : "s")" + (tumours > 0 ? ", \(tumours) tumour\(tumours == 1 ? "" : "s")" : "")
            pins.append(UIPlot.Pin(residue: residue, germline: germline, tumours: tumours, category: classes, title: title,
                                   href: "/ui/variant/" + Self.path(unique[0].item.id) + ViewState.keep(q)))
        }
        let last = pins.map(\.residue).max() ?? 1
        return (pins, last, best.key, "Residues 1–\(UIPlot.grouped(last)): the store holds no protein lengths, so the axis ends at the last residue changed.")
    }

    func sortHeader(_ label: String, _ key: String, _ view: ViewState, _ path: String) -> [String: Any] {
        let current = view.sort == key
        let next = current && !view.descending ? "-" + key : key
        return ["label": label, "href": path + view.query(offset: 0, sort: next), "align": key == "position" ? "" : "num",
                "ariaSort": current ? (view.descending ? "descending" : "ascending") : "none",
                "arrow": current ? (view.descending ? " ▼" : " ▲") : ""]
    }

    static func filter(_ items: [UIItem], _ view: ViewState) -> [UIItem] {
        items.filter { i in
            guard view.classes.contains(i.category) else { return false }
            switch view.origin {
            case "germline": guard i.germline else { return false }
            case "somatic": guard i.tumours > 0 else { return false }
            default: break
            }
            // A withheld AF is below k/AN, so it passes any maximum at or above that; the page says so.
            if let m = view.maxAF, let af = view.cohort == nil ? i.af : i.cohortAF, af > m { return false }
            return true
        }
    }

    /// Sorted by a disclosed value; withheld values sort as the smallest, ties by position.
    static func sort(_ items: [UIItem], _ view: ViewState) -> [UIItem] {
        func key(_ i: UIItem) -> Double {
            switch view.sort {
            case "af": i.af ?? -1
            case "ac": Double(i.ac ?? -1)
            case "tumours": Double(i.tumours)
            case "cohortaf": i.cohortAF ?? -1
            default: Double(i.position)
            }
        }
        return items.enumerated().sorted { a, b in
            let (ka, kb) = (key(a.element), key(b.element))
            if ka != kb { return view.descending ? ka > kb : ka < kb }
            return a.offset < b.offset
        }.map(\.element)
    }

    // MARK: Cells

    /// A count cell: the number, "< k" where the API withheld a small count, "withheld" for a tracker-guarded cohort
    /// count, "—" where there is nothing.
    static func count(_ frequency: JSON?, _ key: String, k: Int) -> String {
        guard let frequency, let v = frequency[key] else { return "—" }
        if let i = v.intValue { return UIPlot.grouped(i) }
        if frequency["suppressed"]?.stringValue?.hasPrefix("withheld") == true { return "withheld" }
        return "< \(k)"
    }

    static func frequency(_ frequency: JSON?, k: Int) -> String {
        guard let frequency, let v = frequency["af"] else { return "—" }
        if let af = v.doubleValue { return afText(af) }
        if frequency["an"]?.intValue == 0 { return "—" }
        if frequency["suppressed"]?.stringValue?.hasPrefix("withheld") == true { return "withheld" }
        return "suppressed"
    }

    static func afText(_ af: Double) -> String {
        af == 0 ? "0" : af >= 0.001 ? String(format: "%.4f", af) : String(format: "%.2e", af)
    }

    static func markTitle(_ i: UIItem, k: Int, cohort: String?) -> String {
        var t = "\(i.id) · \(i.category.label) · AC \(count(i.row["population"], "ac", k: k)) · AF \(frequency(i.row["population"], k: k))"
        if let cohort { t += " · \(cohort) AF \(frequency(i.row["cohort"], k: k))" }
        if i.tumours > 0 { t += " · \(i.tumours) tumours" }
        return t
    }

    func tableRow(_ i: UIItem, k: Int, cohort: String?, keep: String) -> [String: Any] {
        let p = i.row["population"], c = i.row["cohort"]
        let terms = (i.row["consequences"]?.arrayValue ?? []).compactMap(\.stringValue).flatMap { $0.split(separator: "&").map(String.init) }
        let filters = (i.row["filters"]?.arrayValue ?? []).compactMap(\.stringValue)
        return ["id": i.id, "href": "/ui/variant/" + Self.path(i.id) + keep, "rsid": i.row["rsid"]?.stringValue ?? "",
                "consequence": terms.isEmpty ? "—" : Array(Set(terms)).sorted().joined(separator: ", ").replacingOccurrences(of: "_", with: " "),
                "category": i.category.rawValue, "categoryLabel": i.category.label,
                "ac": Self.count(p, "ac", k: k), "an": Self.count(p, "an", k: k), "af": Self.frequency(p, k: k),
                "hom": Self.count(p, "nhomalt", k: k), "tumours": i.tumours > 0 ? UIPlot.grouped(i.tumours) : "0",
                "cohortAC": Self.count(c, "ac", k: k), "cohortAF": Self.frequency(c, k: k), "cohortPicked": cohort != nil,
                "filter": filters.isEmpty ? "PASS" : filters.joined(separator: ", ")]
    }

    // MARK: Variant

    func variant(_ id: String, _ q: [String: String], tier: AccessTier, store: any VariantStore) throws -> Body {
        let view = try ViewState(q)
        let k = state.config.minimumCount
        let parsed = try Self.variantID(id)
        let short = "\(Assembly.canonicalChromosome(parsed.contig))-\(parsed.position)-\(parsed.ref)-\(parsed.alt)"
        if tier == .anonymous {
            let contig = try VariantSelection.contig(parsed.contig, store: store)
            let request = try BeaconRequest(query: [("referenceName", contig), ("start", String(parsed.position - 1)), ("referenceBases", parsed.ref),
                                                    ("alternateBases", parsed.alt), ("requestedGranularity", "boolean")])
            let answer = try beacon.genomicVariants(request, tier: .anonymous, onlyDataset: nil, store: store)
            let exists = answer.body["responseSummary"]?["exists"]?.boolValue ?? false
            return Body(html: render("variant", ["id": short, "anonymous": true, "exists": exists, "answer": exists ? "Present" : "Not present", "k": k]),
                        results: answer.resultCount, summary: answer.summary, title: short)
        }
        // A symbolic allele (<DEL>, <CN2>) is not a VariantID the API's id= takes: its one-base region, then its alleles.
        let symbolic = parsed.alt.hasPrefix("<")
        func select(_ cohort: String?) throws -> NativeAPI.Selected {
            var q = symbolic ? ["region": "\(parsed.contig):\(parsed.position)-\(parsed.position)"] : ["id": id]
            if let cohort { q["cohort"] = cohort }
            var s = try native.select(q, tier: tier, store: store)
            if symbolic { s.found.removeAll { $0.ref != parsed.ref || $0.alt != parsed.alt } }
            return s
        }
        let national = try select(nil)
        guard let a = national.found.first else {
            return Body(html: render("variant", ["id": short, "anonymous": false, "missing": true, "k": k,
                                                 "masked": tier < .controlled]),
                        results: 0, summary: national.summary, title: short)
        }
        let row = try native.rows([a], national, store: store)[0]
        let item = UIItem(row)
        var groups: [[String: Any]] = [group("All people in the store", row["population"], k: k, picked: view.cohort == nil)]
        var bars = [UIPlot.Bar(label: "All people", af: item.af, text: Self.frequency(row["population"], k: k))]
        for d in try beacon.datasets(store: store, tier: tier, sized: false) where d.isCohort {
            let inCohort = try select(d.id)
            guard let ca = inCohort.found.first else { continue }
            let cr = try native.rows([ca], inCohort, store: store)[0]
            groups.append(group("Cohort \(d.id)", cr["cohort"], k: k, picked: view.cohort == d.id))
            bars.append(UIPlot.Bar(label: d.id, af: cr["cohort"]?["af"]?.doubleValue, text: Self.frequency(cr["cohort"], k: k)))
        }
        let terms = (row["consequences"]?.arrayValue ?? []).compactMap(\.stringValue).flatMap { $0.split(separator: "&").map(String.init) }
        var somatic: [String: Any]? = nil
        if let s = row["somatic"] {
            let bins = (s["vafBins"]?.arrayValue ?? []).compactMap(\.intValue)
            let diagnoses: [[String: Any]] = (s["byDiagnosis"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
                .map { ["name": $0.key, "count": $0.value.intValue.map(UIPlot.grouped) ?? "—"] }
            somatic = ["tumours": s["tumours"]?.intValue.map(UIPlot.grouped) ?? "—",
                       "vaf": s["vafMedian"]?.doubleValue.map { String(format: "%.2f", $0) } ?? "withheld",
                       "histogram": UIPlot.vafHistogram(bins), "diagnoses": diagnoses, "hasDiagnoses": !diagnoses.isEmpty]
        }
        let context: [String: Any] = [
            "id": short, "anonymous": false, "missing": false, "k": k, "masked": tier < .controlled,
            "hgvsg": row["hgvsg"]?.stringValue ?? "—", "rsid": row["rsid"]?.stringValue ?? "—", "kind": row["kind"]?.stringValue ?? "",
            "genes": (row["genes"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ").nonEmpty ?? "—",
            "notes": groups.compactMap { g -> [String: Any]? in
                guard let note = g["note"] as? String, !note.isEmpty else { return nil }
                return ["label": g["label"] as? String ?? "", "note": note]
            },
            "consequences": terms.isEmpty ? "—" : Array(Set(terms)).sorted().joined(separator: ", ").replacingOccurrences(of: "_", with: " "),
            "category": item.category.label,
            "filters": (row["filters"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", ").nonEmpty ?? "PASS",
            "groups": groups, "bars": UIPlot.frequencyBars(bars), "somatic": somatic as Any, "hasSomatic": somatic != nil,
            "cohorts": try cohortOptions(selected: view.cohort, tier: tier, store: store),
            "path": "/ui/variant/" + Self.path(id),
            "region": "/ui/region/" + Self.path("\(a.contig)-\(max(1, a.position - 500))-\(a.position + 500)") + ViewState.keep(q),
            "csvHref": "/ui/download?id=" + Self.path(a.variantID.description) + (view.cohort.map { "&cohort=" + Self.path($0) } ?? ""),
            "api": "/api/v1/variants/" + a.variantID.description,
        ]
        return Body(html: render("variant", context), results: 1, summary: national.summary, title: short)
    }

    /// CHROM-POS-REF-ALT as a page path spells it; the ALT may be symbolic (`<CN2>`), which VariantID refuses.
    static func variantID(_ text: String) throws -> VariantID {
        if let id = try? VariantID(parsing: text) { return id }
        let parts = text.split(separator: "-", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, let p = Int(parts[1]), p >= 1, p <= Region.maxPosition, !parts[2].isEmpty,
              parts[3].hasPrefix("<"), parts[3].hasSuffix(">"), parts[3].count <= 60 else {
            throw BadRequest("a variant is CHROM-POS-REF-ALT with a 1-based POS, e.g. 22-16050075-A-G, not '\(text.prefix(60))'")
        }
        return VariantID(contig: parts[0], position: p, ref: parts[2], alt: parts[3])
    }

    func group(_ label: String, _ f: JSON?, k: Int, picked: Bool) -> [String: Any] {
        ["label": label, "ac": Self.count(f, "ac", k: k), "an": Self.count(f, "an", k: k), "af": Self.frequency(f, k: k),
         "hom": Self.count(f, "nhomalt", k: k), "hemi": Self.count(f, "nhemi", k: k), "picked": picked,
         "note": f?["suppressed"]?.stringValue ?? ""]
    }

    // MARK: Download

    /// All rows of a view (its filters and sort, not only the page) as the API's CSV.
    func download(_ request: Request, _ context: VardeRequestContext) async -> Response {
        let q = parameters(request)
        let tier = context.principal.tier
        guard tier > .anonymous else {
            handlers.audit(request, context, status: 401, results: 0, granularity: nil, what: "ui download denied")
            return Self.html(errorPage(401, "downloads need a registered or controlled sign-in", context), status: 401)
        }
        do {
            let (csv, count, summary, name) = try await state.pool.read { store -> (String, Int, String, String) in
                let view = try ViewState(q)
                var selector: [String: String] = [:]
                for key in ["gene", "region", "id"] { if let v = q[key] { selector[key] = v } }
                if let c = view.cohort { selector["cohort"] = c }
                // A symbolic allele: its one-base region, then its alleles (as on its page).
                let symbolic = try q["id"].map { try Self.variantID($0) }.flatMap { $0.alt.hasPrefix("<") ? $0 : nil }
                if let v = symbolic {
                    selector["id"] = nil
                    selector["region"] = "\(v.contig):\(v.position)-\(v.position)"
                }
                var selected = try native.select(selector, tier: tier, store: store)
                if let v = symbolic { selected.found.removeAll { $0.ref != v.ref || $0.alt != v.alt } }
                let items = Self.sort(Self.filter(try native.rows(selected.found, selected, store: store).map(UIItem.init), view), view)
                let name = (q["gene"] ?? q["region"] ?? q["id"] ?? "variants").filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
                return (NativeAPI.csv(items.map(\.row), cohort: view.cohort != nil, k: state.config.minimumCount), items.count, selected.summary,
                        "varde-\(name.prefix(60)).csv")
            }
            handlers.audit(request, context, status: 200, results: count, granularity: tier == .controlled ? "record" : "count", what: "ui csv " + summary)
            var r = Responses.csv(csv, filename: name)
            r.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
            return r
        } catch {
            return failure(error, request, context)
        }
    }

    // MARK: Sign-in

    /// Checks the posted token as the middleware checks a bearer token (the same store, the same failure budget),
    /// then keeps it in an HttpOnly, SameSite=Strict cookie scoped to `/ui/`.
    func login(_ request: Request, _ context: VardeRequestContext) async -> Response {
        guard Self.sameOrigin(request) else { return Self.html(errorPage(403, "sign-in must come from this site's own form", context), status: 403) }
        let address = context.clientAddress
        let limit = state.config.authFailuresPerAddressPerWindow
        if let wait = state.budget.exhausted("auth:" + address, limit: limit) {
            handlers.audit(request, context, status: 429, results: 0, granularity: nil, what: "ui sign-in refused: too many failures")
            var r = Self.html(layout(title: "Sign in", body: render("login", ["error": "Too many failed sign-ins from this address: wait \(wait) s."]),
                                     context: context, query: ""), status: 429)
            r.headers[.retryAfter] = String(wait)
            return r
        }
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: 8192) } catch {
            return Self.html(errorPage(413, "the sign-in form is larger than 8 KiB", context), status: 413)
        }
        var token = ""
        for pair in String(buffer: body).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == "token" {
                token = String(kv[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding?.trimmingCharacters(in: .whitespaces) ?? ""
            }
        }
        guard !token.isEmpty, token.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ";" && $0 != "," }),
              let principal = state.tokens.principal(forToken: token) else {
            _ = state.budget.spend("auth:" + address, limit: limit)
            handlers.audit(request, context, status: 401, results: 0, granularity: nil, what: "ui sign-in failed")
            return Self.html(layout(title: "Sign in", body: render("login", ["error": "Unknown or revoked token."]), context: context, query: ""), status: 401)
        }
        var signedIn = context
        signedIn.principal = principal
        handlers.audit(request, signedIn, status: 303, results: 0, granularity: nil, what: "ui sign-in")
        return Self.redirect("/ui/", cookie: Self.sessionCookie(token))
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
