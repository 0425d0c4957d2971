public import VariantCore

/// What a VCF header declares, as plain values.
public struct VCFHeader: Sendable, Equatable {
    public struct Contig: Sendable, Equatable {
        public var name: String
        public var length: Int?
        public init(name: String, length: Int?) {
            self.name = name
            self.length = length
        }
    }

    /// An INFO or FORMAT definition (`##INFO=<ID=AD,Number=R,Type=Integer,…>`).
    public struct Field: Sendable, Equatable {
        public var id: String
        /// `1`, `2`, …, or `A`, `R`, `G`, `.` as written.
        public var number: String
        public var type: String
        public var description: String
        public init(id: String, number: String, type: String, description: String) {
            self.id = id
            self.number = number
            self.type = type
            self.description = description
        }
    }

    public var fileFormat: String?
    public var samples: [String]
    public var contigs: [Contig]
    public var info: [Field]
    public var format: [Field]
    /// The `##reference=` line, when present.
    public var reference: String?
    /// `##tumor_sample=` (GATK Mutect2) or the `##SAMPLE=<ID=TUMOR…>` convention.
    public var tumourSample: String?
    public var normalSample: String?
    public var annotationLayouts: [AnnotationLayout]
    /// The header declares gVCF reference blocks: `##ALT=<ID=NON_REF>`, `##ALT=<ID=*>` or `##GVCFBlock…`.
    public var declaresReferenceBlocks: Bool = false
    /// Which samples the file says are tumours or normals, and whether it looks like somatic caller output.
    public var roleHints = SampleRoleHints()

    /// The reference assembly suggested by contig lengths (and, failing that, by `##reference`).
    public var assemblyGuess: AssemblyGuess {
        var guess = Assembly.detect(contigs: contigs.map { ($0.name, $0.length) })
        if guess.assembly == nil, guess.supportingContigs.isEmpty, let ref = reference?.lowercased() {
            if ref.contains("grch38") || ref.contains("hg38") { guess.assembly = .grch38 }
            else if ref.contains("grch37") || ref.contains("hg19") || ref.contains("b37") || ref.contains("hs37") {
                guess.assembly = .grch37
            }
        }
        return guess
    }

    public func infoField(_ id: String) -> Field? { info.first { $0.id == id } }
    public func formatField(_ id: String) -> Field? { format.first { $0.id == id } }

    /// Is this a tumour/normal (somatic) file by its header?
    public var isSomaticPair: Bool { tumourSample != nil && normalSample != nil }
}
