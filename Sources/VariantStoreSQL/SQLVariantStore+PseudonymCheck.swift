public import VariantStore

extension SQLVariantStore: PseudonymCheckStoring {
    public func pseudonymSecretCheck() throws -> String? {
        let s = try db.statement("SELECT value FROM meta WHERE key = 'pseudonym_secret_check'")
        // Reset at once: a statement left stepping would hold a read snapshot open into the load that follows.
        defer { s.reset() }
        guard try s.step() else { return nil }
        return s.text(0)
    }

    public func recordPseudonymSecretCheck(_ value: String) throws {
        // Under the write lock (BEGIN IMMEDIATE waits its turn like any writer), and only when still absent:
        // concurrent first loads all record the same value, and later loads write nothing.
        try db.transaction {
            guard try pseudonymSecretCheck() == nil else { return }
            try db.statement("INSERT INTO meta(key, value) VALUES ('pseudonym_secret_check', ?) ON CONFLICT(key) DO NOTHING").run([.text(value)])
        }
    }
}
