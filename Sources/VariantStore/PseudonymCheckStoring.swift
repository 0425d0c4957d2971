/// A store that keeps a keyed check value of the pseudonym secret its person keys were hashed with, so a load,
/// erasure or lookup under a different secret (which would split one person in two) is refused. A capability of
/// its own, so backends without it still conform to ``VariantStore``.
public protocol PseudonymCheckStoring {
    /// The stored check value, or nil when none was recorded yet.
    func pseudonymSecretCheck() throws -> String?
    /// Records `value` when none is stored; an existing value is never replaced.
    func recordPseudonymSecretCheck(_ value: String) throws
}
