public import VariantStore

/// What the mapper and the exporter ask of a vocabulary. The store's vocabulary in production
/// (``StoreConceptResolver``), a dictionary in tests (``InMemoryConceptResolver``).
public protocol ConceptResolver: AnyObject {
    func concept(id: Int) throws -> Concept?
    func conceptIDs(synonym: String) throws -> [Int]
    func related(_ conceptID: Int, relationshipID: String) throws -> [Int]
    func concepts(vocabularyID: String, code: String) throws -> [Concept]
    func concepts(vocabularyID: String, name: String) throws -> [Concept]
}

/// The store's vocabulary, with concepts cached (an export asks for the same few thousand again and again).
public final class StoreConceptResolver: ConceptResolver {
    let store: any VocabularyStore
    private var cache: [Int: Concept?] = [:]

    public init(store: any VocabularyStore) { self.store = store }

    public func concept(id: Int) throws -> Concept? {
        if let c = cache[id] { return c }
        let c = try store.concept(id: id)
        cache[id] = c
        return c
    }
    public func conceptIDs(synonym: String) throws -> [Int] { try store.conceptIDs(synonym: synonym) }
    public func related(_ conceptID: Int, relationshipID: String) throws -> [Int] { try store.related(conceptID, relationshipID: relationshipID) }
    public func concepts(vocabularyID: String, code: String) throws -> [Concept] { try store.concepts(vocabularyID: vocabularyID, code: code) }
    public func concepts(vocabularyID: String, name: String) throws -> [Concept] { try store.concepts(vocabularyID: vocabularyID, name: name) }
}

/// A vocabulary held in dictionaries, for tests.
public final class InMemoryConceptResolver: ConceptResolver {
    public var conceptsByID: [Int: Concept] = [:]
    public var synonyms: [String: [Int]] = [:]
    public var relationships: [Int: [(String, Int)]] = [:]

    public init(concepts: [Concept] = [], synonyms: [(String, Int)] = [], relationships: [(Int, String, Int)] = []) {
        for c in concepts { conceptsByID[c.conceptID] = c }
        for (s, id) in synonyms { self.synonyms[s, default: []].append(id) }
        for (a, r, b) in relationships { self.relationships[a, default: []].append((r, b)) }
    }

    public func concept(id: Int) throws -> Concept? { conceptsByID[id] }
    public func conceptIDs(synonym: String) throws -> [Int] { (synonyms[synonym] ?? []).sorted() }
    public func related(_ conceptID: Int, relationshipID: String) throws -> [Int] {
        (relationships[conceptID] ?? []).filter { $0.0 == relationshipID }.map(\.1).sorted()
    }
    public func concepts(vocabularyID: String, code: String) throws -> [Concept] {
        conceptsByID.values.filter { $0.vocabularyID == vocabularyID && $0.conceptCode == code }.sorted { $0.conceptID < $1.conceptID }
    }
    public func concepts(vocabularyID: String, name: String) throws -> [Concept] {
        conceptsByID.values.filter { $0.vocabularyID == vocabularyID && $0.conceptName == name }.sorted { $0.conceptID < $1.conceptID }
    }
}

extension ConceptResolver {
    /// The standard, valid concept for `id`: itself, or the end of its `Concept replaced by` chain (deprecated
    /// concepts with invalid_reason `U`); `nil` for a deleted or non-standard concept with no valid replacement.
    public func standardValid(_ id: Int) throws -> Concept? {
        var current = id
        var seen = Set<Int>()
        while seen.insert(current).inserted {
            guard let c = try concept(id: current) else { return nil }
            if c.isStandardValid { return c }
            guard c.invalidReason == "U", let next = try related(current, relationshipID: "Concept replaced by").first else { return nil }
            current = next
        }
        return nil
    }

    /// The standard concept a source concept (ICD10, ICDO3, …) `Maps to`, or the concept itself when it is standard.
    public func mapsTo(_ id: Int) throws -> Concept? {
        if let c = try standardValid(id) { return c }
        for target in try related(id, relationshipID: "Maps to") {
            if let c = try standardValid(target) { return c }
        }
        return nil
    }
}
