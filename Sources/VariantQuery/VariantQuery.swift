import Foundation
public import Loader
public import VCF
public import VariantCore
public import VariantStore

/// What a query asks for: one selector (as `varde query` takes exactly one).
public enum Selector: Sendable, Equatable {
    /// Regions in bcftools syntax (records overlapping them, as `bcftools view -r`).
    case regions([Region])
    /// A gene symbol or alias, looked up in the bundled gene table of the store's assembly.
    case gene(String)
    /// A gnomAD-style variant ID; normalised (shared bases trimmed) before lookup.
    case variant(VariantID)
    case rsid(String)
    /// Genomic HGVS on a RefSeq NC_ accession of the store's assembly.
    case hgvs(String)
}

/// Filters applied after selection. `nil` means "do not filter on this".
public struct Filters: Sendable, Equatable {
    public enum VariantType: String, Sendable, CaseIterable { case snv, mnv, indel, sv }
    public enum Origin: String, Sendable, CaseIterable { case germline, somatic }

    public var minAF: Double?
    public var maxAF: Double?
    public var type: VariantType?
    public var origin: Origin?
    /// Only variants that every loading record passed (FILTER PASS or '.').
    public var passOnly: Bool
    /// Only variants with at least one of these Sequence Ontology terms in their CSQ/ANN annotations.
    public var consequences: Set<String>?

    public init(minAF: Double? = nil, maxAF: Double? = nil, type: VariantType? = nil, origin: Origin? = nil,
                passOnly: Bool = false, consequences: Set<String>? = nil) {
        self.minAF = minAF
        self.maxAF = maxAF
        self.type = type
        self.origin = origin
        self.passOnly = passOnly
        self.consequences = consequences
    }

    public func admits(_ a: VariantAggregate) -> Bool {
        if passOnly && !a.filters.isEmpty { return false }
        if let consequences, !a.consequences.contains(where: consequences.contains) { return false }
        if let minAF, (a.af ?? 0) < minAF { return false }
        if let maxAF, (a.af ?? 0) > maxAF { return false }
        if let type, !type.matches(a.kind) { return false }
        switch origin {
        case .germline?: return a.ac > 0
        case .somatic?: return a.tumours > 0
        case nil: return true
        }
    }
}

extension Filters.VariantType {
    /// Matches a stored ``AlleleKind`` raw value.
    public func matches(_ kind: String) -> Bool {
        switch self {
        case .snv: kind == "snv"
        case .mnv: kind == "mnv"
        case .indel: kind == "insertion" || kind == "deletion" || kind == "complex"
        case .sv: kind == "symbolic" || kind == "breakend"
        }
    }
}

/// The query layer shared by `varde query` and `varde serve`: selectors, cohorts and filters over a store,
/// and each variant's genomic HGVS.
public final class VariantQuery {
    public let store: any VariantStore
    public let assembly: Assembly?
    let reference: ReferenceGenome?

    /// `reference` (a FASTA) is needed only to 3′-shift indels for HGVS.
    public init(store: any VariantStore, reference: ReferenceGenome? = nil) throws {
        self.store = store
        self.assembly = try store.assembly()
        self.reference = reference
    }

    /// The variants `selector` names, with their aggregates (and the cohort's counts when `cohort` is given),
    /// that pass `filters`, in the order regions were given, then position.
    public func variants(_ selector: Selector, cohort: Set<UInt32>? = nil, filters: Filters = Filters()) throws -> [VariantAggregate] {
        var rows: [VariantAggregate] = []
        switch selector {
        case .regions(let regions) where regions.count == 1:
            rows = try store.aggregates(in: regions[0], cohort: cohort)
        case .regions(let regions):
            for r in regions { rows += try store.aggregates(in: r, cohort: cohort) }
        case .gene(let symbol):
            for r in try GeneTable.regions(for: symbol, assembly: assembly) { rows += try store.aggregates(in: r, cohort: cohort) }
        case .hgvs(let text):
            rows = try byHGVS(text, cohort: cohort)
        case .variant(let id):
            rows = try exactly([id], cohort: cohort)
        case .rsid(let rsid):
            rows = try exactly(try store.variants(rsid: rsid), cohort: cohort)
        }
        return filters == Filters() ? rows : rows.filter(filters.admits)
    }

    /// How far a breakend's ALT may place its mate from the mate record's POS: callers write the ALT's position
    /// anywhere in the mate's confidence interval (Manta: POS + 0…HOMLEN), which stays well inside this.
    public static let mateWindow = 1_000

    /// Each breakend row's mate record in the store, the pair a caller links with MATEID: the breakend near the
    /// locus this row's ALT names (within ``mateWindow``) whose own ALT names this row's contig, nearest to this
    /// row's position. The store keeps no MATEID, so the pair is read back from the two ALTs, as bracket notation
    /// defines it (VCF 4.3 §5.4).
    public func mates(of rows: [VariantAggregate]) throws -> [VariantID: VariantID] {
        var out: [VariantID: VariantID] = [:]
        var near: [Region: [VariantAggregate]] = [:]
        // Only breakends have mates: other rows (nearly all of a region query) are passed over without parsing their ALT.
        for a in rows where a.kind == AlleleKind.breakend.rawValue {
            guard let (contig, pos) = StructuralVariant(position: a.position, end: a.end, alt: a.alt)?.mateLocus else { continue }
            let region = Region(contig: contig, start: max(1, pos - Self.mateWindow), end: pos + Self.mateWindow)
            if near[region] == nil { near[region] = (try? store.aggregates(in: region, cohort: nil)) ?? [] }
            var best: (distance: Int, id: VariantID)?
            for m in near[region]! where m.variantID != a.variantID {
                guard let (backContig, backPos) = StructuralVariant(position: m.position, end: m.end, alt: m.alt)?.mateLocus,
                      Assembly.canonicalChromosome(backContig) == Assembly.canonicalChromosome(a.contig),
                      abs(backPos - a.position) <= Self.mateWindow else { continue }
                let distance = abs(backPos - a.position) + abs(m.position - pos)
                if best == nil || distance < best!.distance { best = (distance, m.variantID) }
            }
            if let best { out[a.variantID] = best.id }
        }
        return out
    }

    /// The samples carrying `id`: counted germline samples and tumours whose stored genotype holds its ALT (the
    /// Beacon's carrier answers and `varde cohort create --carrying` read this).
    public static func carriers(of id: VariantID, in store: any VariantStore) throws -> [SampleRecord] {
        let samples = try store.samples().filter { $0.counted || $0.role == .tumour }
        let calls = try store.genotypes(at: [id], samples: samples.map(\.ordinal)).first ?? []
        return zip(samples, calls).filter { $0.1.contains("1") }.map(\.0)
    }

    func exactly(_ ids: [VariantID], cohort: Set<UInt32>?) throws -> [VariantAggregate] {
        var rows: [VariantAggregate] = []
        for id in ids {
            let (pos, ref, alt) = Self.trimmed(id.position, id.ref, id.alt)
            rows += try store.aggregates(in: Region(contig: id.contig, start: pos, end: pos), cohort: cohort)
                .filter { $0.position == pos && $0.ref == ref && $0.alt == alt }
        }
        return rows
    }

    /// The sample ordinals of one sample ID, or of all samples of one person (needs the pseudonym secret).
    public func ordinals(sample: String? = nil, person: String? = nil, secretFile: String? = nil) throws -> Set<UInt32> {
        if let sample {
            guard let o = try store.ordinals(samples: [sample])[sample] else {
                throw LoadError("sample \(sample) is not in the store", fix: "list samples with 'varde samples'")
            }
            return [o]
        }
        guard let person else { return [] }
        let pseudonymizer = try Pseudonymizer.fromEnvironment(file: secretFile)
        try pseudonymizer.checkSecret(against: store, record: false)
        let p = pseudonymizer.pseudonym(person)
        guard let os = try store.ordinals(pseudonyms: [p])[p] else {
            throw LoadError("no sample of that person is in the store", fix: "check the person key and the pseudonym secret")
        }
        return Set(os)
    }

    /// The genomic HGVS of a stored variant (3′-shifted when a reference was given; `nil` for indels without one).
    public func hgvsg(_ a: VariantAggregate) -> String? {
        guard let assembly else { return nil }
        return GenomicHGVS.describe(assembly: assembly, contig: a.contig, position: a.position, ref: a.ref, alt: a.alt,
                                    reference: reference?.hgvsReference(for: a.contig))
    }

    /// ``hgvsg(_:)`` for the rows of one thread, remembering the last contig's accession (a region's rows share
    /// one) when no reference is needed.
    public func hgvsgDescriber() -> (VariantAggregate) -> String? {
        var contig: String?, accession: String?, mitochondrial = false
        return { a in
            guard let assembly = self.assembly else { return nil }
            guard self.reference == nil else { return self.hgvsg(a) }
            if a.contig != contig {
                contig = a.contig
                accession = GenomicHGVS.accession(assembly: assembly, contig: a.contig)
                mitochondrial = Assembly.canonicalChromosome(a.contig) == "MT"
            }
            guard let accession else { return nil }
            return GenomicHGVS.describe(accession: accession, mitochondrial: mitochondrial, position: a.position, ref: a.ref, alt: a.alt,
                                        reference: nil)
        }
    }

    /// Finds the stored variant whose canonical genomic HGVS equals `text`: candidates near its position are
    /// described the same way (3′-shifted against the reference) and compared as strings.
    func byHGVS(_ text: String, cohort: Set<UInt32>?) throws -> [VariantAggregate] {
        let query = text.trimmingWhitespace()
        let parts = query.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[1].hasPrefix("g.") || parts[1].hasPrefix("m."),
              let position = Int(parts[1].dropFirst(2).prefix { $0.isASCII && $0.isNumber }), position > 0 else {
            throw LoadError("cannot read '\(text)' as genomic HGVS", fix: "write ACCESSION:g.POSITIONchange, e.g. NC_000007.14:g.140753336A>T")
        }
        // Range-checked before the search window's arithmetic (a client can send any digits).
        guard position <= Region.maxPosition else {
            throw LoadError("the position in '\(text)' is beyond \(Region.maxPosition), the largest Varde reads",
                            fix: "give a position on the chromosome, e.g. NC_000007.14:g.140753336A>T")
        }
        guard let assembly else { return [] }
        let chromosomes = (1...22).map(String.init) + ["X", "Y", "MT"]
        guard let chrom = chromosomes.first(where: { GenomicHGVS.accession(assembly: assembly, contig: $0) == parts[0] }) else {
            throw LoadError("\(parts[0]) is not a chromosome accession of \(assembly.rawValue), the store's assembly",
                            fix: "use the NC_ accession of the store's assembly (e.g. NC_000007.14 on GRCh38, NC_000007.13 on GRCh37)")
        }
        let isIndel = ["del", "ins", "dup"].contains { parts[1].contains($0) } && !parts[1].contains("delins")
        if isIndel && reference == nil {
            throw LoadError("'\(text)' is an indel: finding it needs the reference to shift alleles the way HGVS does",
                            fix: "add --reference FASTA")
        }
        let window = Region(contig: chrom, start: max(1, position - 500), end: position + 500)
        return try store.aggregates(in: window, cohort: cohort).filter { hgvsg($0) == query }
    }

    /// The cohort a file (or saved name) and KEY=VALUE manifest conditions select together; `nil` for neither.
    public func cohortMembers(file: String?, conditions: [String], secretFile: String?) throws -> Set<UInt32>? {
        var members = try file.map { try resolveCohort($0, secretFile: secretFile) }
        for w in conditions {
            let parts = w.split(separator: "=", maxSplits: 1).map(String.init)
            let matched = try store.ordinals(whereField: parts[0], equals: parts.count > 1 ? parts[1] : "")
            members = members.map { $0.intersection(matched) } ?? matched
        }
        return members
    }

    /// A saved cohort's name (unless a file of that name exists), or a file of sample IDs or person keys:
    /// sample names map to themselves; anything else is taken as a person key and pseudonymised.
    func resolveCohort(_ path: String, secretFile: String?) throws -> Set<UInt32> {
        if !FileManager.default.fileExists(atPath: path), let saved = try store.cohort(named: path) { return saved }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(path: path, "cannot read the cohort file, and no saved cohort has that name", fix: "check the path or 'varde cohort list'")
        }
        let entries = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingWhitespace() }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        var members = Set<UInt32>()
        let bySample = try store.ordinals(samples: entries)
        members.formUnion(bySample.values)
        let rest = entries.filter { bySample[$0] == nil }
        if !rest.isEmpty {
            let p = try Pseudonymizer.fromEnvironment(file: secretFile)
            try p.checkSecret(against: store, record: false)
            let byPerson = try store.ordinals(pseudonyms: rest.map(p.pseudonym))
            for (k, key) in rest.enumerated() {
                guard let o = byPerson[p.pseudonym(key)] else {
                    throw LoadError(path: path, line: nil, "'\(key)' is neither a sample nor a person in the store (entry \(k + 1) of those not found as samples)",
                                    fix: "list sample IDs or person keys, one per line")
                }
                members.formUnion(o)
            }
        }
        return members
    }

    /// Shared leading and trailing bases removed, as the store keeps alleles.
    public static func trimmed(_ pos: Int, _ ref: String, _ alt: String) -> (Int, String, String) {
        var r = Array(ref), a = Array(alt), p = pos
        while r.count > 1, a.count > 1, r.last == a.last { r.removeLast(); a.removeLast() }
        while r.count > 1, a.count > 1, r.first == a.first { r.removeFirst(); a.removeFirst(); p += 1 }
        return (p, String(r), String(a))
    }

    /// BED: 0-based start, exclusive end; `#`, `track` and `browser` lines skipped.
    public static func bed(_ path: String) throws -> [Region] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(path: path, "cannot read the BED file", fix: "check the path")
        }
        var out: [Region] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline).enumerated() {
            if line.hasPrefix("#") || line.hasPrefix("track") || line.hasPrefix("browser") || line.isEmpty { continue }
            let f = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard f.count >= 3, let start = Int(f[1]), let end = Int(f[2]), start >= 0, end > start, end <= Region.maxPosition else {
                throw LoadError(path: path, line: i + 1, "expected CHROM, START, END (0-based, half-open) with END > START and END at most \(Region.maxPosition)",
                                fix: "write BED lines like: chr7<TAB>55019016<TAB>55211628")
            }
            out.append(Region(contig: String(f[0]), start: start + 1, end: end))
        }
        return out
    }
}
