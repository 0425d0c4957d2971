public import VariantCore
public import VariantStore

/// One called allele of one sample, with what the Variant Observation needs: the stored site, the carrier's call
/// and QC, the sample, its transcript annotations, the genomic HGVS and the genes it lies in.
public struct VariantFinding: Sendable {
    public var site: VariantCarriers
    public var carrier: Carrier
    public var sample: SampleDetail
    public var annotations: [Annotation]
    public var hgvsg: String?
    public var genes: [GeneReference]
    public init(site: VariantCarriers, carrier: Carrier, sample: SampleDetail, annotations: [Annotation], hgvsg: String?,
                genes: [GeneReference]) {
        self.site = site
        self.carrier = carrier
        self.sample = sample
        self.annotations = annotations
        self.hgvsg = hgvsg
        self.genes = genes
    }
}

/// Pure mapping from the store's domain values to FHIR R4 resources following the Genomics Reporting IG STU3
/// (spec `fhir-genomics.md` §2–4). Every function returns the resource's deterministic id and its JSON; nothing here
/// reads a file or the store.
public struct GenomicsMapper: Sendable {
    public let assembly: Assembly
    public let options: FHIROptions

    public init(assembly: Assembly, options: FHIROptions) {
        self.assembly = assembly
        self.options = options
    }

    // MARK: References and small builders

    /// `urn:uuid:<id>` inside a Bundle (resolved through fullUrl), `Type/<id>` in NDJSON.
    public func reference(_ type: String, _ id: String) -> JSONValue {
        .obj([("reference", .string(options.format == .bundle ? "urn:uuid:\(id)" : "\(type)/\(id)"))])
    }

    static func coding(_ system: String, _ code: String, _ display: String?) -> JSONValue {
        .obj([("system", .string(system)), ("code", .string(code)), ("display", display.map(JSONValue.string))])
    }

    static func concept(_ system: String, _ code: String, _ display: String?) -> JSONValue {
        .obj([("coding", .array([coding(system, code, display)]))])
    }

    static func loinc(_ c: GenomicsCodes.Code) -> JSONValue { concept(GenomicsCodes.loinc, c.code, c.display) }

    static func component(_ code: GenomicsCodes.Code, _ key: String, _ value: JSONValue) -> JSONValue {
        .obj([("code", loinc(code)), (key, value)])
    }

    static func meta(profile: String) -> JSONValue { .obj([("profile", .array([.string(profile)]))]) }

    /// `YYYY-MM-DD` of an ISO 8601 date or timestamp; `nil` when it is not one.
    public static func date(_ s: String?) -> String? {
        guard let s else { return nil }
        let u = Array(s.utf8)
        guard u.count >= 10 else { return nil }
        for (i, c) in u.prefix(10).enumerated() {
            let ok = (i == 4 || i == 7) ? c == UInt8(ascii: "-") : (c >= 48 && c <= 57)
            if !ok { return nil }
        }
        let month = Int(String(decoding: u[5..<7], as: UTF8.self)) ?? 0, day = Int(String(decoding: u[8..<10], as: UTF8.self)) ?? 0
        guard (1...12).contains(month), (1...31).contains(day) else { return nil }
        return String(decoding: u.prefix(10), as: UTF8.self)
    }

    /// A fraction in [0, 1] as a FHIR decimal with at most 3 decimals (the store keeps VAF in 1/254 steps).
    public static func fraction(_ x: Double) -> String {
        let m = Int((min(max(x, 0), 1) * 1000).rounded())
        if m == 1000 { return "1" }
        if m == 0 { return "0" }
        var digits = String(m)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast() }
        return "0." + digits
    }

    // MARK: Patient

    /// The pseudonymous Patient: identifier = pseudonym (type PSEUDED) under the configured system, gender, birth
    /// year only; never a name, address or person key.
    public func patient(pseudonym: String, sex: String?, birthYear: Int?) -> (id: String, resource: JSONValue) {
        let id = ResourceID.make("Patient", pseudonym)
        let gender: String? = sex.map { s in
            switch s.lowercased() {
            case "m", "male": "male"
            case "f", "female": "female"
            default: "unknown"
            }
        }
        let year = birthYear.flatMap { (1000...9999).contains($0) ? String($0) : nil }
        let pseuded = Self.coding(GenomicsCodes.v3ObservationValue, "PSEUDED", "pseudonymized")
        return (id, .obj([
            ("resourceType", .string("Patient")), ("id", .string(id)),
            ("meta", .obj([("security", .array([pseuded]))])),
            ("identifier", .array([.obj([
                ("type", .obj([("coding", .array([pseuded]))])),
                ("system", .string(options.patientIdentifierSystem)), ("value", .string(pseudonym)),
            ])])),
            ("gender", gender.map(JSONValue.string)), ("birthDate", year.map(JSONValue.string)),
        ]))
    }

    // MARK: Specimen

    /// v2-0487 type of a sample: a manifest `specimen_type` naming a known type wins, else tumour → TUMOR,
    /// normal or germline → BLD (v2-0487 has no "normal sample" code).
    static func specimenType(role: SampleRole, manifest: String?) -> (String, String) {
        switch manifest?.lowercased().trimmingCharacters(in: " ") {
        case "tumour"?, "tumor"?, "tumour tissue"?, "tumor tissue"?: return ("TUMOR", "Tumor")
        case "blood"?, "whole blood"?, "bld"?: return ("BLD", "Whole blood")
        case "saliva"?, "sal"?: return ("SAL", "Saliva")
        case "tissue"?, "tiss"?: return ("TISS", "Tissue")
        default: return role == .tumour ? ("TUMOR", "Tumor") : ("BLD", "Whole blood")
        }
    }

    /// Does `text` hold a CPR-like number (6 digits, an optional '-', 4 digits, not inside a longer run of letters or
    /// digits)? Such a sample name is never exported: a site that names samples by CPR would leak it.
    public static func containsCPRLike(_ text: String) -> Bool {
        let u = Array(text.utf8)
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < u.count && u[i] >= 48 && u[i] <= 57 }
        func isAlnum(_ i: Int) -> Bool {
            guard i >= 0 && i < u.count else { return false }
            let c = u[i] | 0x20
            return isDigit(i) || (c >= 97 && c <= 122)
        }
        for start in u.indices where !isAlnum(start - 1) {
            guard (0..<6).allSatisfy({ isDigit(start + $0) }) else { continue }
            var j = start + 6
            if j < u.count, u[j] == UInt8(ascii: "-") { j += 1 }
            if (0..<4).allSatisfy({ isDigit(j + $0) }) && !isAlnum(j + 4) { return true }
        }
        return false
    }

    public func specimen(_ s: SampleDetail, patientID: String) -> (id: String, resource: JSONValue) {
        let id = ResourceID.make("Specimen", s.pseudonym, s.name)
        let identifier: JSONValue? = Self.containsCPRLike(s.name) ? nil
            : .array([.obj([("system", .string(options.sampleIdentifierSystem)), ("value", .string(s.name))])])
        let (code, display) = Self.specimenType(role: s.role, manifest: s.specimenType)
        var type: [(String, JSONValue?)] = [("coding", .array([Self.coding(GenomicsCodes.v2SpecimenType, code, display)]))]
        if let text = s.specimenType, !text.isEmpty, !Self.containsCPRLike(text) { type.append(("text", .string(text))) }
        return (id, .obj([
            ("resourceType", .string("Specimen")), ("id", .string(id)),
            ("identifier", identifier),
            ("type", .obj(type)), ("subject", reference("Patient", patientID)),
            ("collection", Self.date(s.collectionDate).map { JSONValue.obj([("collectedDateTime", .string($0))]) }),
        ]))
    }

    // MARK: Condition

    /// The cancer diagnosis from the manifest: ICD-O-3 morphology (`8140/3`) or ICD-10 (`C50.9`).
    public func condition(pseudonym: String, code: String, date: String?, patientID: String) -> (id: String, resource: JSONValue) {
        let id = ResourceID.make("Condition", pseudonym, code)
        let isMorphology = code.count == 6 && code.dropFirst(4).first == "/" && code.filter(\.isNumber).count == 5
        let system = isMorphology ? GenomicsCodes.icdO3 : GenomicsCodes.icd10
        return (id, .obj([
            ("resourceType", .string("Condition")), ("id", .string(id)),
            ("verificationStatus", Self.concept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed")),
            ("code", Self.concept(system, code, nil)), ("subject", reference("Patient", patientID)),
            ("onsetDateTime", Self.date(date).map(JSONValue.string)),
        ]))
    }

    // MARK: DiagnosticReport

    /// The Genomic Report of one analysis (a person's samples of one batch: a germline sample, or a tumour with its
    /// normal): profile genomic-report, category GE, code 51969-4, every specimen, every Variant as a result.
    public func report(pseudonym: String, batch: Int, patientID: String, specimenIDs: [String], date: String?, assay: String?,
                       resultIDs: [String]) -> (id: String, resource: JSONValue) {
        let id = ResourceID.make("DiagnosticReport", pseudonym, String(batch))
        var code: [(String, JSONValue?)] = [("coding", .array([Self.coding(GenomicsCodes.loinc, GenomicsCodes.geneticAnalysisReport.code,
                                                                              GenomicsCodes.geneticAnalysisReport.display)]))]
        if let assay, !assay.isEmpty, !Self.containsCPRLike(assay) { code.append(("text", .string(assay))) }
        return (id, .obj([
            ("resourceType", .string("DiagnosticReport")), ("id", .string(id)),
            ("meta", Self.meta(profile: GenomicsCodes.genomicReportProfile)),
            ("status", .string("final")),
            ("category", .array([Self.concept(GenomicsCodes.v2DiagnosticService, "GE", "Genetics")])),
            ("code", .obj(code)), ("subject", reference("Patient", patientID)),
            ("effectiveDateTime", date.map(JSONValue.string)),
            ("specimen", specimenIDs.isEmpty ? nil : .array(specimenIDs.map { reference("Specimen", $0) })),
            ("result", resultIDs.isEmpty ? nil : .array(resultIDs.map { reference("Observation", $0) })),
        ]))
    }

    // MARK: Variant Observation

    public func observationID(_ f: VariantFinding) -> String {
        ResourceID.make("Observation", f.sample.pseudonym, f.sample.name, f.site.variantID.description)
    }

    /// The transcript whose HGVSc/HGVSp represent the variant: among annotations with an HGVSc, a RefSeq `NM_`
    /// transcript first, then one with a protein change, then the annotator's order.
    public static func representative(_ annotations: [Annotation]) -> Annotation? {
        let candidates = annotations.enumerated().filter { !($0.element.hgvsc ?? "").isEmpty }
        return candidates.min { a, b in
            let ka = ((a.element.transcript ?? "").hasPrefix("NM_") ? 0 : 1, (a.element.hgvsp ?? "").isEmpty ? 1 : 0, a.offset)
            let kb = ((b.element.transcript ?? "").hasPrefix("NM_") ? 0 : 1, (b.element.hgvsp ?? "").isEmpty ? 1 : 0, b.offset)
            return ka < kb
        }?.element
    }

    /// `accession:c.…`: SnpEff writes HGVS.c without its transcript, VEP with it.
    static func qualified(_ hgvs: String?, accession: String?) -> String? {
        guard let h = hgvs?.trimmingCharacters(in: " "), !h.isEmpty else { return nil }
        if h.contains(":") { return h }
        return accession.map { "\($0):\(h)" } ?? h
    }

    static func transcriptSystem(_ id: String) -> String? {
        if ["NM_", "NR_", "XM_", "XR_"].contains(where: id.hasPrefix) { return GenomicsCodes.refSeq }
        if id.hasPrefix("ENST") { return GenomicsCodes.ensembl }
        return nil
    }

    /// The Variant Observation of one called allele of one sample (spec §2.4, §3): VCF-like and HGVS patterns both,
    /// 0-based interval coordinates, source class from the sample's role, allelic state for germline calls only.
    public func observation(_ f: VariantFinding, patientID: String, specimenID: String) -> (id: String, resource: JSONValue) {
        let id = observationID(f)
        let v = f.site
        var components: [JSONValue] = []
        func add(_ code: GenomicsCodes.Code, _ key: String, _ value: JSONValue) { components.append(Self.component(code, key, value)) }
        let accession = GenomicHGVS.accession(assembly: assembly, contig: v.contig)
        if let accession { add(GenomicsCodes.genomicRefSeq, "valueCodeableConcept", Self.concept(GenomicsCodes.refSeq, accession, nil)) }
        let asm = GenomicsCodes.assemblyAnswer(assembly)
        add(GenomicsCodes.assembly, "valueCodeableConcept", Self.concept(GenomicsCodes.loinc, asm.code, asm.display))
        if let chrom = GenomicsCodes.chromosomeAnswer(v.contig) {
            add(GenomicsCodes.chromosome, "valueCodeableConcept", Self.concept(GenomicsCodes.loinc, chrom.code, chrom.display))
        }
        let kind = AlleleKind(rawValue: v.kind) ?? .snv
        if kind.isSequenceResolved {
            // The Varde rule: 0-based interval counting, low = POS-1, high = POS-1+len(REF); REF/ALT as stored (VCF anchor kept).
            let low = v.position - 1, high = v.position - 1 + v.ref.utf8.count
            let zero = GenomicsCodes.zeroBasedInterval
            add(GenomicsCodes.coordinateSystem, "valueCodeableConcept", Self.concept(GenomicsCodes.loinc, zero.code, zero.display))
            add(GenomicsCodes.exactStartEnd, "valueRange", .obj([("low", .obj([("value", .int(low))])), ("high", .obj([("value", .int(high))]))]))
            add(GenomicsCodes.refAllele, "valueString", .string(v.ref))
            add(GenomicsCodes.altAllele, "valueString", .string(v.alt))
        }
        if let g = f.hgvsg { add(GenomicsCodes.genomicHGVS, "valueCodeableConcept", Self.concept(GenomicsCodes.hgvs, g, nil)) }
        if let t = Self.representative(f.annotations) {
            if let c = Self.qualified(t.hgvsc, accession: t.transcript) {
                add(GenomicsCodes.codingHGVS, "valueCodeableConcept", Self.concept(GenomicsCodes.hgvs, c, nil))
            }
            if let p = Self.qualified(t.hgvsp, accession: nil) {
                add(GenomicsCodes.proteinHGVS, "valueCodeableConcept", Self.concept(GenomicsCodes.hgvs, p, nil))
            }
            if let tx = t.transcript, let system = Self.transcriptSystem(tx) {
                add(GenomicsCodes.transcriptRefSeq, "valueCodeableConcept", Self.concept(system, tx, nil))
            }
        }
        for gene in f.genes {
            if let hgnc = gene.hgncID {
                add(GenomicsCodes.geneStudied, "valueCodeableConcept", Self.concept(GenomicsCodes.hgnc, hgnc, gene.symbol))
            } else if let entrez = gene.entrez {
                add(GenomicsCodes.geneStudied, "valueCodeableConcept", Self.concept(GenomicsCodes.ncbiGene, entrez, gene.symbol))
            }
        }
        if let so = GenomicsCodes.changeType(kind: v.kind, alt: v.alt) {
            add(GenomicsCodes.changeType, "valueCodeableConcept", Self.concept(GenomicsCodes.sequenceOntology, so.code, so.display))
        }
        let somatic = f.sample.role == .tumour
        let origin = somatic ? GenomicsCodes.somatic : GenomicsCodes.germline
        add(GenomicsCodes.sourceClass, "valueCodeableConcept", Self.concept(GenomicsCodes.loinc, origin.code, origin.display))
        if !somatic {
            let state: GenomicsCodes.Code? = switch f.carrier.zygosity {
            case .het: GenomicsCodes.heterozygous
            case .homAlt: GenomicsCodes.homozygous
            case .hemizygous: GenomicsCodes.hemizygous
            case .homRef, .noCall: nil
            }
            if let state { add(GenomicsCodes.allelicState, "valueCodeableConcept", Self.concept(GenomicsCodes.loinc, state.code, state.display)) }
        }
        // VAF for somatic calls only: a germline call's zygosity says more, and the loader's VAF of a split 1/2 call is
        // AD[alt] / (AD[ref] + AD[alt]) of that ALT alone, not its fraction of the site's reads.
        if somatic, let vaf = f.carrier.vaf {
            add(GenomicsCodes.sampleVAF, "valueQuantity", .obj([("value", .number(Self.fraction(vaf))), ("system", .string(GenomicsCodes.ucum)),
                                                                 ("code", .string("1"))]))
        }
        // Allelic read depth: the reads for this ALT (AD[alt], or the caller's own fields), never DP.
        if somatic, let reads = f.carrier.altDepth {
            add(GenomicsCodes.allelicReadDepth, "valueQuantity", .obj([("value", .int(reads)), ("system", .string(GenomicsCodes.ucum)),
                                                                        ("code", .string(GenomicsCodes.readsUnit))]))
        }
        if let rsid = v.rsid, rsid.hasPrefix("rs") {
            add(GenomicsCodes.variationCode, "valueCodeableConcept", Self.concept(GenomicsCodes.dbSNP, rsid, nil))
        }
        // DP, GQ, FILTER: Varde-coded components (open slicing), never in an IG slot.
        func qc(_ code: String, _ display: String, _ key: String, _ value: JSONValue) {
            components.append(.obj([("code", Self.concept(options.qcCodeSystem, code, display)), (key, value)]))
        }
        if let dp = f.carrier.depth { qc("read-depth", "Read depth at the site (FORMAT/DP)", "valueInteger", .int(dp)) }
        if let gq = f.carrier.genotypeQuality { qc("genotype-quality", "Genotype quality (FORMAT/GQ)", "valueInteger", .int(gq)) }
        qc("filter", "VCF FILTER of the records that called it", "valueString", .string(v.filters ?? "PASS"))

        return (id, .obj([
            ("resourceType", .string("Observation")), ("id", .string(id)),
            ("meta", Self.meta(profile: GenomicsCodes.variantProfile)),
            ("status", .string("final")),
            ("category", .array([Self.concept(GenomicsCodes.observationCategory, "laboratory", "Laboratory"),
                                 Self.concept(GenomicsCodes.v2DiagnosticService, "GE", "Genetics")])),
            ("code", Self.loinc(GenomicsCodes.variantAssessment)),
            ("subject", reference("Patient", patientID)),
            ("valueCodeableConcept", Self.loinc(GenomicsCodes.present)),
            ("method", Self.loinc(GenomicsCodes.sequencing)),
            ("specimen", reference("Specimen", specimenID)),
            ("component", .array(components)),
        ]))
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
