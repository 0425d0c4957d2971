public import VariantStore

extension SQLiteVariantStore: PseudonymCheckStoring {
    public func pseudonymSecretCheck() throws -> String? {
        let s = try db.statement("SELECT value FROM meta WHERE key = 'pseudonym_secret_check'")
        guard try s.step() else { return nil }
        return s.text(0)
    }

    public func recordPseudonymSecretCheck(_ value: String) throws {
        try db.statement("INSERT INTO meta(key, value) VALUES ('pseudonym_secret_check', ?) ON CONFLICT(key) DO NOTHING").run([.text(value)])
    }
}
