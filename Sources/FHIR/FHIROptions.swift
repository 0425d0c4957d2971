public import VariantCore

/// How `varde fhir export` writes and what it selects.
public struct FHIROptions: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        /// One Bundle per person: `DIR/<pseudonym prefix>.json`.
        case bundle
        /// FHIR Bulk Data: `DIR/<ResourceType>.ndjson`, one compact resource per line.
        case ndjson
    }
    public enum BundleType: String, Sendable, CaseIterable {
        /// `urn:uuid:` fullUrls and references, no `request` (R4 bdl-3).
        case collection
        /// Every entry also carries `request: PUT Type/id` on its deterministic id.
        case transaction
    }

    public var format = Format.bundle
    public var bundleType = BundleType.collection
    /// Only variants whose every loaded record said PASS (or `.`).
    public var passOnly = false
    /// Only variants overlapping these regions (1-based inclusive); `nil`: everywhere.
    public var regions: [Region]?
    /// At most this many Variant Observations per person (the rest counted, not written); `nil`: no limit.
    public var maxVariants: Int?
    /// Base URI of Varde's own code systems and identifier systems (a deployment sets its own).
    public var systemBase = "https://varde.example.org/fhir"
    /// `Patient.identifier.system` of the pseudonym; default `<systemBase>/sid/pseudonym`.
    public var pseudonymSystem: String?
    /// People scanned per pass over the store (their observations are spooled to disk through 64 KiB buffers, so
    /// memory stays flat: about 16 MiB of buffers and the pass's observation ids).
    public var peoplePerPass = 256

    public init() {}

    public var patientIdentifierSystem: String { pseudonymSystem ?? systemBase + "/sid/pseudonym" }
    public var sampleIdentifierSystem: String { systemBase + "/sid/sample" }
    /// DP, GQ and FILTER components (the IG has no slot for them; its open slicing allows extra components).
    public var qcCodeSystem: String { systemBase + "/CodeSystem/variant-qc" }
}
