import Foundation
import OMOP
import Testing
import TestSupport

@Suite struct CSVTests {
    @Test("CSV written with quoting reads back field for field (commas, quotes, line breaks, NULL)")
    func roundTrip() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.csv").path
        let rows: [[String?]] = [["1", "plain", nil], ["2", "a, b", "say \"hi\""], ["3", "two\nlines", "ünïcode"]]
        let w = try CSVWriter(path: path, columns: ["id", "x", "y"])
        for r in rows { w.write(r) }
        w.close()
        var read: [[String]] = []
        try DelimitedReader(path: path, delimiter: ",", quoted: true).forEach { fields, _ in read.append(fields) }
        #expect(read.count == 4)
        #expect(read[0] == ["id", "x", "y"])
        #expect(read[1] == ["1", "plain", ""])
        #expect(read[2] == ["2", "a, b", "say \"hi\""])
        #expect(read[3] == ["3", "two\nlines", "ünïcode"])
    }

    @Test("Athena's tab-separated files keep quotes as ordinary characters")
    func athenaTabs() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("CONCEPT.csv").path
        try "concept_id\tconcept_name\n1\t\"quoted\" name, with comma\r\n2\t\n".write(toFile: path, atomically: true, encoding: .utf8)
        var read: [[String]] = []
        try DelimitedReader(path: path, delimiter: "\t", quoted: false).forEach { fields, _ in read.append(fields) }
        #expect(read == [["concept_id", "concept_name"], ["1", "\"quoted\" name, with comma"], ["2", ""]])
    }
}
