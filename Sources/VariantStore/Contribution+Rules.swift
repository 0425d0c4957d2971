/// How each stored list turns into population counts. The loader (which sees the real calls) and the
/// store's recompute (which sees only the lists) both use these rules; calls that do not follow them
/// are stored as ``CallException``s, so the two always agree.
public enum CallClass: Sendable, Equatable {
    case het, homAlt, hemi, homRef, noCall
}

extension Contribution {
    /// What a counted sample in list `cls` adds, under its absent policy, when it has no exception.
    /// Diploid is the rule (hemi is haploid); `ref`-policy samples already count as hom-ref by default,
    /// so they add only what differs from hom-ref.
    public static func rule(_ cls: CallClass, policy: AbsentPolicy) -> (anDelta: Int, ac: Int) {
        switch (cls, policy) {
        case (.het, .ref): (0, 1)
        case (.homAlt, .ref): (0, 2)
        case (.hemi, .ref): (0, 1)
        case (.homRef, .ref): (0, 0)
        case (.noCall, .ref): (-2, 0)
        case (.het, .missing): (2, 1)
        case (.homAlt, .missing): (2, 2)
        case (.hemi, .missing): (1, 1)
        case (.homRef, .missing): (2, 0)
        case (.noCall, .missing): (0, 0)
        }
    }

    /// The counts of one sample's call: `slots` allele slots, `missing` of them `.`, `alt` carrying the ALT.
    /// `defaultPloidy` is what a `ref`-policy sample already adds to AN where it has no record (its usual
    /// ploidy on this contig class), so it adds only the difference here.
    public static func actual(slots: Int, missing: Int, alt: Int, policy: AbsentPolicy, defaultPloidy: Int) -> (anDelta: Int, ac: Int) {
        let called = slots - missing
        return (policy == .ref ? called - defaultPloidy : called, alt)
    }

    /// The list a call belongs to: all slots ALT → hom-alt (or hemi when haploid); some ALT → het;
    /// no ALT and no missing → hom-ref; otherwise (some or all missing, no ALT) → no-call.
    public static func classify(slots: Int, missing: Int, alt: Int) -> CallClass {
        if alt > 0 {
            if alt == slots { return slots == 1 ? .hemi : .homAlt }
            return .het
        }
        return missing == 0 ? .homRef : .noCall
    }
}
