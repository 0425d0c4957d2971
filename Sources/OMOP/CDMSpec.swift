internal import Foundation
import VariantCore

/// The CDM 5.4 tables as OHDSI/CommonDataModel describes them (`OMOP_CDMv5.4_Field_Level.csv`, the file its
/// DDL is generated from), plus the non-standard G-CDM tables: columns in DDL order, types, NOT NULLs, keys.
public struct CDMSpec: Sendable {
    public struct Field: Sendable, Equatable {
        public var name: String
        /// As in the spec: `integer`, `bigint`, `float`, `date`, `datetime`, `varchar(50)`, `varchar(MAX)`.
        public var datatype: String
        public var required: Bool
        public var primaryKey: Bool
        public var foreignTable: String?
        public var foreignField: String?
    }
    public struct Table: Sendable {
        public var name: String
        public var fields: [Field]
        public var columns: [String] { fields.map(\.name) }
    }

    public var tables: [Table]

    public func table(_ name: String) -> Table? { tables.first { $0.name == name.lowercased() } }

    /// Reads the CommonDataModel Field_Level csv.
    public init(fieldLevelCSV path: String, gcdm: Bool = false) throws {
        var order: [String] = []
        var byTable: [String: [Field]] = [:]
        try DelimitedReader(path: path, delimiter: ",", quoted: true).records { r, line in
            guard let t = r["cdmtablename"]?.lowercased(), let f = r["cdmfieldname"], let type = r["cdmdatatype"] else {
                throw OMOPError(.format, "\(path):\(line): not a CDM Field_Level row", fix: "use reference/omop/CDM_OMOP_CDMv5.4_Field_Level.csv")
            }
            if byTable[t] == nil { order.append(t) }
            let fk = r["isforeignkey"] == "Yes"
            byTable[t, default: []].append(Field(
                name: f.replacingOccurrences(of: "\"", with: "").lowercased(), datatype: type.lowercased(), required: r["isrequired"] == "Yes",
                primaryKey: r["isprimarykey"] == "Yes", foreignTable: fk ? r["fktablename"]?.lowercased() : nil,
                foreignField: fk ? r["fkfieldname"]?.lowercased() : nil))
        }
        tables = order.map { Table(name: $0, fields: byTable[$0] ?? []) }
        if gcdm { tables += Self.gcdmTables }
    }

    /// G-CDM (Ajou 2019 specification, spec §1): not part of CDM 5.4, exported only with `--gcdm`.
    public static let gcdmTables: [Table] = {
        func f(_ n: String, _ t: String, _ req: Bool = false, pk: Bool = false, fk: (String, String)? = nil) -> Field {
            Field(name: n, datatype: t, required: req || pk, primaryKey: pk, foreignTable: fk?.0, foreignField: fk?.1)
        }
        return [
            Table(name: "genomic_test", fields: [
                f("genomic_test_id", "integer", pk: true), f("care_site_id", "integer", true, fk: ("care_site", "care_site_id")),
                f("genomic_test_name", "varchar(255)"), f("genomic_test_version", "varchar(50)"), f("reference_genome", "varchar(50)"),
                f("sequencing_device", "varchar(50)"), f("library_preparation", "varchar(50)"), f("target_capture", "varchar(50)"),
                f("read_type", "varchar(50)"), f("read_length", "integer"), f("quality_control_tools", "varchar(255)"),
                f("total_reads", "integer"), f("mean_target_coverage", "float"), f("per_target_base_cover_100x", "float"),
                f("alignment_tools", "varchar(255)"), f("variant_calling_tools", "varchar(255)"), f("chromosome_coordinate", "varchar(255)"),
                f("annotation_tools", "varchar(255)"), f("annotation_databases", "varchar(255)"),
            ]),
            Table(name: "target_gene", fields: [
                f("target_gene_id", "integer", pk: true), f("genomic_test_id", "integer", true, fk: ("genomic_test", "genomic_test_id")),
                f("hgnc_id", "varchar(50)", true), f("hgnc_symbol", "varchar(50)", true),
            ]),
            Table(name: "variant_occurrence", fields: [
                f("variant_occurrence_id", "integer", pk: true),
                f("procedure_occurrence_id", "integer", true, fk: ("procedure_occurrence", "procedure_occurrence_id")),
                f("specimen_id", "integer", true, fk: ("specimen", "specimen_id")),
                f("reference_specimen_id", "integer", fk: ("specimen", "specimen_id")),
                f("target_gene1_id", "varchar(50)"), f("target_gene1_symbol", "varchar(255)"), f("target_gene2_id", "varchar(50)"),
                f("target_gene2_symbol", "varchar(255)"), f("reference_sequence", "varchar(50)"), f("rs_id", "varchar(50)"),
                f("reference_allele", "varchar(255)"), f("alternate_allele", "varchar(255)"), f("hgvs_c", "varchar(max)"),
                f("hgvs_p", "varchar(max)"), f("variant_read_depth", "integer"), f("variant_exon_number", "integer"),
                f("copy_number", "float"), f("cnv_locus", "varchar(max)"), f("fusion_breakpoint", "varchar(max)"),
                f("fusion_supporting_reads", "integer"), f("sequence_alteration", "varchar(max)"), f("variant_feature", "varchar(max)"),
                f("genetic_origin", "varchar(50)"), f("genotype", "varchar(50)"),
            ]),
            Table(name: "variant_annotation", fields: [
                f("variant_annotation_id", "integer", pk: true),
                f("variant_occurrence_id", "integer", true, fk: ("variant_occurrence", "variant_occurrence_id")),
                f("annotation_field", "varchar(max)", true), f("value_as_string", "varchar(max)"), f("value_as_number", "float"),
            ]),
        ]
    }()

    /// PostgreSQL type of a spec datatype, as the official DDL spells it.
    public static func postgresType(_ datatype: String) -> String {
        switch datatype {
        case "integer": "integer"
        case "bigint": "bigint"
        case "float": "NUMERIC"
        case "date": "date"
        case "datetime": "TIMESTAMP"
        case "varchar(max)": "TEXT"
        default: datatype
        }
    }

    /// A column name as SQL: quoted when PostgreSQL reserves it (`note_nlp."offset"`, as the official DDL has it).
    public static func sqlName(_ name: String) -> String { ["offset"].contains(name) ? "\"\(name)\"" : name }

    /// `CREATE TABLE` statements (no keys: they come after the bulk load, as in the official DDL split).
    public func createTables(schema: String) -> [String] {
        tables.map { t in
            let cols = t.fields.map { f in "\t\t\t\(Self.sqlName(f.name)) \(Self.postgresType(f.datatype))\(f.required ? " NOT NULL" : " NULL")" }
            return "CREATE TABLE \(schema).\(t.name) (\n\(cols.joined(separator: ",\n")) );"
        }
    }

    public func primaryKeys(schema: String) -> [String] {
        tables.compactMap { t in
            let pk = t.fields.filter(\.primaryKey).map(\.name)
            return pk.isEmpty ? nil : "ALTER TABLE \(schema).\(t.name) ADD CONSTRAINT xpk_\(t.name) PRIMARY KEY (\(pk.joined(separator: ",")));"
        }
    }

    public func foreignKeys(schema: String) -> [String] {
        tables.flatMap { t in
            t.fields.compactMap { f -> String? in
                guard let ft = f.foreignTable, let ff = f.foreignField, table(ft) != nil else { return nil }
                return "ALTER TABLE \(schema).\(t.name) ADD CONSTRAINT fpk_\(t.name)_\(f.name) FOREIGN KEY (\(f.name)) REFERENCES \(schema).\(ft) (\(ff));"
            }
        }
    }
}

/// Finds a file of Varde's `reference/` folder (``ReferenceFolder``).
public enum ReferenceFiles {
    public static func path(_ relative: String) throws -> String {
        guard let folder = ReferenceFolder.folder(holding: relative) else {
            throw OMOPError(.io, "reference/\(relative) not found", fix: ReferenceFolder.fix)
        }
        return folder + "/" + relative
    }
}
