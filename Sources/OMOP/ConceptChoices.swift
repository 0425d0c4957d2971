internal import VariantStore

/// A concept named the way a user's vocabulary can be searched: by vocabulary and code, or (for vocabularies
/// whose codes are opaque, such as Type Concept and CDM fields) by vocabulary and name.
public struct ConceptRef: Sendable, Equatable, CustomStringConvertible {
    public var vocabularyID: String
    public var code: String?
    public var name: String?
    public static func code(_ vocabularyID: String, _ code: String) -> ConceptRef { ConceptRef(vocabularyID: vocabularyID, code: code, name: nil) }
    public static func name(_ vocabularyID: String, _ name: String) -> ConceptRef { ConceptRef(vocabularyID: vocabularyID, code: nil, name: name) }

    /// `VOCAB:CODE` or `VOCAB=NAME` (command-line form).
    public init?(parsing s: String) {
        if let i = s.firstIndex(of: "=") {
            self.init(vocabularyID: String(s[..<i]), code: nil, name: String(s[s.index(after: i)...]))
        } else if let i = s.firstIndex(of: ":") {
            self.init(vocabularyID: String(s[..<i]), code: String(s[s.index(after: i)...]), name: nil)
        } else { return nil }
    }
    init(vocabularyID: String, code: String?, name: String?) {
        self.vocabularyID = vocabularyID
        self.code = code
        self.name = name
    }
    public var description: String { code.map { "\(vocabularyID) code \($0)" } ?? "\(vocabularyID) '\(name ?? "")'" }
}

/// Every non-genomic concept the export needs, as references into the user's vocabulary; nothing is a concept_id.
/// Defaults: LOINC and SNOMED codes from HL7 genomics-reporting / mCODE (spec §2.3), CDM field and Type Concept
/// names from the OHDSI conventions (spec §2.2, §6).
public struct ConceptChoices: Sendable {
    public var male = ConceptRef.code("Gender", "M")
    public var female = ConceptRef.code("Gender", "F")
    /// Type concept of every record (observation period, specimen, procedure, measurement, condition, episode).
    public var recordType = ConceptRef.name("Type Concept", "EHR")
    public var tumourSpecimen = ConceptRef.code("SNOMED", "258435002")
    public var normalSpecimen = ConceptRef.code("SNOMED", "119297000")
    public var sequencingProcedure = ConceptRef.code("SNOMED", "117040002")
    public var geneticOrigin = ConceptRef.code("LOINC", "48002-0")
    public var germline = ConceptRef.code("LOINC", "LA6683-2")
    public var somatic = ConceptRef.code("LOINC", "LA6684-0")
    public var allelicState = ConceptRef.code("LOINC", "53034-5")
    public var heterozygous = ConceptRef.code("LOINC", "LA6706-1")
    public var homozygous = ConceptRef.code("LOINC", "LA6705-3")
    public var hemizygous = ConceptRef.code("LOINC", "LA6707-9")
    public var variantAlleleFraction = ConceptRef.code("LOINC", "81258-6")
    public var diseaseFirstOccurrence = ConceptRef.name("Episode", "Disease First Occurrence")
    public var procedureField = ConceptRef.name("CDM", "procedure_occurrence.procedure_occurrence_id")
    public var conditionField = ConceptRef.name("CDM", "condition_occurrence.condition_occurrence_id")
    public var measurementField = ConceptRef.name("CDM", "measurement.measurement_id")
    public var cdmVersion = ConceptRef.code("CDM", "CDM v5.4.0")
    /// The variant row's value_as_concept_id (OncologyWG #647 is unresolved): none by default.
    public var variantValue: ConceptRef? = nil
    /// Vocabularies tried, in order, for a manifest diagnosis code.
    public var diagnosisVocabularies = ["ICD10", "ICD10CM", "ICDO3", "SNOMED"]

    public init() {}
}

/// The choices resolved to concept IDs of the loaded vocabulary.
struct ResolvedChoices {
    var male, female, recordType, tumourSpecimen, normalSpecimen, sequencingProcedure: Int
    var geneticOrigin, germline, somatic, allelicState, heterozygous, homozygous, hemizygous, vaf: Int
    var diseaseFirstOccurrence, procedureField, conditionField, measurementField, cdmVersion: Int
    var variantValue: Int?

    init(_ c: ConceptChoices, resolver: any ConceptResolver) throws {
        func id(_ r: ConceptRef) throws -> Int {
            let found = try r.code.map { try resolver.concepts(vocabularyID: r.vocabularyID, code: $0) }
                ?? resolver.concepts(vocabularyID: r.vocabularyID, name: r.name ?? "")
            guard let concept = found.first(where: \.isStandardValid) else {
                throw OMOPError(.missingConcept, "the vocabulary has no standard, valid concept for \(r)",
                                fix: "load an Athena download that includes the \(r.vocabularyID) vocabulary (varde vocab load --store STORE DIR)")
            }
            return concept.conceptID
        }
        male = try id(c.male); female = try id(c.female); recordType = try id(c.recordType)
        tumourSpecimen = try id(c.tumourSpecimen); normalSpecimen = try id(c.normalSpecimen)
        sequencingProcedure = try id(c.sequencingProcedure)
        geneticOrigin = try id(c.geneticOrigin); germline = try id(c.germline); somatic = try id(c.somatic)
        allelicState = try id(c.allelicState); heterozygous = try id(c.heterozygous); homozygous = try id(c.homozygous)
        hemizygous = try id(c.hemizygous); vaf = try id(c.variantAlleleFraction)
        diseaseFirstOccurrence = try id(c.diseaseFirstOccurrence); procedureField = try id(c.procedureField)
        conditionField = try id(c.conditionField); measurementField = try id(c.measurementField); cdmVersion = try id(c.cdmVersion)
        variantValue = try c.variantValue.map(id)
    }
}
