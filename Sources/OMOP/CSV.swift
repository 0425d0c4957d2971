internal import Foundation

/// Reads delimited text: RFC 4180 CSV (`quoted: true`, the CDM exports and Koios extracts) or Athena's
/// tab-separated files (`quoted: false`: a `"` is an ordinary character there).
public struct DelimitedReader {
    public let path: String
    let data: Data
    let delimiter: Character
    let quoted: Bool

    /// Reads `path`; a `.gz` file is decompressed with `gzip -dc`.
    public init(path: String, delimiter: Character, quoted: Bool) throws(OMOPError) {
        self.path = path
        self.delimiter = delimiter
        self.quoted = quoted
        let data: Data?
        if path.hasSuffix(".gz") {
            data = try? Self.gunzip(path)
        } else {
            data = FileManager.default.contents(atPath: path)
        }
        guard let data else { throw OMOPError(.io, "cannot read \(path)", fix: "check the path and its permissions") }
        self.data = data
    }

    static func gunzip(_ path: String) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["gzip", "-dc", path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw OMOPError(.io, "gzip -dc \(path) failed") }
        return data
    }

    /// Calls `body` with each record's fields and its 1-based line number; the header is the first record.
    public func forEach(_ body: (_ fields: [String], _ line: Int) throws -> Void) throws {
        if !quoted { return try forEachUnquoted(body) }
        let d = delimiter.asciiValue ?? 44
        let quote = UInt8(ascii: "\"")
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let b = raw.bindMemory(to: UInt8.self)
            var fields: [String] = []
            var field: [UInt8] = []
            var i = 0, line = 1, recordLine = 1
            var inQuotes = false, any = false
            func endField() { fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true) }
            while i < b.count {
                let c = b[i]
                i += 1
                if inQuotes {
                    if c == quote {
                        if i < b.count && b[i] == quote { field.append(quote); i += 1 } else { inQuotes = false }
                    } else {
                        if c == 10 { line += 1 }
                        field.append(c)
                    }
                    continue
                }
                any = true
                if c == quote && field.isEmpty {
                    inQuotes = true
                } else if c == d {
                    endField()
                } else if c == 10 || c == 13 {
                    if c == 13 && i < b.count && b[i] == 10 { i += 1 }
                    endField()
                    if !(fields.count == 1 && fields[0].isEmpty) { try body(fields, recordLine) }
                    fields.removeAll(keepingCapacity: true)
                    line += 1
                    recordLine = line
                    any = false
                } else {
                    field.append(c)
                }
            }
            if any || !fields.isEmpty || !field.isEmpty {
                endField()
                try body(fields, recordLine)
            }
        }
    }

    /// Tab-separated without quoting (Athena): split on bytes, a few hundred MB/s.
    private func forEachUnquoted(_ body: (_ fields: [String], _ line: Int) throws -> Void) throws {
        let d = delimiter.asciiValue ?? 9
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0, line = 0
            var fields: [String] = []
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 10 { end += 1 }
                line += 1
                var stop = end
                if stop > start && bytes[stop - 1] == 13 { stop -= 1 }
                fields.removeAll(keepingCapacity: true)
                var f = start
                for i in start...stop where i == stop || bytes[i] == d {
                    fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[f..<i]), as: UTF8.self))
                    f = i + 1
                }
                if !(fields.count == 1 && fields[0].isEmpty) { try body(fields, line) }
                start = end + 1
            }
        }
    }

    /// The header and then each record as a `column -> value` lookup by index.
    public func records(_ body: (_ row: Row, _ line: Int) throws -> Void) throws {
        var header: [String: Int]? = nil
        try forEach { fields, line in
            guard let h = header else {
                header = Dictionary(fields.enumerated().map { ($1.trimmingCharacters(in: .whitespaces).lowercased(), $0) },
                                    uniquingKeysWith: { a, _ in a })
                return
            }
            if fields.count == 1 && fields[0].isEmpty { return }
            try body(Row(header: h, fields: fields), line)
        }
    }

    public struct Row {
        public let header: [String: Int]
        public let fields: [String]
        public subscript(_ column: String) -> String? {
            guard let i = header[column], i < fields.count else { return nil }
            return fields[i]
        }
    }
}

/// Writes a CSV file with a header row: fields quoted only when they hold a comma, quote or line break;
/// `nil` is an empty unquoted field (what PostgreSQL's `COPY … CSV` reads as NULL).
public final class CSVWriter {
    public let path: String
    public let columns: [String]
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    public private(set) var rows = 0

    public init(path: String, columns: [String]) throws(OMOPError) {
        self.path = path
        self.columns = columns
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw OMOPError(.io, "cannot create \(path)", fix: "check that the output folder exists and is writable")
        }
        handle = h
        buffer.reserveCapacity(1 << 20)
        append(columns)
    }

    private func append(_ fields: [String?]) {
        for (i, f) in fields.enumerated() {
            if i > 0 { buffer.append(UInt8(ascii: ",")) }
            guard let f else { continue }
            if f.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 10 || $0 == 13 }) || f.isEmpty {
                buffer.append(UInt8(ascii: "\""))
                for b in f.utf8 {
                    if b == UInt8(ascii: "\"") { buffer.append(b) }
                    buffer.append(b)
                }
                buffer.append(UInt8(ascii: "\""))
            } else {
                buffer.append(contentsOf: f.utf8)
            }
        }
        buffer.append(10)
        if buffer.count >= 1 << 20 { flush() }
    }

    /// Adds one row, values in ``columns`` order.
    public func write(_ fields: [String?]) {
        precondition(fields.count == columns.count, "row of \(fields.count) fields for \(columns.count) columns in \(path)")
        append(fields)
        rows += 1
    }

    private func flush() {
        guard !buffer.isEmpty else { return }
        try? handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private var closed = false

    /// Writes what is buffered and closes the file; later calls do nothing.
    public func close() {
        guard !closed else { return }
        closed = true
        flush()
        try? handle.close()
    }
}

/// A failure of the OMOP bridge, said plainly with what to do.
public struct OMOPError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable {
        public let name: String
        public init(_ name: String) { self.name = name }
        public static let io = Code("io")
        public static let format = Code("format")
        public static let missingConcept = Code("missing-concept")
        public static let noVocabulary = Code("no-vocabulary")
        public static let postgres = Code("postgres")
        public static let invalidInput = Code("invalid-input")
    }
    public var code: Code
    public var message: String
    public var fix: String?
    public init(_ code: Code, _ message: String, fix: String? = nil) {
        self.code = code
        self.message = message
        self.fix = fix
    }
    public var description: String { message + (fix.map { ". Fix: " + $0 } ?? "") }
}
