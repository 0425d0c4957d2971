import Foundation
import VariantCore
import VariantQuery
import VariantStore

/// The project's own JSON API (`/api/v1`): variants by region, gene, ID, HGVS or rsID with their aggregates,
/// cohort frequencies for a region, and a gene summary. Coordinates are Varde's: 1-based, inclusive.
/// Registered callers see small counts withheld; controlled callers see true counts.
struct NativeAPI: Sendable {
    let config: ServiceConfiguration
    let genes: GeneIndex
    /// Where this service counts withheld answers (`/metrics`).
    var suppression: SuppressionTally? = nil
    /// Recent selections, so that paging does not run the query again (``SelectionCache``).
    var cache: SelectionCache? = nil

    struct Answer {
        var body: JSON
        var resultCount: Int
        var summary: String
        /// `format=csv`: the same rows as text/csv (the body is then not sent).
        var csv: String? = nil
    }

    static let selectors = ["region", "gene", "id", "hgvs", "rsid"]
    static let variantParameters: Set<String> = ["region", "gene", "id", "hgvs", "rsid", "cohort", "limit", "offset", "format"]

    func checkKnown(_ q: [String: String], _ allowed: Set<String>) throws {
        if let bad = q.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw BadRequest("unknown parameter '\(bad)'; accepted: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    func page(_ q: [String: String]) throws -> (offset: Int, limit: Int) {
        func int(_ k: String, _ d: Int) throws -> Int {
            guard let v = q[k] else { return d }
            // Range-checked before any arithmetic (offset + page length below).
            guard let i = Int(v), i >= 0, i <= BeaconRequest.maxPaging else {
                throw BadRequest("\(k) must be a whole number from 0 to \(BeaconRequest.maxPaging), not '\(v.prefix(40))'")
            }
            return i
        }
        let limit = try int("limit", config.maxPageSize)
        return (try int("offset", 0), min(limit == 0 ? config.maxPageSize : limit, config.maxPageSize))
    }

    /// Regions and a test for one selector (exactly one of region, gene, id, hgvs, rsid).
    func selection(_ q: [String: String], store: any VariantStore) throws -> VariantSelection {
        let given = Self.selectors.filter { q[$0] != nil }
        guard given.count == 1, let key = given.first, let value = q[key], !value.isEmpty else {
            throw BadRequest("give exactly one of \(Self.selectors.joined(separator: ", "))")
        }
        switch key {
        case "region":
            let parsed: Region
            do { parsed = try Region(parsing: value) } catch { throw BadRequest("\(error)") }
            guard let end = parsed.end else { throw BadRequest("region '\(value)' needs an end (CHROM:START-END, 1-based inclusive)") }
            guard end - parsed.start + 1 <= config.maxRegionBases else {
                throw BadRequest("the region \(value) spans \(end - parsed.start + 1) bases; the most one query may span is \(config.maxRegionBases)")
            }
            let c = try VariantSelection.contig(parsed.contig, store: store)
            return VariantSelection(regions: [Region(contig: c, start: parsed.start, end: end)], matches: { _ in true }, summary: "region \(value)",
                                    store: store)
        case "gene":
            var r = try BeaconRequest(query: [])
            r.geneId = value
            return try VariantSelection.resolve(r, store: store, genes: genes, maxRegionBases: config.maxRegionBases)
        case "id":
            let id: VariantID
            do { id = try VariantID(parsing: value) } catch { throw BadRequest("\(error)") }
            let c = try VariantSelection.contig(id.contig, store: store)
            return VariantSelection(.variant(VariantID(contig: c, position: id.position, ref: id.ref, alt: id.alt)), summary: "id \(value)", store: store)
        case "hgvs":
            return try VariantSelection.hgvs(value, store: store)
        default:
            return VariantSelection(.rsid(value), summary: "rsid \(value)", store: store)
        }
    }

    /// A cohort as this tier may use it, and the variants whose counts in it must be withheld (tracker defence:
    /// with the population and the other shown cohorts they would single out a count below k). A cohort hidden from
    /// this tier answers exactly as one that does not exist.
    func cohortMembers(_ name: String?, tier: AccessTier, store: any VariantStore) throws -> (members: Set<UInt32>, guarded: GroupGuard, people: Set<UInt32>, cohorts: [GroupGuard.Cohort])? {
        guard let name else { return nil }
        let guarding = GroupGuard(config: config, tier: tier, store: store)
        let people = guarding.active ? try guarding.population() : []
        let cohorts = try guarding.visibleCohorts(population: guarding.active ? people : nil)
        guard let c = cohorts.first(where: { $0.name == name }) else { throw BadRequest("no cohort '\(name.prefix(60))' (see /cohorts)", status: 404) }
        return (c.members, guarding, people, cohorts)
    }

    /// Variants of `selection` whose cohort counts are withheld below the controlled tier.
    func unsafe(_ cohort: (members: Set<UInt32>, guarded: GroupGuard, people: Set<UInt32>, cohorts: [GroupGuard.Cohort])?,
                _ selection: VariantSelection) throws -> Set<VariantID> {
        guard let cohort, cohort.guarded.active, let family = cohort.guarded.cohortFamily(people: cohort.people, cohorts: cohort.cohorts) else { return [] }
        return try cohort.guarded.rules.unsafeCells(family, fetch: selection.fetch)
    }

    func row(_ a: VariantAggregate, assembly: Assembly?, disclosure: Disclosure, somatic: SomaticSummary? = nil, withheld: Bool = false) -> JSON {
        var o: [String: JSON] = [
            "id": .string(a.variantID.description), "contig": .string(a.contig), "position": .int(a.position), "end": .int(a.end),
            "ref": .string(a.ref), "alt": .string(a.alt), "kind": .string(a.kind), "rsid": .optional(a.rsid),
            "hgvsg": .optional(assembly.flatMap { GenomicHGVS.describe(assembly: $0, contig: a.contig, position: a.position, ref: a.ref, alt: a.alt, reference: nil) }),
            "population": disclosure.frequency(ac: a.ac, an: a.an, nHomAlt: a.nHomAlt, nHemi: a.nHemi),
            "tumours": .int(disclosure.count(a.tumours)),
            "consequences": .array(a.consequences.map(JSON.string)), "genes": .array(a.genes.map(JSON.string)),
            "filters": .array(a.filters.map(JSON.string)),
        ]
        if let c = a.cohort {
            o["cohort"] = withheld ? ["ac": nil, "an": .int(c.an), "af": nil, "nhomalt": nil, "nhemi": nil,
                                      "suppressed": .string("withheld at the \(disclosure.tier.name) tier: with the population's and other cohorts' counts it would reveal a count below \(disclosure.k)")]
                : disclosure.frequency(ac: c.ac, an: c.an, nHomAlt: c.nHomAlt, nHemi: 0)
        }
        if let s = somatic, a.tumours > 0 {
            // Tumours by VAF and by diagnosis, each count suppressed as every count is.
            o["somatic"] = ["tumours": .int(disclosure.count(s.tumours)),
                            "vafMedian": disclosure.isSmall(s.tumours) ? .null : .optional(s.medianVAF),
                            "vafBins": .array(s.vafBins.map { .int(disclosure.count($0)) }),
                            "byDiagnosis": .object(s.byDiagnosis.mapValues { .int(disclosure.count($0)) })]
        }
        return .object(o)
    }

    /// What a selection yields for one tier: the variants it may see (rare ones masked), those whose cohort counts
    /// are withheld, and the rule for the rest. The API and the web UI both answer from this.
    struct Selected {
        var summary: String
        var assembly: Assembly?
        var found: [VariantAggregate]
        var withheld: Set<VariantID>
        var disclosure: Disclosure
    }

    func select(_ q: [String: String], tier: AccessTier, store: any VariantStore) throws -> Selected {
        let key = try cache.map { _ in SelectionCache.key(q, tier: tier, generation: try store.generation()) }
        if let key, let hit = cache?.value(key) { return hit }
        let sel = try selection(q, store: store)
        let cohort = try cohortMembers(q["cohort"], tier: tier, store: store)
        let disclosure = Disclosure(k: config.minimumCount, tier: tier, tally: suppression)
        let found = try sel.fetch(cohort?.members).filter(disclosure.shows)
        let selected = Selected(summary: sel.summary, assembly: try store.assembly(), found: found, withheld: try unsafe(cohort, sel), disclosure: disclosure)
        if let key { cache?.store(key, selected) }
        return selected
    }

    /// The rows of `page` as this tier may see them (somatic summaries read only when a variant has tumours).
    func rows(_ page: [VariantAggregate], _ s: Selected, store: any VariantStore) throws -> [JSON] {
        let somatic = page.contains { $0.tumours > 0 } ? try SomaticSummaries.summaries(page, store: store) : []
        return page.enumerated().map { i, a in
            row(a, assembly: s.assembly, disclosure: s.disclosure, somatic: somatic.isEmpty ? nil : somatic[i], withheld: s.withheld.contains(a.variantID))
        }
    }

    /// `/api/v1/variants` (and `/api/v1/variants/{id}`); `format=csv` gives the same page as CSV.
    func variants(_ q: [String: String], tier: AccessTier, store: any VariantStore) throws -> Answer {
        try checkKnown(q, Self.variantParameters)
        let format = q["format"] ?? "json"
        guard format == "json" || format == "csv" else { throw BadRequest("format must be json or csv, not '\(format.prefix(20))'") }
        let selected = try select(q, tier: tier, store: store)
        let (offset, limit) = try page(q)
        let found = selected.found
        let rows = try self.rows(Array(found.dropFirst(offset).prefix(limit)), selected, store: store)
        return Answer(body: ["query": .string(selected.summary), "assembly": .optional(selected.assembly?.rawValue), "cohort": .optional(q["cohort"]),
                             "total": .int(found.count), "offset": .int(offset), "limit": .int(limit),
                             "truncated": .bool(offset < found.count - rows.count), "variants": .array(Array(rows))],
                      resultCount: rows.count, summary: selected.summary,
                      csv: format == "csv" ? Self.csv(rows, cohort: q["cohort"] != nil, k: config.minimumCount) : nil)
    }

    /// Variant rows as CSV (RFC 4180): a withheld count is a blank cell, and the `suppressed` column says why.
    static func csv(_ rows: [JSON], cohort: Bool, k: Int) -> String {
        let counts = ["ac", "an", "af", "nhomalt", "nhemi"]
        var header = ["id", "contig", "position", "end", "ref", "alt", "kind", "rsid", "hgvsg", "genes", "consequences", "filters"]
        header += counts + ["tumours", "tumour_vaf_median"]
        if cohort { header += counts.map { "cohort_" + $0 } }
        header.append("suppressed")
        func cell(_ v: JSON?) -> String {
            let text: String
            switch v {
            case let .string(s)?: text = s
            case let .int(i)?: text = String(i)
            case let .double(d)?: text = String(format: "%.6g", d)
            case let .bool(b)?: text = b ? "true" : "false"
            case let .array(a)?: text = a.compactMap(\.stringValue).joined(separator: ";")
            default: text = ""
            }
            return text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var out = header.joined(separator: ",") + "\r\n"
        for r in rows {
            var line = ["id", "contig", "position", "end", "ref", "alt", "kind", "rsid", "hgvsg", "genes", "consequences", "filters"].map { cell(r[$0]) }
            line += counts.map { cell(r["population"]?[$0]) }
            line += [cell(r["tumours"]), cell(r["somatic"]?["vafMedian"])]
            if cohort { line += counts.map { cell(r["cohort"]?[$0]) } }
            let why = [r["population"]?["suppressed"], r["cohort"]?["suppressed"]].compactMap { $0?.stringValue }
            line.append(cell(.string(why.isEmpty ? "" : why.joined(separator: "; "))))
            out += line.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// `/api/v1/frequencies?region=…&cohort=…`: each variant's counts in the cohort beside the whole store's.
    func frequencies(_ q: [String: String], tier: AccessTier, store: any VariantStore) throws -> Answer {
        try checkKnown(q, ["region", "cohort", "limit", "offset", "format"])
        guard q["region"] != nil, q["cohort"] != nil else { throw BadRequest("frequencies needs region and cohort") }
        var a = try variants(q, tier: tier, store: store)
        if case var .object(o) = a.body {
            o["cohortSize"] = .int(Disclosure(k: config.minimumCount, tier: tier, tally: suppression).count(try cohortMembers(q["cohort"], tier: tier, store: store)?.members.count ?? 0))
            a.body = .object(o)
        }
        return a
    }

    /// `/api/v1/genes/{symbol}`: the gene's extent and how many variants of each kind the store holds there.
    func gene(_ symbol: String, query q: [String: String], tier: AccessTier, store: any VariantStore) throws -> Answer {
        try checkKnown(q, ["cohort"])
        var r = try BeaconRequest(query: [])
        r.geneId = symbol
        let sel = try VariantSelection.resolve(r, store: store, genes: genes, maxRegionBases: config.maxRegionBases)
        let cohort = try cohortMembers(q["cohort"], tier: tier, store: store)
        let members = cohort?.members
        let withheld = try unsafe(cohort, sel)
        let disclosure = Disclosure(k: config.minimumCount, tier: tier, tally: suppression)
        var byKind: [String: Int] = [:]
        var total = 0, common = 0, carriersSeen = 0
        do {
            // A variant whose cohort count is withheld is left out of the cohort's tallies (tracker defence).
            for a in try sel.fetch(members) where !withheld.contains(a.variantID) && disclosure.shows(a) {
                let ac = members == nil ? a.ac : (a.cohort?.ac ?? 0)
                guard ac > 0 else { continue }
                total += 1
                byKind[a.kind, default: 0] += 1
                if a.an > 0 && Double(a.ac) / Double(a.an) >= 0.01 { common += 1 }
                carriersSeen += ac
            }
        }
        let found = try store.assembly().map { genes.genes(symbol, assembly: $0) } ?? []
        return Answer(body: [
            "gene": .string(symbol),
            "loci": .array(found.map { ["symbol": .string($0.symbol), "entrez": .string($0.entrez), "contig": .string($0.region.contig),
                                        "start": .int($0.region.start), "end": .optional($0.region.end), "strand": .string($0.strand)] }),
            "cohort": .optional(q["cohort"]),
            "variants": .int(disclosure.count(total)),
            "variantsByKind": .object(byKind.mapValues { .int(disclosure.count($0)) }),
            "commonVariants": .int(disclosure.count(common)),
            "alternateAlleles": .int(disclosure.count(carriersSeen)),
        ], resultCount: total, summary: "gene \(symbol)")
    }
}
