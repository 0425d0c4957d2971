public import VariantCore

// The store's domain rules, for every backend: who counts, at what ploidy, what each stored call adds, how genotypes
// read back, how a manifest field is matched. Backends store and fetch; they decide none of this.

/// Who counts toward population frequencies: one sample per person, a germline sample before a normal one, then the
/// earliest in the batch; never a tumour; and nobody whose person already counts through an earlier sample.
public enum CountingRule {
    /// `counted[i]` for a batch's samples, given each one's role and person and whether that person already counts.
    public static func counted<Person: Hashable>(roles: [SampleRole], people: [Person], alreadyCounts: (Person) throws -> Bool) rethrows -> [Bool] {
        var out = [Bool](repeating: false, count: roles.count)
        var seen = Set<Person>()
        let order = roles.indices.sorted { a, b in
            let ra = roles[a] == .germline ? 0 : 1, rb = roles[b] == .germline ? 0 : 1
            return ra != rb ? ra < rb : a < b
        }
        for i in order where roles[i] != .tumour {
            guard !seen.contains(people[i]) else { continue }
            if try alreadyCounts(people[i]) { continue }
            seen.insert(people[i])
            out[i] = true
        }
        return out
    }

    /// After an erasure removes the sample a person counted through: which of their remaining samples counts now (a
    /// germline sample first, then the earliest; never a tumour).
    public static func next(among remaining: [(ordinal: UInt32, role: SampleRole)]) -> UInt32? {
        remaining.filter { $0.role != .tumour }
            .min { ($0.role == .germline ? 0 : 1, $0.ordinal) < ($1.role == .germline ? 0 : 1, $1.ordinal) }?.ordinal
    }
}

/// A sample's ploidy per contig class: four numbers, not a dictionary (a cohort query reads every sample).
public struct SamplePloidy: Sendable, Equatable {
    public var autosome: Int, x: Int, y: Int, mitochondrial: Int
    public init(autosome: Int, x: Int, y: Int, mitochondrial: Int) {
        self.autosome = autosome
        self.x = x
        self.y = y
        self.mitochondrial = mitochondrial
    }
    public subscript(_ cls: ContigClass) -> Int {
        switch cls {
        case .autosome: autosome
        case .x: x
        case .y: y
        case .mitochondrial: mitochondrial
        }
    }
    public var pairs: [(ContigClass, Int)] { [(.autosome, autosome), (.x, x), (.y, y), (.mitochondrial, mitochondrial)] }

    /// What a sample counts where its file has no record: the ploidy it showed at its first record of each contig
    /// class, else from the manifest's sex (X: 1 for a male, else 2; Y: 0 for a female, else 1), else diploid
    /// autosomes and haploid MT.
    public static func resolve(learned: [ContigClass: Int], sex: String?) -> SamplePloidy {
        let male = sex?.lowercased().hasPrefix("m") == true, female = sex?.lowercased().hasPrefix("f") == true
        return SamplePloidy(autosome: learned[.autosome] ?? 2, x: learned[.x] ?? (male ? 1 : 2), y: learned[.y] ?? (female ? 0 : 1),
                            mitochondrial: learned[.mitochondrial] ?? 1)
    }
}

/// An active sample as the counting rules need it.
public struct ActiveSample: Sendable, Equatable {
    public var ordinal: UInt32
    public var batch: Int
    public var role: SampleRole
    public var counted: Bool
    public var policy: AbsentPolicy
    public var ploidy: SamplePloidy
    public init(ordinal: UInt32, batch: Int, role: SampleRole, counted: Bool, policy: AbsentPolicy, ploidy: SamplePloidy) {
        self.ordinal = ordinal
        self.batch = batch
        self.role = role
        self.counted = counted
        self.policy = policy
        self.ploidy = ploidy
    }
}

/// Active samples by ordinal, in an array (ordinals are dense): looked up once per stored carrier.
public struct SampleTable: Sendable {
    public private(set) var rows: [ActiveSample?] = []
    public init() {}
    public subscript(_ o: UInt32) -> ActiveSample? { Int(o) < rows.count ? rows[Int(o)] : nil }
    public subscript(assign o: UInt32) -> ActiveSample? {
        get { self[o] }
        set {
            if Int(o) >= rows.count { rows += Array(repeating: nil, count: Int(o) + 1 - rows.count) }
            rows[Int(o)] = newValue
        }
    }
    public var values: [ActiveSample] { rows.compactMap { $0 } }
    public mutating func reserve(_ count: Int) { if rows.count < count { rows += Array(repeating: nil, count: count - rows.count) } }

    /// AN every variant has before its own lists: the ploidy of each counted sample whose absent sites are hom-ref.
    public var defaultAN: [ContigClass: Int] {
        var out: [ContigClass: Int] = [:]
        for s in values where s.counted && s.policy == .ref { for (cls, n) in s.ploidy.pairs { out[cls, default: 0] += n } }
        return out
    }
}

/// One variant's stored calls in one segment, decoded, with absolute ordinals.
public struct StoredCalls: Sendable, Equatable {
    public var het: [UInt32], homAlt: [UInt32], hemi: [UInt32], homRef: [UInt32], noCall: [UInt32]
    public var exceptions: [CallException]
    public var qc: [CarrierQC]

    public init(het: [UInt32], homAlt: [UInt32], hemi: [UInt32], homRef: [UInt32], noCall: [UInt32], exceptions: [CallException], qc: [CarrierQC]) {
        self.het = het; self.homAlt = homAlt; self.hemi = hemi; self.homRef = homRef; self.noCall = noCall
        self.exceptions = exceptions; self.qc = qc
    }

    /// A segment entry's lists (relative to `base`) made absolute.
    public init(_ e: SegmentEntry, base: UInt32, decodeQC: Bool = true) {
        func absolute(_ l: [UInt32]) -> [UInt32] { l.map { $0 + base } }
        self.init(het: absolute(e.lists[0]), homAlt: absolute(e.lists[1]), hemi: absolute(e.lists[2]), homRef: absolute(e.lists[3]),
                  noCall: absolute(e.lists[4]), exceptions: ExceptionCodec.decode(e.exceptions, base: base),
                  qc: decodeQC ? QCCodec.decode(e.qc) : [])
    }

    /// The segment entry of these calls, relative to `base`.
    public func entry(vid: Int, base: UInt32) -> SegmentEntry {
        SegmentEntry(vid: vid, lists: [het, homAlt, hemi, homRef, noCall].map { $0.map { $0 - base } },
                     exceptions: ExceptionCodec.encode(exceptions.sorted { $0.ordinal < $1.ordinal }, base: base),
                     qc: QCCodec.encode(qc))
    }

    public var isEmpty: Bool { het.isEmpty && homAlt.isEmpty && hemi.isEmpty && homRef.isEmpty && noCall.isEmpty }
    public var carriers: [UInt32] { het + homAlt + hemi }

    /// Union with another occurrence; QC follows the merged carrier order (``union(_:)``).
    public func merged(with o: StoredCalls) -> StoredCalls { Self.union([self, o]) }

    /// The union of several occurrences of one variant (in one pass, however many: compaction merges a variant's
    /// entries from hundreds of batches). QC follows the merged carrier order.
    public static func union(_ parts: [StoredCalls]) -> StoredCalls {
        guard parts.count > 1 else { return parts.first ?? StoredCalls(het: [], homAlt: [], hemi: [], homRef: [], noCall: [], exceptions: [], qc: []) }
        func u(_ lists: [[UInt32]]) -> [UInt32] {
            var all = lists.flatMap { $0 }
            all.sort()
            var out: [UInt32] = []
            out.reserveCapacity(all.count)
            for o in all where out.last != o { out.append(o) }
            return out
        }
        var m = StoredCalls(het: u(parts.map(\.het)), homAlt: u(parts.map(\.homAlt)), hemi: u(parts.map(\.hemi)),
                            homRef: u(parts.map(\.homRef)), noCall: u(parts.map(\.noCall)), exceptions: parts.flatMap(\.exceptions), qc: [])
        if parts.contains(where: { !$0.qc.isEmpty && $0.qc.count == $0.carriers.count }) {
            var q: [UInt32: CarrierQC] = [:]
            for p in parts where p.qc.count == p.carriers.count {
                for (o, v) in zip(p.carriers, p.qc) where q[o] == nil { q[o] = v }
            }
            m.qc = m.carriers.map { q[$0] ?? CarrierQC(depth: nil, genotypeQuality: nil, vaf: nil) }
        }
        return m
    }

    /// Without the given samples.
    public func removing(_ ordinals: Set<UInt32>) -> StoredCalls {
        let keepQC = qc.count == carriers.count
        let pairs = keepQC ? zip(carriers, qc).filter { !ordinals.contains($0.0) }.map(\.1) : []
        return StoredCalls(het: het.filter { !ordinals.contains($0) }, homAlt: homAlt.filter { !ordinals.contains($0) },
                           hemi: hemi.filter { !ordinals.contains($0) }, homRef: homRef.filter { !ordinals.contains($0) },
                           noCall: noCall.filter { !ordinals.contains($0) },
                           exceptions: exceptions.filter { !ordinals.contains($0.ordinal) }, qc: pairs)
    }
}

/// A variant's population counts as recomputed from its stored calls (beyond the default AN).
public struct VariantTotals: Sendable, Equatable {
    public var ac = 0, anDelta = 0, nHomAlt = 0, nHemi = 0, tumours = 0
    public var hist = VAFHistogram([])
    public init() {}

    public mutating func add(_ o: VariantTotals) {
        ac += o.ac; anDelta += o.anDelta; nHomAlt += o.nHomAlt; nHemi += o.nHemi; tumours += o.tumours
        hist.add(o.hist)
    }

    /// Adds one stored entry's contributions (samples passing `include`), by the loader's rules
    /// (``Contribution/rule(_:policy:)``, or the call's exception): counted samples to AC/AN, tumour carriers apart.
    public mutating func add(_ calls: StoredCalls, samples: SampleTable, include: (UInt32) -> Bool = { _ in true }) {
        var exceptions: [UInt32: CallException] = [:]
        if !calls.exceptions.isEmpty {
            exceptions = Dictionary(calls.exceptions.map { ($0.ordinal, $0) }, uniquingKeysWith: { a, _ in a })
            // Exceptions of samples in no list: implied hom-ref calls of another ploidy than their default.
            let listed = Set(calls.het + calls.homAlt + calls.hemi + calls.homRef + calls.noCall)
            for e in calls.exceptions where !listed.contains(e.ordinal) && samples[e.ordinal]?.counted == true && include(e.ordinal) {
                anDelta += Int(e.anDelta)
                ac += Int(e.altAlleles)
            }
        }
        var qcByCarrier: [UInt32: CarrierQC]? = nil
        for (list, cls) in [(calls.het, CallClass.het), (calls.homAlt, .homAlt), (calls.hemi, .hemi), (calls.homRef, .homRef), (calls.noCall, .noCall)] {
            for o in list where include(o) {
                guard let s = samples[o] else { continue }
                if s.role == .tumour, cls == .het || cls == .homAlt || cls == .hemi {
                    tumours += 1
                    if qcByCarrier == nil {
                        qcByCarrier = calls.qc.count == calls.carriers.count ? Dictionary(zip(calls.carriers, calls.qc), uniquingKeysWith: { a, _ in a }) : [:]
                    }
                    if let v = qcByCarrier?[o]?.vaf { hist.add(Float(v) / 254) }
                }
                guard s.counted else { continue }
                let r = exceptions.isEmpty ? Contribution.rule(cls, policy: s.policy)
                    : exceptions[o].map { (Int($0.anDelta), Int($0.altAlleles)) } ?? Contribution.rule(cls, policy: s.policy)
                anDelta += r.0
                ac += r.1
                if cls == .homAlt { nHomAlt += 1 }
                if cls == .hemi { nHemi += 1 }
            }
        }
    }
}

extension VariantTotals {
    /// What one stored call of each list kind adds, by absent policy (``Contribution/rule(_:policy:)``).
    static let rules = GenotypeText.listClasses.map { (ref: Contribution.rule($0, policy: .ref), missing: Contribution.rule($0, policy: .missing)) }

    /// Adds entry `entry` of a segment's member counts (counted cohort members in each list, by absent policy), by the
    /// lists' rules: what a cohort count needs, without decoding a list (entries with exceptions are decoded instead).
    public mutating func add(_ counts: CallSegment.MemberCounts, entry: Int) {
        for c in 0..<CallSegment.kinds {
            let nRef = Int(counts.ref[entry * CallSegment.kinds + c]), nMissing = Int(counts.missing[entry * CallSegment.kinds + c])
            guard nRef != 0 || nMissing != 0 else { continue }
            let rule = Self.rules[c]
            anDelta += nRef * rule.ref.anDelta + nMissing * rule.missing.anDelta
            ac += nRef * rule.ref.ac + nMissing * rule.missing.ac
            if c == 1 { nHomAlt += nRef + nMissing }
        }
    }
}

extension Carrier {
    /// The carriers (het, hom-alt, hemizygous) of a segment entry whose lists are relative to `base`, with their
    /// quantised depth and VAF when stored, for the ordinals `keep` accepts; in list order.
    public static func carriers(of e: SegmentEntry, base: UInt32, keep: (UInt32) -> Bool) -> [Carrier] {
        let qc = QCCodec.decode(e.qc)
        let total = e.lists[0].count + e.lists[1].count + e.lists[2].count
        var out: [Carrier] = []
        var q = 0
        for (kind, z) in [(0, Zygosity.het), (1, .homAlt), (2, .hemizygous)] {
            for rel in e.lists[kind] {
                defer { q += 1 }
                let o = base + rel
                guard keep(o) else { continue }
                let v = qc.count == total ? qc[q] : nil
                out.append(Carrier(ordinal: o, zygosity: z, depth: v?.depth.map(Int.init), vaf: v?.vaf.map { Double($0) / 254 },
                                   genotypeQuality: v?.genotypeQuality.map(Int.init), refDepth: v?.refDepth.map(Int.init),
                                   altDepth: v?.altDepth.map(Int.init)))
            }
        }
        return out
    }
}

/// VCF GT text as rebuilt from the lists: het `0/1` (padded with `0` above diploid), hom-alt `1/1`, hemizygous `1`,
/// no-call `./.`, hom-ref `0/0`; a sample in no list is hom-ref when its absent sites are (`--absent-as ref`) or its
/// batch called the site, else not called (`./.`). Ploidy from the sample's contig class.
public enum GenotypeText {
    public static func gt(_ cls: CallClass?, ploidy: Int, absentIsCalled: Bool) -> String {
        let ploidy = max(1, ploidy)
        func join(_ alleles: [String]) -> String { alleles.joined(separator: "/") }
        switch cls {
        case .het?: return join(["0", "1"] + Array(repeating: "0", count: max(0, ploidy - 2)))
        case .homAlt?: return join(Array(repeating: "1", count: ploidy))
        case .hemi?: return "1"
        case .noCall?: return join(Array(repeating: ".", count: ploidy))
        case .homRef?: return join(Array(repeating: "0", count: ploidy))
        case nil: return join(Array(repeating: absentIsCalled ? "0" : ".", count: ploidy))
        }
    }

    /// The list kind of a segment entry's list index (het, hom-alt, hemizygous, hom-ref, no-call).
    public static let listClasses: [CallClass] = [.het, .homAlt, .hemi, .homRef, .noCall]
}

/// `--cohort-where KEY=VALUE`: which manifest field a key names and how its value matches. A backend turns this
/// into its query; the matching rules are the same for all.
public struct SampleCriterion: Sendable, Equatable {
    /// Manifest columns every backend stores as fields of its own; anything else is a free attribute.
    public enum Field: String, Sendable, CaseIterable {
        case role, specimenType = "specimen_type", collectionDate = "collection_date", diagnosis, diagnosisDate = "diagnosis_date"
        case careSite = "care_site", assay, sex, birthYear = "birth_year", sample
    }
    public enum Match: Sendable, Equatable {
        /// ICD codes by prefix: `C34` matches `C34`, `C34.1`, `C341`.
        case icdPrefix(String)
        /// `role=tumor`, `role=somatic`: the tumour role.
        case tumour
        /// Equal ignoring case.
        case equalIgnoringCase(String)
        /// A free attribute stored as `key=value`, equal as written.
        case attribute(key: String, value: String)
    }

    public var field: Field?
    public var match: Match

    public init(key: String, value: String) {
        let k = key.lowercased()
        field = Field(rawValue: k)
        switch field {
        case .diagnosis?: match = .icdPrefix(value)
        case .role? where ["tumor", "somatic"].contains(value.lowercased()): match = .tumour
        case .some: match = .equalIgnoringCase(value)
        case nil: match = .attribute(key: k, value: value)
        }
    }
}
