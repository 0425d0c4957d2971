public import VariantCore

/// A problem with a VCF/BCF file, said the way a lab member can act on it: which file, where (line or
/// locus), what is wrong, and what to do about it.
public struct VCFError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem this is; extensible, so callers can branch on it without parsing text.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let cannotOpen = Code("cannot-open")
        public static let emptyFile = Code("empty-file")
        public static let notVCF = Code("not-vcf")
        public static let malformedHeader = Code("malformed-header")
        public static let malformedRecord = Code("malformed-record")
        public static let undeclaredContig = Code("undeclared-contig")
        public static let undeclaredTag = Code("undeclared-tag")
        public static let unsorted = Code("unsorted")
        public static let missingIndex = Code("missing-index")
        public static let unknownContig = Code("unknown-contig")
        public static let referenceMismatch = Code("ref-mismatch")
        public static let reference = Code("reference")
        public static let truncated = Code("truncated")
    }

    public var code: Code
    public var path: String
    /// 1-based line in a text VCF (header lines counted), when known.
    public var line: Int?
    /// `CHROM:POS` of the record concerned, when known.
    public var locus: String?
    /// What is wrong, in plain English.
    public var message: String
    /// What to do about it.
    public var fix: String?

    public init(_ code: Code, path: String, line: Int? = nil, locus: String? = nil, message: String, fix: String? = nil) {
        self.code = code
        self.path = path
        self.line = line
        self.locus = locus
        self.message = message
        self.fix = fix
    }

    /// `file.vcf:57 (chr1:12345): message. Fix: …`
    public var description: String {
        var s = path
        if let line { s += ":\(line)" }
        if let locus { s += " (\(locus))" }
        s += ": " + message
        if let fix { s += ". Fix: " + fix }
        return s
    }
}

/// What to do with a REF allele that disagrees with the reference FASTA (bcftools `norm --check-ref`).
public enum RefCheckPolicy: String, Sendable, CaseIterable {
    /// Stop with an error.
    case error
    /// Report it and keep the record unchanged.
    case warn
    /// Report it and drop the record.
    case skip
}
