/// One CONCEPT row of an OMOP vocabulary (Athena's `CONCEPT.csv`), dates as `YYYYMMDD` text.
public struct Concept: Sendable, Equatable, Hashable {
    public var conceptID: Int
    public var conceptName: String
    public var domainID: String
    public var vocabularyID: String
    public var conceptClassID: String
    /// `S` standard, `C` classification, `nil` non-standard.
    public var standardConcept: String?
    public var conceptCode: String
    public var validStartDate: String
    public var validEndDate: String
    /// `D` deleted, `U` updated (replaced), `nil` valid.
    public var invalidReason: String?

    public init(conceptID: Int, conceptName: String, domainID: String, vocabularyID: String, conceptClassID: String,
                standardConcept: String?, conceptCode: String, validStartDate: String, validEndDate: String, invalidReason: String?) {
        self.conceptID = conceptID
        self.conceptName = conceptName
        self.domainID = domainID
        self.vocabularyID = vocabularyID
        self.conceptClassID = conceptClassID
        self.standardConcept = standardConcept
        self.conceptCode = conceptCode
        self.validStartDate = validStartDate
        self.validEndDate = validEndDate
        self.invalidReason = invalidReason
    }

    /// Standard and valid: what a CDM `*_concept_id` field may hold.
    public var isStandardValid: Bool { standardConcept == "S" && invalidReason == nil }
}

/// Rows of the small vocabulary tables, as tab-separated cells in Athena's column order.
public enum VocabularyTable: String, Sendable, CaseIterable {
    case vocabulary = "VOCABULARY"
    case domain = "DOMAIN"
    case conceptClass = "CONCEPT_CLASS"
    case relationship = "RELATIONSHIP"

    /// Athena's columns, in order.
    public var columns: [String] {
        switch self {
        case .vocabulary: ["vocabulary_id", "vocabulary_name", "vocabulary_reference", "vocabulary_version", "vocabulary_concept_id"]
        case .domain: ["domain_id", "domain_name", "domain_concept_id"]
        case .conceptClass: ["concept_class_id", "concept_class_name", "concept_class_concept_id"]
        case .relationship: ["relationship_id", "relationship_name", "is_hierarchical", "defines_ancestry", "reverse_relationship_id",
                             "relationship_concept_id"]
        }
    }
}

/// Writes one vocabulary load; everything becomes visible at once when the load's closure returns.
public protocol VocabularyWriter: AnyObject {
    func add(_ concept: Concept) throws
    /// Adds the concept only if its ID is not there yet (Koios extracts: no full CONCEPT rows).
    func addIfAbsent(_ concept: Concept) throws
    func addSynonym(conceptID: Int, name: String, languageConceptID: Int) throws
    func addRelationship(_ conceptID1: Int, _ conceptID2: Int, relationshipID: String, validStartDate: String, validEndDate: String,
                         invalidReason: String?) throws
    /// A row of a small table, its cells in ``VocabularyTable/columns`` order.
    func add(_ table: VocabularyTable, cells: [String]) throws
}

/// The OMOP vocabulary kept inside the variant store: loaded once, indexed, read by the mapper and the exporter.
public protocol VocabularyStore: AnyObject {
    /// Whether a vocabulary has been loaded (`varde vocab load`): queries add concept IDs only then.
    func hasVocabulary() throws -> Bool
    /// Replaces the stored vocabulary (or adds to it with `replace: false`) in one transaction.
    func loadVocabulary(replace: Bool, _ body: (any VocabularyWriter) throws -> Void) throws
    func concept(id: Int) throws -> Concept?
    /// Concepts with this code in this vocabulary (Athena's codes are unique per vocabulary, bar deprecations).
    func concepts(vocabularyID: String, code: String) throws -> [Concept]
    func concepts(vocabularyID: String, name: String) throws -> [Concept]
    /// Concept IDs having this exact synonym (HGVS strings of OMOP Genomic, fusion names).
    func conceptIDs(synonym: String) throws -> [Int]
    /// Targets of valid `relationshipID` rows from `conceptID` (`Maps to`, `Concept replaced by`).
    func related(_ conceptID: Int, relationshipID: String) throws -> [Int]
    /// Every synonym of one vocabulary's concepts, as (synonym, concept_id) (for version-stripped matching).
    func allSynonyms(vocabularyID: String) throws -> [(synonym: String, conceptID: Int)]
    /// Synonyms of one concept, with their language concept.
    func synonyms(of conceptID: Int) throws -> [(name: String, languageConceptID: Int)]
    /// Every row of a small vocabulary table.
    func rows(of table: VocabularyTable) throws -> [[String]]
    /// Counts per table (CONCEPT, CONCEPT_SYNONYM, …); all zero when no vocabulary was loaded.
    func vocabularyCounts() throws -> [String: Int]
}
