import Testing
@testable import VariantStorePostgres

/// The store logic's SQL in PostgreSQL's words (``PostgresSQL``): what changes, and what must not.
@Suite("PostgreSQL SQL translation")
struct PostgresSQLTests {
    @Test("parameters become $N, numbered ?N keep their number, and nothing inside quotes changes")
    func parameters() {
        #expect(PostgresSQL.translate("SELECT a FROM t WHERE b = ? AND c = ?") == "SELECT a FROM t WHERE b = $1 AND c = $2")
        #expect(PostgresSQL.translate("x = ?1 OR y LIKE ?1 || '.%'") == "x = $1 OR y ILIKE $1 || '.%'")
        #expect(PostgresSQL.translate("SELECT '?', \"a?\" FROM t WHERE v = ? AND w = 'it''s ?'")
                == "SELECT '?', \"a?\" FROM t WHERE v = $1 AND w = 'it''s ?'")
    }

    @Test("SQLite's scalar max/min become GREATEST/LEAST; the aggregates and INDEXED BY hints do not survive as they were")
    func functions() {
        #expect(PostgresSQL.translate("UPDATE contig SET max_span = max(max_span, ?) WHERE contig_id = ?")
                == "UPDATE contig SET max_span = GREATEST(max_span, $1) WHERE contig_id = $2")
        #expect(PostgresSQL.translate("SELECT max(vid), min(pos) FROM variant") == "SELECT max(vid), min(pos) FROM variant")
        #expect(PostgresSQL.translate("BETWEEN max(?2 - 10, ?4) AND min(?3, ?5)") == "BETWEEN GREATEST($2 - 10, $4) AND LEAST($3, $5)")
        #expect(PostgresSQL.translate("SELECT vid FROM variant INDEXED BY variant_allele ORDER BY pos")
                == "SELECT vid FROM variant  ORDER BY pos")
        #expect(PostgresSQL.translate("SELECT max((a), b) FROM t") == "SELECT GREATEST((a), b) FROM t")
    }

    @Test("a script splits at semicolons outside literals, comments and $$ bodies")
    func statements() {
        let script = """
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
            -- a comment; with a semicolon
            INSERT INTO t VALUES ('a;b');
            DROP TABLE x
            """
        #expect(PostgresSQL.statements(script) == [
            "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$",
            "INSERT INTO t VALUES ('a;b')",
            "DROP TABLE x",
        ])
    }
}
