/// A human reference assembly, told apart by its contig lengths.
public enum Assembly: String, Sendable, Codable, CaseIterable {
    case grch37 = "GRCh37"
    case grch38 = "GRCh38"

    /// Lengths of the primary chromosomes (from the GRC assembly reports), keyed without a `chr` prefix.
    public var chromosomeLengths: [String: Int] {
        switch self {
        case .grch37:
            ["1": 249_250_621, "2": 243_199_373, "3": 198_022_430, "4": 191_154_276, "5": 180_915_260,
             "6": 171_115_067, "7": 159_138_663, "8": 146_364_022, "9": 141_213_431, "10": 135_534_747,
             "11": 135_006_516, "12": 133_851_895, "13": 115_169_878, "14": 107_349_540, "15": 102_531_392,
             "16": 90_354_753, "17": 81_195_210, "18": 78_077_248, "19": 59_128_983, "20": 63_025_520,
             "21": 48_129_895, "22": 51_304_566, "X": 155_270_560, "Y": 59_373_566, "MT": 16_569]
        case .grch38:
            ["1": 248_956_422, "2": 242_193_529, "3": 198_295_559, "4": 190_214_555, "5": 181_538_259,
             "6": 170_805_979, "7": 159_345_973, "8": 145_138_636, "9": 138_394_717, "10": 133_797_422,
             "11": 135_086_622, "12": 133_275_309, "13": 114_364_328, "14": 107_043_718, "15": 101_991_189,
             "16": 90_338_345, "17": 83_257_441, "18": 80_373_285, "19": 58_617_616, "20": 64_444_167,
             "21": 46_709_983, "22": 50_818_468, "X": 156_040_895, "Y": 57_227_415, "MT": 16_569]
        }
    }

    /// The contig name without a `chr` prefix, with `M` spelled `MT`.
    public static func canonicalChromosome(_ name: String) -> String {
        var n = Substring(name)
        let u = name.utf8
        if u.count > 3, u.starts(with: "chr".utf8) || u.starts(with: "Chr".utf8) || u.starts(with: "CHR".utf8) { n = n.dropFirst(3) }
        if n == "M" { return "MT" }
        return String(n)
    }

    /// Guesses the assembly from `(name, length)` contig declarations.
    ///
    /// Each declared primary chromosome whose length equals exactly one assembly's votes for it; chrMT
    /// (identical in both) does not vote. Returns `nil` when no contig votes or the votes disagree.
    public static func detect(contigs: [(name: String, length: Int?)]) -> AssemblyGuess {
        var votes: [Assembly: [String]] = [:]
        var conflicts: [String] = []
        for (name, length) in contigs {
            guard let length else { continue }
            let chrom = canonicalChromosome(name)
            let matches = Assembly.allCases.filter { $0.chromosomeLengths[chrom] == length }
            if matches.count == 1 { votes[matches[0], default: []].append(name) }
            let known = Assembly.allCases.contains { $0.chromosomeLengths[chrom] != nil }
            if known && matches.isEmpty { conflicts.append(name) }
        }
        if votes.count == 1, let (assembly, names) = votes.first {
            return AssemblyGuess(assembly: assembly, supportingContigs: names, conflictingContigs: conflicts)
        }
        return AssemblyGuess(assembly: nil, supportingContigs: votes.values.flatMap { $0 }, conflictingContigs: conflicts)
    }
}

/// The outcome of assembly detection, with the evidence behind it.
public struct AssemblyGuess: Sendable, Equatable {
    public var assembly: Assembly?
    /// Contigs whose declared length matched the guessed assembly (or any assembly when ambiguous).
    public var supportingContigs: [String]
    /// Primary chromosomes whose declared length matches neither assembly (a cut-down or other reference).
    public var conflictingContigs: [String]

    public init(assembly: Assembly?, supportingContigs: [String] = [], conflictingContigs: [String] = []) {
        self.assembly = assembly
        self.supportingContigs = supportingContigs
        self.conflictingContigs = conflictingContigs
    }
}
