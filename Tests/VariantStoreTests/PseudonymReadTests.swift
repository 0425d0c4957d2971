import Foundation
import Loader
import Testing
import TestSupport
import VariantStore
import VariantStoreSQLite

/// Pseudonyms are stored as the HMAC's bytes; text pseudonyms carry a leading 0xFF. One HMAC in 256 begins with
/// 0xFF as well.
@Suite("Pseudonyms read back")
struct PseudonymReadTests {
    @Test("a person whose HMAC begins with 0xFF reads back as its hex pseudonym, not as text")
    func hmacStartingWithFF() async throws {
        // Given a person key whose pseudonym under the test secret begins with ff (the first of P-0, P-1, …)
        let key = try #require((0..<100_000).lazy.map { "P-\($0)" }.first { TestStore.pseudonymizer.pseudonym($0).hasPrefix("ff") })
        let expected = TestStore.pseudonymizer.pseudonym(key)
        let other = TestStore.pseudonymizer.pseudonym("P-other")
        #expect(!other.hasPrefix("ff"))
        // When the Mutect2 tumour is loaded as that person and the normal as another
        let t = try TestStore()
        defer { t.remove() }
        let manifest = try Manifest(text: "sample\tperson\trole\nSM-612V3\t\(key)\ttumour\nSM-612V6\tP-other\tnormal\n", path: "m.tsv")
        _ = try await t.load([Fixtures.path("somatic/mutect2.NA12878.head300.vcf")]) { $0.manifest = manifest }
        // Then both read back as the Pseudonymizer wrote them
        let byName = Dictionary(uniqueKeysWithValues: try t.store.samples().map { ($0.name, $0.pseudonym) })
        #expect(byName["SM-612V3"] == expected)
        #expect(byName["SM-612V6"] == other)
        let reopened = try SQLiteVariantStore(path: t.path)
        #expect(try reopened.sampleDetails().first { $0.name == "SM-612V3" }?.pseudonym == expected)
    }
}
