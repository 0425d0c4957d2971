/// What a VCF file itself says about which of its samples are tumours and which are normals, read from
/// the header the way somatic callers write it. The loader turns these hints into roles before anything
/// is counted (the manifest's explicit `role` wins over them).
///
/// Conventions recognised, in order:
/// - `##tumor_sample=` / `##normal_sample=` (GATK Mutect2, also tumour-only);
/// - `##SAMPLE=<ID=…,Genomes=Tumor|Germline>` (TCGA VCF), `##SAMPLE=<ID=TUMOR|NORMAL,SampleName=…>` and
///   `##sample=<ID=NORMAL,name=…>` (older GATK), `##PEDIGREE=<Derived=T,Original=N>` (bcbio, SnpEff `-cancer`);
/// - column names `TUMOR`/`TUMOUR`/`NORMAL`, or names with such a word (`DNA_TUMOR`, `patient7-normal`)
///   (Strelka, VarScan, MuSE, SomaticSniper, RADIA, vcf2maf's tests);
/// - TCGA barcodes (`TCGA-A2-A04W-01A…`): sample type 01–09 is a tumour, 10–19 a normal;
/// - in a somatic file of two samples, names that differ in one letter only, `R`, `N`, `B` or `G` against `T`
///   (the Hartwig/GRIDSS convention, `COLO829v001R` and `COLO829v001T`): the `T` sample is the tumour;
/// - the caller's column order when nothing names the samples: Manta (INFO/SOMATICSCORE) writes the
///   normal then the tumour; VarDict (INFO/STATUS) the tumour then the normal;
/// - in a somatic file of two samples whose normal is named, the other sample is the tumour.
///
/// ``somaticEvidence`` says why the file looks like somatic caller output at all (INFO/SOMATIC, VarScan's
/// SS, VarDict's STATUS, Manta's SOMATICSCORE, a tumour allele fraction INFO/TAF as GRIDSS's somatic filter
/// writes, a FILTER on normal-sample support, a somatic caller's `##source`…): a sample of such a file
/// that no convention names must not be counted as germline.
public struct SampleRoleHints: Sendable, Equatable {
    public enum Role: String, Sendable, Equatable { case tumour, normal }

    public struct Hint: Sendable, Equatable {
        public var role: Role
        /// The header line or convention the role comes from, for messages.
        public var evidence: String
        public init(role: Role, evidence: String) {
            self.role = role
            self.evidence = evidence
        }
    }

    /// Hints by sample name (only samples of the file's column line).
    public var samples: [String: Hint] = [:]
    /// Why the file looks like somatic caller output, or `nil` when nothing says so.
    public var somaticEvidence: String?
    /// The person of a sample, where a `##SAMPLE=<ID=…,Individual=…>` line names one (TCGA VCF convention).
    public var individuals: [String: String] = [:]

    public init(samples: [String: Hint] = [:], somaticEvidence: String? = nil) {
        self.samples = samples
        self.somaticEvidence = somaticEvidence
    }

    public var tumours: [String] { samples.filter { $0.value.role == .tumour }.map(\.key).sorted() }
    public var normals: [String] { samples.filter { $0.value.role == .normal }.map(\.key).sorted() }

    /// A header line as htslib parsed it: `##key=value` (`fields` empty) or `##key=<ID=…,…>`.
    public struct Line: Sendable, Equatable {
        public var key: String
        public var value: String?
        public var fields: [String: String]
        public init(key: String, value: String? = nil, fields: [String: String] = [:]) {
            self.key = key
            self.value = value
            self.fields = fields
        }
    }

    /// Infers the hints from the column names and header lines.
    public static func infer(samples: [String], lines: [Line], info: [VCFHeader.Field]) -> SampleRoleHints {
        var hints = SampleRoleHints()
        let columns = Set(samples)
        func set(_ name: String?, _ role: Role, _ evidence: String) {
            guard let name, columns.contains(name), hints.samples[name] == nil else { return }
            hints.samples[name] = Hint(role: role, evidence: evidence)
        }
        // 1. Explicit declarations.
        for l in lines {
            switch l.key.lowercased() {
            case "tumor_sample", "tumour_sample": set(l.value, .tumour, "##\(l.key)=\(l.value ?? "")")
            case "normal_sample": set(l.value, .normal, "##\(l.key)=\(l.value ?? "")")
            default: break
            }
        }
        for l in lines where l.key.lowercased() == "sample" {
            guard let id = l.fields["ID"] else { continue }
            if columns.contains(id), let who = l.fields["Individual"], !who.isEmpty { hints.individuals[id] = who }
            let genomes = (l.fields["Genomes"] ?? l.fields["Genome"] ?? "").lowercased()
            if genomes.contains("tumo") { set(id, .tumour, "##SAMPLE=<ID=\(id),Genomes=\(l.fields["Genomes"] ?? "")>") }
            if genomes.contains("germline") || genomes.contains("normal") {
                set(id, .normal, "##SAMPLE=<ID=\(id),Genomes=\(l.fields["Genomes"] ?? "")>")
            }
            // ##SAMPLE=<ID=TUMOR,SampleName=X> / ##sample=<ID=NORMAL,name=X>: the ID is the role, X the column.
            if let role = wordRole(id) {
                for key in ["SampleName", "name", "Name"] { set(l.fields[key], role, "##\(l.key)=<ID=\(id),\(key)=…>") }
            }
        }
        for l in lines where l.key.uppercased() == "PEDIGREE" {
            set(l.fields["Derived"], .tumour, "##PEDIGREE=<Derived=…>")
            set(l.fields["Original"], .normal, "##PEDIGREE=<Original=…>")
        }
        // 2. Column names.
        for name in samples {
            if let role = nameRole(name) { set(name, role, "its column name '\(name)'") }
        }
        for name in samples {
            if let role = tcgaRole(name) { set(name, role, "its TCGA barcode (sample type \(name.split(separator: "-")[3].prefix(2)))") }
        }
        // 3. Is this somatic caller output at all?
        let infoIDs = Set(info.map(\.id))
        var evidence: [String] = []
        if let s = hints.samples.first(where: { $0.value.role == .tumour }) { evidence.append("\(s.key) is a tumour by \(s.value.evidence)") }
        // A normal named by a header line (not only by its column name) means a tumour/normal file too.
        if let s = hints.samples.first(where: { $0.value.role == .normal && $0.value.evidence.hasPrefix("##") }) {
            evidence.append("\(s.key) is the normal by \(s.value.evidence)")
        }
        for l in lines {
            let k = l.key.lowercased(), v = (l.value ?? "").lowercased()
            // Germline Strelka, VarScan and Delly write the same ##source as their somatic modes: only the
            // purely somatic callers count here, and ##content where it says "somatic".
            if k == "source", ["mutect", "muse", "somaticsniper"].contains(where: { v.contains($0) }) { evidence.append("##source=\(l.value ?? "")") }
            if k == "content", v.contains("somatic") { evidence.append("##content=\(l.value ?? "")") }
            if k == "mutect" || k == "muse_version" || k == "tumor" { evidence.append("##\(l.key) line") }
            if k == "gatkcommandline", let id = l.fields["ID"]?.lowercased(), id == "mutect" || id == "mutect2" {
                evidence.append("##GATKCommandLine=<ID=\(l.fields["ID"]!)>")
            }
        }
        // GRIDSS's somatic filter (gridss_somatic_filter, Hartwig's pipeline) writes no INFO/SOMATIC: its output
        // declares the tumours' allele fraction (INFO/TAF) and filters on support in the normal.
        if let taf = info.first(where: { $0.id == "TAF" }), taf.description.lowercased().contains("tumo") {
            evidence.append("the header declares INFO/TAF (\(taf.description))")
        }
        for l in lines where l.key.uppercased() == "FILTER" {
            let d = (l.fields["Description"] ?? "").lowercased()
            if ["normalSupport", "SRNormalSupport"].contains(l.fields["ID"] ?? "") || (d.contains("normal sample") && d.contains("support")) {
                evidence.append("##FILTER=<ID=\(l.fields["ID"] ?? "")> (support in the normal)")
            }
        }
        // INFO tags alone mark a somatic caller's file only where a caller writes them: a few samples.
        if samples.count <= 4 {
            for (tag, what) in [("SOMATIC", "INFO/SOMATIC"), ("SOMATICSCORE", "INFO/SOMATICSCORE (Manta)"), ("SS", "INFO/SS (VarScan somatic status)"),
                                ("STATUS", "INFO/STATUS (VarDict)"), ("QSS", "INFO/QSS (Strelka)"), ("QSI", "INFO/QSI (Strelka)")]
            where infoIDs.contains(tag) {
                if tag == "STATUS", !(info.first { $0.id == tag }?.description.lowercased().contains("somatic") ?? false) { continue }
                if tag == "SS", !(info.first { $0.id == tag }?.description.lowercased().contains("somatic") ?? false) { continue }
                evidence.append("the header declares \(what)")
            }
        }
        hints.somaticEvidence = evidence.first
        guard hints.somaticEvidence != nil, !samples.isEmpty else { return hints }
        // 4. A pair named by one letter (`…R`/`…T`), then the caller's column order, when nothing named the samples.
        if samples.count == 2, hints.samples.isEmpty, let (normal, tumour) = letterPair(samples[0], samples[1]) {
            set(normal, .normal, "its name against \(tumour)'s (R/N/B/G for the normal, T for the tumour)")
            set(tumour, .tumour, "its name against \(normal)'s (R/N/B/G for the normal, T for the tumour)")
        }
        if samples.count == 2, hints.samples.isEmpty {
            if infoIDs.contains("SOMATICSCORE") || lines.contains(where: { $0.key.lowercased() == "source" && ($0.value ?? "").hasPrefix("GenerateSVCandidates") }) {
                set(samples[0], .normal, "Manta's column order (normal, then tumour)")
                set(samples[1], .tumour, "Manta's column order (normal, then tumour)")
            } else if lines.contains(where: { $0.key.lowercased() == "source" && ($0.value ?? "").lowercased().hasPrefix("strelka") }) {
                // Strelka's somatic workflow writes NORMAL then TUMOR; renamed columns keep that order.
                set(samples[0], .normal, "Strelka's column order (normal, then tumour)")
                set(samples[1], .tumour, "Strelka's column order (normal, then tumour)")
            } else if infoIDs.contains("STATUS"), info.first(where: { $0.id == "STATUS" })?.description.lowercased().contains("somatic") == true {
                set(samples[0], .tumour, "VarDict's column order (tumour, then normal)")
                set(samples[1], .normal, "VarDict's column order (tumour, then normal)")
            }
        }
        // 5. A tumour/normal pair whose normal is named: the other column is the tumour.
        if samples.count == 2, hints.samples.count == 1, let (named, hint) = hints.samples.first, hint.role == .normal {
            set(samples.first { $0 != named }, .tumour, "being the other sample of a pair whose normal is \(named)")
        }
        return hints
    }

    /// Two names equal but for one letter, `T` in one and `R`, `N`, `B` or `G` in the other (either case), where
    /// that letter has no letter beside it (`COLO829v001R_dedup`, `P7-N`/`P7-T`; not `ROSE`/`TOSE`):
    /// (normal, tumour).
    static func letterPair(_ a: String, _ b: String) -> (normal: String, tumour: String)? {
        let x = Array(a), y = Array(b)
        guard x.count == y.count, x.count >= 2 else { return nil }
        let differing = x.indices.filter { x[$0] != y[$0] }
        guard differing.count == 1, let i = differing.first else { return nil }
        // The letter stands alone, no letter beside it: "…001R_…", "P7-T", not "ROSE"/"TOSE" or "sampleT".
        let before = i > 0 ? x[i - 1] : "_", after = i + 1 < x.count ? x[i + 1] : "_"
        guard !before.isLetter && !after.isLetter else { return nil }
        let normalLetters: Set<Character> = ["R", "N", "B", "G"]
        let (p, q) = (Character(x[i].uppercased()), Character(y[i].uppercased()))
        if q == "T", normalLetters.contains(p) { return (a, b) }
        if p == "T", normalLetters.contains(q) { return (b, a) }
        return nil
    }

    /// `TUMOR`, `tumour`, `DNA_TUMOR`, `p7-normal`: a word of the name (split at `_`, `-`, `.`) names the role.
    static func nameRole(_ name: String) -> Role? {
        let words = name.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." || $0 == " " })
        var found: Role? = nil
        for w in words {
            guard let r = wordRole(String(w)) else { continue }
            if let f = found, f != r { return nil }  // "tumor_normal": both, so neither
            found = r
        }
        return found
    }

    static func wordRole(_ word: String) -> Role? {
        switch word.uppercased() {
        case "TUMOR", "TUMOUR": .tumour
        case "NORMAL": .normal
        default: nil
        }
    }

    /// TCGA barcodes: `TCGA-TSS-PART-NNV…`; sample type NN 01–09 tumour, 10–19 normal, else nothing.
    static func tcgaRole(_ name: String) -> Role? {
        let parts = name.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0] == "TCGA", parts[1].count == 2, parts[2].count == 4,
              parts[3].count >= 2, let type = Int(parts[3].prefix(2)) else { return nil }
        switch type {
        case 1...9: return .tumour
        case 10...19: return .normal
        default: return nil
        }
    }
}
