/// A store that can hand over one manifest field of every active sample at once (the service's disclosure guard
/// reads sex and diagnosis this way to see which groups an answer could be subtracted from). A capability of its
/// own, so backends without it still conform to ``VariantStore``.
public protocol SampleFieldReading {
    /// Each active sample's value of `key` (`sex`, `diagnosis`), by ordinal; samples without a value are absent.
    func sampleValues(ofField key: String) throws -> [UInt32: String]
}
