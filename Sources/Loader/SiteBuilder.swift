public import VariantCore
public import VariantStore

/// Turns normalised records of one file into what the store keeps: carrier lists, exceptions, QC and
/// population contributions per site, and coverage blocks for gVCF reference blocks. Pure; one per worker.
public struct SiteBuilder: Sendable {
    /// Per sample column of the file: its ordinal, role, policy and whether it counts.
    public struct Column: Sendable {
        public var ordinal: UInt32
        public var role: SampleRole
        public var counted: Bool
        public var policy: AbsentPolicy
    }

    public let columns: [Column]
    public let fileIndex: Int
    /// gVCF blocks below this GQ (when set) do not count as coverage.
    public let minBlockGQ: Int32?
    /// Each column's default ploidy per contig class: its ploidy at the first record of that class in the
    /// file. A `ref`-policy sample counts that many alleles where the file has no record.
    public private(set) var defaults: [[Int]]
    /// Per contig class and column: a diploid hom-ref call adds nothing (default ploidy 2, absent = ref),
    /// so ``site(_:)`` skips it before any other work. Most calls of a cohort are exactly that.
    private var skipsHomRef: [[Bool]] = []
    /// Per contig class: every column's default is known, so ``learnDefaults(_:)`` has nothing to do.
    private var learned: [Bool] = []

    public init(columns: [Column], fileIndex: Int, minBlockGQ: Int32? = nil, defaults: [[Int]]? = nil) {
        self.columns = columns
        self.fileIndex = fileIndex
        self.minBlockGQ = minBlockGQ
        self.defaults = defaults ?? Array(repeating: [Int](repeating: 0, count: columns.count), count: ContigClass.allCases.count)
        for cls in self.defaults.indices { refresh(cls) }
    }

    private mutating func refresh(_ cls: Int) {
        if skipsHomRef.count <= cls { skipsHomRef += Array(repeating: [], count: cls + 1 - skipsHomRef.count) }
        if learned.count <= cls { learned += Array(repeating: false, count: cls + 1 - learned.count) }
        skipsHomRef[cls] = columns.indices.map { s in (defaults[cls][s] == 0 || defaults[cls][s] == 2) && columns[s].policy == .ref }
        learned[cls] = !defaults[cls].contains(0)
    }

    /// Fixes the default ploidies of a contig class from this record, if not fixed yet (0 = not yet seen).
    public mutating func learnDefaults(_ v: Variant) {
        let cls = ContigClass(contig: v.contig).rawValue
        guard !learned[cls] else { return }
        for s in columns.indices where defaults[cls][s] == 0 {
            var p = 0
            if let g = v.genotypes, s < g.sampleCount { p = g.call(s).count }
            defaults[cls][s] = p > 0 ? p : (cls == ContigClass.mitochondrial.rawValue ? 1 : 2)
        }
        refresh(cls)
    }

    /// Column `column`'s default ploidy per contig class, for the classes its file showed it in: what the sample
    /// counts where its file has no record.
    public func learnedPloidy(_ column: Int) -> [ContigClass: Int] {
        var out: [ContigClass: Int] = [:]
        for cls in ContigClass.allCases where defaults[cls.rawValue][column] > 0 { out[cls] = defaults[cls.rawValue][column] }
        return out
    }

    func defaultPloidy(_ column: Int, _ cls: Int) -> Int {
        let d = defaults[cls][column]
        return d > 0 ? d : 2
    }

    /// What one chunk (or a whole file) produced.
    public struct Output: Sendable {
        public var sites: [SiteCalls] = []
        public var blocks: [CoverageBlock] = []
        public var records = 0
        public var skipped = 0
        public init() {}

        public mutating func merge(_ o: Output) {
            sites += o.sites; blocks += o.blocks; records += o.records; skipped += o.skipped
        }
    }

    /// Coverage from a gVCF reference block record (ALT `<NON_REF>`, `<*>` or `.`, usually with END).
    public func coverage(_ v: Variant, into out: inout Output) {
        guard let g = v.genotypes else { return }
        let end = max(v.end, v.position)
        for s in 0..<min(g.sampleCount, columns.count) where columns[s].counted && columns[s].policy == .missing {
            let call = g.call(s)
            let called = call.filter { $0 >= 0 }.count
            guard called > 0, !call.contains(where: { $0 > 0 }) else { continue }
            if let minGQ = minBlockGQ {
                let gq = v.sampleValues.genotypeQuality?[s] ?? nil
                guard let gq, gq >= minGQ else { continue }
            }
            out.blocks.append(CoverageBlock(contig: v.contig, start: v.position, end: end, ordinal: columns[s].ordinal, ploidy: called))
        }
    }

    /// The last base a record covers. A breakend covers its own position only: Delly writes the mate's
    /// position as END (with CHR2 naming another chromosome). A symbolic SV ends at END, else at POS + |SVLEN|
    /// for alleles that span reference (`<DEL>`, `<DUP…>`, `<INV>`, `<CNV>`, `<CN…>`); an insertion at POS.
    static func end(_ v: Variant, alt: String, kind: AlleleKind) -> Int {
        switch kind {
        case .breakend:
            return v.position
        case .symbolic:
            let type = StructuralVariant.type(alt: alt)
            if type == "BND" || type == "TRA" { return v.position }
            if let e = v.infoEnd, e >= v.position { return e }
            if let l = v.svLength, type != "INS" { return v.position + abs(l) }
            return v.position
        default:
            return v.position + max(v.ref.utf8.count, 1) - 1
        }
    }

    /// Does a tumour column show the (single) ALT: ALT reads in its depths (AD, or a caller's own fields
    /// as ``VCF/CallerDepths`` reads them), or, with no depths at all, a record the caller flagged SOMATIC?
    static func tumourSupportsALT(_ v: Variant, sample s: Int) -> Bool {
        if let ad = v.sampleValues.alleleDepths, ad.count >= 2 * (s + 1) {
            if let alt = ad[2 * s + 1] { return alt > 0 }
        }
        if let af = v.sampleValues.alleleFractions, s < af.count, let f = af[s] { return f > 0 }
        return v.isSomatic
    }

    /// The site of one normalised bi-allelic record, or `nil` for what is not a stored variant
    /// (`*`, `<NON_REF>`/`<*>` placeholders).
    public func site(_ v: Variant) -> SiteCalls? {
        guard v.alts.count == 1 else { return nil }
        let alt = v.alts[0]
        let kind = AlleleKind.classify(ref: v.ref, alt: alt)
        guard kind != .referenceBlock && kind != .overlappingDeletion else { return nil }
        let end = Self.end(v, alt: alt, kind: kind)
        var site = SiteCalls(contig: v.contig, position: v.position, end: end, ref: v.ref, alt: alt, kind: kind,
                             rsid: v.ids.first { $0.hasPrefix("rs") }, fileIndex: fileIndex)
        if !v.filters.isEmpty && v.filters != ["PASS"] { site.filters = v.filters.filter { $0 != "PASS" } }
        site.annotations = v.annotations
        guard !columns.isEmpty else { return site }
        let cls = ContigClass(contig: v.contig).rawValue
        let sv = v.sampleValues
        var carriersQC: [(UInt32, CarrierQC)] = []
        var keepQC = false
        let ploidy = v.genotypes?.maxPloidy ?? 0
        let called = v.genotypes?.sampleCount ?? 0
        let classDefaults = defaults[cls]
        let alleles = v.genotypes?.alleles ?? []
        let skips = skipsHomRef[cls]
        for s in columns.indices {
            // Fast path: a diploid hom-ref call of a sample whose default is diploid hom-ref adds nothing.
            if ploidy == 2 && s < called && skips[s] && alleles[2 &* s] == 0 && alleles[2 &* s &+ 1] == 0 { continue }
            var slots = 0, missing = 0, altCount = 0
            let defaultPloidy = classDefaults[s] > 0 ? classDefaults[s] : 2
            if s < called {
                let base = s &* ploidy
                for k in 0..<ploidy {
                    let a = alleles[base &+ k]
                    if a == Genotypes.absent { break }
                    slots &+= 1
                    if a < 0 { missing &+= 1 } else if a == 1 { altCount &+= 1 }
                }
            }
            let col = columns[s]
            if col.role == .tumour && altCount == 0 && (slots == missing || v.isSomatic) && Self.tumourSupportsALT(v, sample: s) {
                // Somatic callers without GT (Strelka, Manta), or a SOMATIC record whose tumour GT names only
                // REF: a tumour with reads for the ALT carries it. A called GT is otherwise the caller's word
                // (Mutect2 writes 0/0 for a tumour of a joint call that lacks the variant). Tumours never
                // count, so AC/AN are untouched.
                slots = max(slots - missing, defaultPloidy); missing = 0; altCount = 1
            }
            // No GT for this sample in a record that has its column: present but not called.
            if slots == 0 { slots = defaultPloidy; missing = defaultPloidy }
            let cls = Contribution.classify(slots: slots, missing: missing, alt: altCount)
            switch cls {
            case .het: site.het.append(col.ordinal)
            case .homAlt: site.homAlt.append(col.ordinal)
            case .hemi: site.hemi.append(col.ordinal)
            case .homRef: if col.policy == .missing { site.homRef.append(col.ordinal) }
            case .noCall: site.noCall.append(col.ordinal)
            }
            let actual = Contribution.actual(slots: slots, missing: missing, alt: altCount, policy: col.policy, defaultPloidy: defaultPloidy)
            let rule = Contribution.rule(cls, policy: col.policy)
            if actual != rule {
                site.exceptions.append(CallException(ordinal: col.ordinal, anDelta: Int32(actual.anDelta), altAlleles: Int32(actual.ac)))
            }
            if col.counted {
                site.contribution.ac += actual.ac
                site.contribution.anDelta += actual.anDelta
                if cls == .homAlt { site.contribution.nHomAlt += 1 }
                if cls == .hemi { site.contribution.nHemi += 1 }
            }
            if cls == .het || cls == .homAlt || cls == .hemi {
                let dp = sv.depth?[s] ?? nil
                let gq = sv.genotypeQuality?[s] ?? nil
                var vaf: Float? = sv.alleleFractions?[s] ?? nil
                var refReads: Int32? = nil, altReads: Int32? = nil
                if let ad = sv.alleleDepths, ad.count >= 2 * (s + 1) {
                    refReads = ad[2 * s]; altReads = ad[2 * s + 1]
                }
                if vaf == nil, let a = altReads {
                    let r = refReads ?? 0
                    if r + a > 0 { vaf = Float(a) / Float(r + a) }
                }
                // The reads are kept for tumours and normals, whose exports use them (FHIR 82121-5, MAF counts); a
                // germline carrier's record stays 4 bytes (its VAF is already AD's ratio), so germline stores do not grow.
                if col.role == .germline { refReads = nil; altReads = nil }
                let q = QCCodec.quantise(depth: dp, gq: gq, vaf: vaf, refDepth: refReads, altDepth: altReads)
                if dp != nil || gq != nil || vaf != nil || refReads != nil || altReads != nil { keepQC = true }
                carriersQC.append((col.ordinal, q))
                if col.role == .tumour {
                    site.tumourCarriers += 1
                    if let q = q.vaf { site.tumourVAFs.append(Float(q) / 254) }
                }
            }
        }
        if keepQC {
            // QC follows the stored carrier order: het, then hom-alt, then hemi.
            let byOrdinal = Dictionary(carriersQC, uniquingKeysWith: { a, _ in a })
            site.qc = (site.het + site.homAlt + site.hemi).map { byOrdinal[$0]! }
        }
        return site
    }
}
