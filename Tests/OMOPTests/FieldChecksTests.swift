import Foundation
import OMOP
import Testing
import TestSupport

/// The DQD field-level checks, each shown to fail on a table that breaks it and to pass on one that does not.
@Suite struct FieldChecksTests {
    static func checks() throws -> FieldChecks {
        try FieldChecks(dqdFieldLevelCSV: Fixtures.root.appendingPathComponent("reference/omop/DQD_OMOP_CDMv5.4_Field_Level.csv").path)
    }

    static let concept = CDMData.Table(
        columns: ["concept_id", "concept_name", "domain_id", "vocabulary_id", "concept_class_id", "standard_concept", "concept_code",
                  "valid_start_date", "valid_end_date", "invalid_reason"],
        rows: [["0", "No matching concept", "Metadata", "None", "Undefined", nil, "No matching concept", "1970-01-01", "2099-12-31", nil],
               ["8532", "FEMALE", "Gender", "Gender", "Gender", "S", "F", "1970-01-01", "2099-12-31", nil],
               ["32817", "EHR", "Type Concept", "Type Concept", "Type Concept", "S", "x", "1970-01-01", "2099-12-31", nil],
               ["35981340", "BRAF", "Measurement", "OMOP Genomic", "Gene DNA Variant", "S", "x", "2024-02-16", "2099-12-31", nil],
               ["99", "old", "Measurement", "OMOP Genomic", "Gene DNA Variant", nil, "y", "2020-01-01", "2024-01-01", "D"]])

    static func person(birthYear: String? = "1960") -> CDMData.Table {
        CDMData.Table(columns: ["person_id", "gender_concept_id", "year_of_birth", "race_concept_id", "ethnicity_concept_id"],
                      rows: [["1", "8532", birthYear, "0", "0"]])
    }

    static func measurement(_ rows: [[String?]]) -> CDMData.Table {
        CDMData.Table(columns: ["measurement_id", "person_id", "measurement_concept_id", "measurement_date", "measurement_type_concept_id"], rows: rows)
    }

    func failures(_ tables: [String: CDMData.Table]) throws -> [CheckFailure] {
        var all = tables
        all["concept"] = all["concept"] ?? Self.concept
        all["person"] = all["person"] ?? Self.person()
        return try Self.checks().run(CDMData(tables: all)).failures
    }

    @Test("A clean measurement table passes every check")
    func clean() throws {
        // (CONCEPT's own keys point at DOMAIN/VOCABULARY, absent here: only MEASUREMENT and PERSON are judged.)
        let f = try failures(["measurement": Self.measurement([["1", "1", "35981340", "2020-05-01", "32817"]])])
        #expect(f.filter { $0.table == "measurement" || $0.table == "person" }.isEmpty)
        #expect(f.contains { $0.table == "concept" && $0.field == "domain_id" && $0.check == "isForeignKey" })
    }

    @Test("isRequired fails on a NULL year_of_birth")
    func required() throws {
        let f = try failures(["person": Self.person(birthYear: nil)])
        #expect(f.contains { $0.check == "isRequired" && $0.field == "year_of_birth" })
    }

    @Test("isPrimaryKey fails on duplicate measurement_id; isForeignKey on an unknown person or concept")
    func keys() throws {
        let f = try failures(["measurement": Self.measurement([["1", "1", "35981340", "2020-05-01", "32817"],
                                                                ["1", "2", "123", "2020-05-01", "32817"]])])
        #expect(f.contains { $0.check == "isPrimaryKey" && $0.field == "measurement_id" })
        #expect(f.contains { $0.check == "isForeignKey" && $0.field == "person_id" })
        #expect(f.contains { $0.check == "isForeignKey" && $0.field == "measurement_concept_id" })
    }

    @Test("fkDomain fails on a Gender concept as measurement_concept_id; isStandardValidConcept on a deleted one")
    func domainAndStandard() throws {
        let f = try failures(["measurement": Self.measurement([["1", "1", "8532", "2020-05-01", "32817"], ["2", "1", "99", "2020-05-01", "32817"]])])
        #expect(f.contains { $0.check == "fkDomain" && $0.field == "measurement_concept_id" })
        #expect(f.contains { $0.check == "isStandardValidConcept" && $0.field == "measurement_concept_id" })
    }

    @Test("cdmDatatype fails on a non-integer id; plausibleAfterBirth on a date before birth")
    func datatypeAndBirth() throws {
        let f = try failures(["measurement": Self.measurement([["x1", "1", "35981340", "1950-05-01", "32817"]])])
        #expect(f.contains { $0.check == "cdmDatatype" && $0.field == "measurement_id" })
        #expect(f.contains { $0.check == "plausibleAfterBirth" && $0.field == "measurement_date" })
    }

    @Test("plausibleStartBeforeEnd fails on an observation period ending before it starts")
    func startBeforeEnd() throws {
        let op = CDMData.Table(columns: ["observation_period_id", "person_id", "observation_period_start_date", "observation_period_end_date",
                                         "period_type_concept_id"], rows: [["1", "1", "2021-01-01", "2020-01-01", "32817"]])
        let f = try failures(["observation_period": op])
        #expect(f.contains { $0.check == "plausibleStartBeforeEnd" && $0.field == "observation_period_start_date" })
    }
}

@Suite struct CDMSpecTests {
    @Test("The project's DDL keeps the official types and NOT NULLs, and keys come after the load")
    func ddl() throws {
        let spec = try CDMSpec(fieldLevelCSV: Fixtures.root.appendingPathComponent("reference/omop/CDM_OMOP_CDMv5.4_Field_Level.csv").path, gcdm: true)
        #expect(spec.tables.count == 39 + 4)
        let ddl = spec.createTables(schema: "cdm").joined(separator: "\n")
        #expect(ddl.contains("CREATE TABLE cdm.measurement ("))
        #expect(ddl.contains("measurement_id integer NOT NULL"))
        #expect(ddl.contains("measurement_source_value varchar(50) NULL"))
        #expect(ddl.contains("value_as_number NUMERIC NULL"))
        #expect(ddl.contains("episode_id integer NOT NULL"))  // int4 in the official DDL (DQD's csv says bigint)
        #expect(!ddl.contains("PRIMARY KEY"))
        #expect(spec.primaryKeys(schema: "cdm").contains("ALTER TABLE cdm.measurement ADD CONSTRAINT xpk_measurement PRIMARY KEY (measurement_id);"))
        #expect(spec.foreignKeys(schema: "cdm").contains(
            "ALTER TABLE cdm.measurement ADD CONSTRAINT fpk_measurement_measurement_concept_id FOREIGN KEY (measurement_concept_id) REFERENCES cdm.concept (concept_id);"))
        #expect(spec.foreignKeys(schema: "cdm").contains { $0.contains("cdm.variant_occurrence") && $0.contains("REFERENCES cdm.specimen") })
    }
}
