/// A genomic interval in bcftools region syntax: `chr`, `chr:pos`, `chr:beg-end`, `chr:beg-`.
///
/// Coordinates are 1-based and inclusive. `end == nil` means "to the end of the contig", as htslib and
/// bcftools read `chr:beg` (from `beg` to the end, not a single position).
public struct Region: Hashable, Sendable, CustomStringConvertible {
    public var contig: String
    /// First base, 1-based inclusive.
    public var start: Int
    /// Last base, 1-based inclusive; `nil` for "to the end of the contig".
    public var end: Int?

    /// The largest position any parser accepts (2^32 − 1): beyond every chromosome of every assembly Varde serves
    /// and BCF's 32-bit POS, and small enough that sums and differences of two positions never overflow `Int`.
    /// Every number read from text (a client, a file, the command line) is checked against it before arithmetic.
    public static let maxPosition = 4_294_967_295

    public init(contig: String, start: Int = 1, end: Int? = nil) {
        self.contig = contig
        self.start = start
        self.end = end
    }

    public var description: String {
        if start <= 1 && end == nil { return contig }
        if let end { return "\(contig):\(start)-\(end)" }
        return "\(contig):\(start)-"
    }

    /// Does the closed interval `[position, lastPosition]` overlap this region?
    public func overlaps(position: Int, lastPosition: Int) -> Bool {
        lastPosition >= start && position <= (end ?? Int.max)
    }

    /// Parses one region (`7`, `chr7:55019017-55211628`, `7:1,000-2,000`, `X:100-`).
    public init(parsing text: String) throws(RegionError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .empty }
        guard let colon = trimmed.lastIndex(of: ":") else {
            self.init(contig: trimmed)
            return
        }
        let contig = String(trimmed[..<colon])
        let range = String(trimmed[trimmed.index(after: colon)...])
        guard !contig.isEmpty else { throw .malformed(text, reason: "the contig name is empty") }
        if range.isEmpty { self.init(contig: contig); return }
        let parts = range.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let start = Int(parts[0]), start >= 1, start <= Self.maxPosition else {
            throw .malformed(text, reason: "the start must be a whole number from 1 to \(Self.maxPosition) (coordinates are 1-based)")
        }
        var end: Int? = start
        if parts.count == 2 {
            if parts[1].isEmpty {
                end = nil
            } else {
                guard let e = Int(parts[1]), e <= Self.maxPosition else {
                    throw .malformed(text, reason: "the end must be a whole number of at most \(Self.maxPosition)")
                }
                guard e >= start else { throw .malformed(text, reason: "the end (\(e)) is before the start (\(start))") }
                end = e
            }
        } else {
            // htslib: `chr:pos` means from pos to the end of the contig.
            end = nil
        }
        self.init(contig: contig, start: start, end: end)
    }

    /// Parses a bcftools region list: comma-separated regions (`7,8:100-200,X`), as `bcftools view -r`.
    public static func parseList(_ text: String) throws(RegionError) -> [Region] {
        var regions: [Region] = []
        for piece in text.split(separator: ",", omittingEmptySubsequences: true) {
            regions.append(try Region(parsing: String(piece)))
        }
        guard !regions.isEmpty else { throw .empty }
        return regions
    }
}

/// Why a region string could not be read.
public enum RegionError: Error, Equatable, CustomStringConvertible {
    case empty
    case malformed(String, reason: String)

    public var description: String {
        switch self {
        case .empty: "empty region: give a region as CHROM, CHROM:BEG-END or CHROM:BEG- (1-based, inclusive)"
        case let .malformed(text, reason):
            "cannot read region '\(text)': \(reason). Use CHROM, CHROM:BEG-END or CHROM:BEG- (1-based, inclusive)"
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing white space (no Foundation needed).
    public func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
