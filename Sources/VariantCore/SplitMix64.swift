/// A small seeded generator (SplitMix64, Steele et al. 2014): the same seed gives the same numbers on every machine
/// and Swift release, which `SystemRandomNumberGenerator` and the standard library's shuffle do not promise. The
/// benchmarks' cohorts and the control-arm extract's row order use it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
