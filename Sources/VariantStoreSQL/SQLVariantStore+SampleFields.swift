public import VariantStore

extension SQLVariantStore: SampleFieldReading {
    public func sampleValues(ofField key: String) throws -> [UInt32: String] {
        let columns = ["sex": "p.sex", "diagnosis": "s.diagnosis"]
        guard let column = columns[key.lowercased()] else {
            throw StoreError(.invalidInput, "sampleValues reads sex or diagnosis, not \(key)")
        }
        let s = try db.statement("SELECT s.ordinal, CAST(\(column) AS TEXT) FROM sample s JOIN person p ON p.person_id = s.person_id WHERE s.active = 1 AND \(column) IS NOT NULL")
        var out: [UInt32: String] = [:]
        while try s.step() { if let v = s.text(1) { out[UInt32(s.int(0))] = v } }
        return out
    }
}
