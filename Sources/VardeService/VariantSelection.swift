import Foundation
import Loader
import VariantCore
import VariantQuery
import VariantStore

/// Which variants a Beacon or native query selects: store regions (1-based, inclusive) plus a test on each
/// variant found there, or a lookup through `VariantQuery` (IDs, rsIDs, HGVS: the same code as `varde query`).
/// Beacon's 0-based half-open coordinates are converted here, once.
struct VariantSelection {
    /// The selected variants with their aggregates, counted within `cohort` when given; unique, in position order.
    var fetch: (_ cohort: Set<UInt32>?) throws -> [VariantAggregate]
    /// What the selection was, for the audit log.
    var summary: String

    init(regions: [Region], matches: @escaping (VariantAggregate) -> Bool, summary: String, store: any VariantStore) {
        self.summary = summary
        fetch = { cohort in
            var seen = Set<VariantID>()
            var out: [VariantAggregate] = []
            for r in regions {
                for a in try store.aggregates(in: r, cohort: cohort) where matches(a) && seen.insert(a.variantID).inserted { out.append(a) }
            }
            return out
        }
    }

    /// Through `VariantQuery`, whose errors (bad HGVS, an indel HGVS without a reference) become 400s.
    init(_ selector: Selector, summary: String, store: any VariantStore) {
        self.summary = summary
        fetch = { cohort in
            do {
                var seen = Set<VariantID>()
                return try VariantQuery(store: store).variants(selector, cohort: cohort).filter { seen.insert($0.variantID).inserted }
            } catch let e as LoadError {
                throw BadRequest(e.description)
            }
        }
    }

    /// The store contig for a Beacon `referenceName` (`17`, `chr17`, `NC_000017.11`, `refseq:NC_000017.11`).
    static func contig(_ name: String, store: any VariantStore) throws -> String {
        var n = name
        if n.hasPrefix("refseq:") { n = String(n.dropFirst(7)) }
        let contigs = try store.contigs().map(\.name)
        if contigs.contains(n) { return n }
        if n.hasPrefix("NC_"), let assembly = try store.assembly(),
           let c = contigs.first(where: { GenomicHGVS.accession(assembly: assembly, contig: $0) == n }) {
            return c
        }
        let canonical = Assembly.canonicalChromosome(n)
        if let c = contigs.first(where: { Assembly.canonicalChromosome($0) == canonical }) { return c }
        throw BadRequest("referenceName '\(name)' is not a contig of this store (it has \(contigs.prefix(30).joined(separator: ", ")))")
    }

    static func checkAssembly(_ id: String?, store: any VariantStore) throws {
        guard let id, let assembly = try store.assembly() else { return }
        let aliases: [Assembly: Set<String>] = [
            .grch38: ["GRCH38", "HG38", "GCF_000001405.26", "GCA_000001405.15", "GCF_000001405.39", "GCF_000001405.40"],
            .grch37: ["GRCH37", "HG19", "GCF_000001405.13", "GCA_000001405.1", "GCF_000001405.25", "GRCH37.P13"],
        ]
        guard aliases[assembly]?.contains(id.uppercased()) ?? (id.uppercased() == assembly.rawValue.uppercased()) else {
            throw BadRequest("assemblyId '\(id)' does not match the store's assembly \(assembly.rawValue)")
        }
    }

    static func resolve(_ r: BeaconRequest, store: any VariantStore, genes: GeneIndex, maxRegionBases: Int) throws -> VariantSelection {
        try checkAssembly(r.assemblyId, store: store)
        let typeTest = try variantTypeTest(r.variantType)
        let altTest: (VariantAggregate) -> Bool = { a in r.alternateBases.map { basesMatch($0, a.alt) } ?? true }
        let lengthTest: (VariantAggregate) -> Bool = { a in
            let length = max(a.ref.count, a.alt.hasPrefix("<") ? a.end - a.position + 1 : a.alt.count)
            return (r.variantMinLength.map { length >= $0 } ?? true) && (r.variantMaxLength.map { length <= $0 } ?? true)
        }
        let common: (VariantAggregate) -> Bool = { typeTest($0) && altTest($0) && lengthTest($0) }

        func checkSpan(_ region: Region) throws {
            let span = (region.end ?? Int.max) - region.start + 1
            guard span <= maxRegionBases else {
                throw BadRequest("the region \(region) spans \(span) bases; the most one query may span is \(maxRegionBases)")
            }
        }

        if let allele = r.allele {
            guard r.referenceName == nil, r.start.isEmpty, r.geneId == nil else {
                throw BadRequest("give genomicAlleleShortForm (allele) alone, without referenceName/start/geneId")
            }
            return try hgvs(allele, store: store)
        }
        if let gene = r.geneId {
            guard r.referenceName == nil, r.start.isEmpty, r.end.isEmpty else {
                throw BadRequest("a geneId query takes no referenceName, start or end")
            }
            guard let assembly = try store.assembly() else {
                return VariantSelection(regions: [], matches: { _ in false }, summary: "gene \(gene)", store: store)
            }
            guard genes.covers(assembly) else {
                throw BadRequest("no gene table for \(assembly.rawValue) was found (reference/genes.\(assembly.rawValue).tsv); query by range instead", status: 501)
            }
            let found = genes.genes(gene, assembly: assembly)
            guard !found.isEmpty else { throw BadRequest("no gene '\(gene)' in the \(assembly.rawValue) gene table (HGNC symbols and aliases)", status: 404) }
            var regions: [Region] = []
            for g in found {
                guard let c = try? contig(g.region.contig, store: store) else { continue }
                let region = Region(contig: c, start: g.region.start, end: g.region.end)
                try checkSpan(region)
                regions.append(region)
            }
            return VariantSelection(regions: regions, matches: common, summary: "gene \(gene)", store: store)
        }
        guard let name = r.referenceName else {
            if r.hasVariantParameters {
                throw BadRequest("a variant query needs referenceName with start (and end), or geneId, or genomicAlleleShortForm")
            }
            throw BadRequest("unfiltered variant queries are not allowed: give referenceName+start(+end), geneId or genomicAlleleShortForm")
        }
        let c = try contig(name, store: store)
        guard !r.start.isEmpty else { throw BadRequest("referenceName needs start (0-based)") }
        switch (r.start.count, r.end.count) {
        case (1, 0):
            // Sequence query: one 0-based start, exact alleles.
            guard let alt = r.alternateBases else { throw BadRequest("a query with start and no end needs alternateBases (sequence query)") }
            let position = r.start[0] + 1
            let ref = r.referenceBases
            return VariantSelection(
                regions: [Region(contig: c, start: position, end: position)],
                matches: { a in a.position == position && basesMatch(alt, a.alt) && (ref.map { basesMatch($0, a.ref) } ?? true) && typeTest(a) },
                summary: "sequence \(c):\(position) \(ref ?? "N")>\(alt)", store: store)
        case (1, 1):
            // Range query: [start, end) 0-based = start+1 ... end 1-based.
            guard r.end[0] > r.start[0] else { throw BadRequest("end (\(r.end[0])) must be greater than start (\(r.start[0])): coordinates are 0-based, half-open") }
            let region = Region(contig: c, start: r.start[0] + 1, end: r.end[0])
            try checkSpan(region)
            let ref = r.referenceBases
            return VariantSelection(regions: [region], matches: { a in common(a) && (ref.map { basesMatch($0, a.ref) } ?? true) },
                                    summary: "range \(region)", store: store)
        case (2, 2):
            // Bracket query: start in [s0, s1], end in [e0, e1] (0-based; an exclusive 0-based end equals the 1-based last base).
            let (s0, s1, e0, e1) = (r.start[0], r.start[1], r.end[0], r.end[1])
            guard s0 <= s1, e0 <= e1, s0 < e1 else { throw BadRequest("bracket query: need start[0] <= start[1], end[0] <= end[1] and start[0] < end[1]") }
            let region = Region(contig: c, start: s0 + 1, end: e1)
            try checkSpan(region)
            return VariantSelection(
                regions: [region],
                matches: { a in a.position - 1 >= s0 && a.position - 1 <= s1 && a.end >= e0 && a.end <= e1 && common(a) },
                summary: "bracket \(c) start [\(s0),\(s1)] end [\(e0),\(e1)]", store: store)
        default:
            throw BadRequest("give start (sequence query), start and end (range query), or two starts and two ends (bracket query)")
        }
    }

    /// Genomic HGVS through `VariantQuery` (indels need a reference FASTA to 3′-shift, which the service has not).
    static func hgvs(_ text: String, store: any VariantStore) throws -> VariantSelection {
        VariantSelection(.hgvs(text), summary: "hgvs \(text)", store: store)
    }

    /// Beacon bases with `N` as a wildcard for one base; `-`/`.`/empty for "no bases".
    static func basesMatch(_ pattern: String, _ bases: String) -> Bool {
        let p = pattern == "-" || pattern == "." ? "" : pattern
        guard p.count == bases.count else { return false }
        return zip(p, bases).allSatisfy { $0 == "N" || $0 == $1 }
    }

    /// `variantType` as the docs use it (SNP, DEL, INS, DUP, CNV, INDEL, MNP, BND, and the EFO CNV terms).
    static func variantTypeTest(_ type: String?) throws -> (VariantAggregate) -> Bool {
        guard let type else { return { _ in true } }
        func symbolic(_ a: VariantAggregate, _ prefixes: [String]) -> Bool { prefixes.contains { a.alt.hasPrefix($0) } }
        switch type.uppercased() {
        case "SNP", "SNV": return { $0.kind == "snv" }
        case "MNP", "MNV": return { $0.kind == "mnv" }
        case "INS": return { $0.kind == "insertion" || symbolic($0, ["<INS"]) }
        case "DEL": return { $0.kind == "deletion" || symbolic($0, ["<DEL"]) }
        case "INDEL": return { ["insertion", "deletion", "complex"].contains($0.kind) }
        case "DUP", "EFO:0030070": return { symbolic($0, ["<DUP"]) }
        case "EFO:0030067": return { symbolic($0, ["<DEL"]) }
        case "CNV", "EFO:0030071": return { symbolic($0, ["<CNV", "<DEL", "<DUP"]) }
        case "BND": return { $0.kind == "breakend" }
        case "SV": return { $0.kind == "symbolic" || $0.kind == "breakend" }
        default: throw BadRequest("unknown variantType '\(type)': use SNP, MNP, INS, DEL, INDEL, DUP, CNV, BND, SV, EFO:0030067, EFO:0030070 or EFO:0030071")
        }
    }
}
