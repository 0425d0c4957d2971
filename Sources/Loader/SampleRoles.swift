public import VCF
public import VariantStore

/// Each sample's role and person, decided from the file and the manifest before anything is counted.
///
/// - The manifest's `role`, where its row gives one, wins.
/// - Otherwise the file's own conventions (``VCF/SampleRoleHints``): `##tumor_sample`, `NORMAL`/`TUMOR`
///   columns, TCGA barcodes, caller column orders.
/// - A sample of a file that looks like somatic caller output (INFO/SOMATIC, `##tumor_sample`, …) that no
///   convention names and the manifest gives no role is **refused**, never stored as germline: the load
///   stops and says which sample and how to state its role. (Storing it as a tumour would silently drop a
///   normal from the population counts; refusing costs one manifest row.)
/// - Without a manifest, a sample's person is the `Individual` its `##SAMPLE` line names; otherwise the samples
///   of a file with a tumour are one person (keyed by the normal's name, or the first tumour's when there is no
///   normal), and other samples are each their own person.
public enum SampleRoles {
    public struct Decision: Sendable, Equatable {
        public var sample: String
        public var role: SampleRole
        /// The person key (before pseudonymisation).
        public var person: String
        /// Where the role comes from, for messages.
        public var evidence: String
    }

    public static func resolve(header: VCFHeader, path: String, manifest: Manifest?) throws(LoadError) -> [Decision] {
        let hints = header.roleHints
        let tumours = header.samples.filter { hints.samples[$0]?.role == .tumour }
        let normals = header.samples.filter { hints.samples[$0]?.role == .normal }
        let pairPerson = tumours.isEmpty ? nil : (normals.first ?? tumours.first)
        var out: [Decision] = []
        for name in header.samples {
            let entry = manifest?.entries[name]
            if manifest != nil && entry == nil {
                throw LoadError(path: path, "sample \(name) is not in the manifest", fix: "add a row for \(name) (sample, person, role…) to the manifest")
            }
            let role: SampleRole, evidence: String
            if let entry, entry.roleStated {
                role = entry.role
                evidence = "the manifest"
            } else if let hint = hints.samples[name] {
                role = hint.role == .tumour ? .tumour : .normal
                evidence = hint.evidence
            } else if let why = hints.somaticEvidence {
                throw LoadError(path: path, "sample \(name) may be a tumour: the file looks like somatic caller output (\(why)) but nothing in it says " +
                                "whether \(name) is the tumour or the normal, and a tumour must never be counted as germline",
                                fix: manifest == nil
                                    ? "load with --manifest FILE, a TSV with the columns sample, person, role and a row '\(name)<TAB><person><TAB>tumour' (or normal)"
                                    : "give \(name) a role (tumour, normal or germline) in the manifest's role column")
            } else {
                role = .germline
                evidence = entry == nil ? "no tumour/normal convention in the file" : "the manifest (no role given: germline)"
            }
            let person = entry?.person ?? hints.individuals[name] ?? (pairPerson ?? name)
            out.append(Decision(sample: name, role: role, person: person, evidence: evidence))
        }
        return out
    }
}
