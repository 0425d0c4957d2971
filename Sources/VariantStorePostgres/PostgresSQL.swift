internal import Foundation

/// The store logic's SQL, which SQLite and PostgreSQL mostly share, in PostgreSQL's words. Outside string literals and
/// quoted identifiers: `?` and `?N` become `$N`; SQLite's scalar `max(a, b)` and `min(a, b)` become `GREATEST` and
/// `LEAST` (the one-argument aggregates stay); `INDEXED BY name` (a SQLite planner hint) is dropped; `LIKE` becomes
/// `ILIKE`, since SQLite's LIKE ignores ASCII case.
enum PostgresSQL {
    /// A script's statements, split at the semicolons outside literals, quoted identifiers, `--` comments and
    /// `$$` bodies (PostgresNIO sends each statement with the extended protocol, which takes one at a time).
    static func statements(_ script: String) -> [String] {
        let chars = Array(script.unicodeScalars)
        var out: [String] = [], current = String.UnicodeScalarView()
        var i = 0
        func flush() {
            let text = String(current).trimmingCharacters(in: .whitespacesAndNewlines)
            if !text.isEmpty { out.append(text) }
            current = String.UnicodeScalarView()
        }
        while i < chars.count {
            let c = chars[i]
            if c == "'" || c == "\"" {
                i = copyQuoted(chars, from: i, into: &current)
            } else if c == "-", i + 1 < chars.count, chars[i + 1] == "-" {
                while i < chars.count, chars[i] != "\n" { i += 1 }
            } else if c == "$", i + 1 < chars.count, chars[i + 1] == "$" {
                current.append(contentsOf: "$$".unicodeScalars)
                i += 2
                while i + 1 < chars.count, !(chars[i] == "$" && chars[i + 1] == "$") { current.append(chars[i]); i += 1 }
                current.append(contentsOf: "$$".unicodeScalars)
                i += 2
            } else if c == ";" {
                flush()
                i += 1
            } else {
                current.append(c)
                i += 1
            }
        }
        flush()
        return out
    }

    static func translate(_ sql: String) -> String {
        let chars = Array(sql.unicodeScalars)
        var out = String.UnicodeScalarView()
        var i = 0, next = 1
        func isWord(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || ("0"..."9").contains(c) || c == "_" }
        func word(at j: Int) -> String? {
            guard j < chars.count, isWord(chars[j]), j == 0 || !isWord(chars[j - 1]) else { return nil }
            var k = j
            while k < chars.count, isWord(chars[k]) { k += 1 }
            return String(String.UnicodeScalarView(chars[j..<k]))
        }
        /// Whether the parenthesised list opening at `open` has a comma at its own depth.
        func hasTopLevelComma(_ open: Int) -> Bool {
            var depth = 0, k = open
            while k < chars.count {
                switch chars[k] {
                case "(": depth += 1
                case ")": depth -= 1; if depth == 0 { return false }
                case ",": if depth == 1 { return true }
                default: break
                }
                k += 1
            }
            return false
        }
        while i < chars.count {
            let c = chars[i]
            if c == "'" || c == "\"" {
                i = copyQuoted(chars, from: i, into: &out)
                continue
            }
            if c == "?" {
                var k = i + 1
                while k < chars.count, ("0"..."9").contains(chars[k]) { k += 1 }
                if k > i + 1 {
                    out.append("$")
                    out.append(contentsOf: chars[(i + 1)..<k])
                } else {
                    out.append(contentsOf: "$\(next)".unicodeScalars)
                    next += 1
                }
                i = k
                continue
            }
            if let w = word(at: i) {
                let upper = w.uppercased()
                let end = i + w.unicodeScalars.count
                var open = end
                while open < chars.count, chars[open] == " " { open += 1 }
                if (upper == "MAX" || upper == "MIN"), open < chars.count, chars[open] == "(", hasTopLevelComma(open) {
                    out.append(contentsOf: (upper == "MAX" ? "GREATEST" : "LEAST").unicodeScalars)
                    i = end
                    continue
                }
                if upper == "INDEXED", let by = word(at: open), by.uppercased() == "BY" {
                    var k = open + 2
                    while k < chars.count, chars[k] == " " { k += 1 }
                    if let name = word(at: k) { i = k + name.unicodeScalars.count; continue }
                }
                if upper == "LIKE" {
                    out.append(contentsOf: "ILIKE".unicodeScalars)
                    i = end
                    continue
                }
                out.append(contentsOf: w.unicodeScalars)
                i = end
                continue
            }
            out.append(c)
            i += 1
        }
        return String(out)
    }

    /// Copies the literal or quoted identifier opening at `start` whole ('' and "" inside escape themselves);
    /// returns the index after it.
    private static func copyQuoted(_ chars: [Unicode.Scalar], from start: Int, into out: inout String.UnicodeScalarView) -> Int {
        let quote = chars[start]
        out.append(quote)
        var i = start + 1
        while i < chars.count {
            out.append(chars[i])
            i += 1
            if chars[i - 1] == quote {
                guard i < chars.count, chars[i] == quote else { return i }
                out.append(quote)
                i += 1
            }
        }
        return i
    }
}
