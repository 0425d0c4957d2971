internal import Crypto

/// Deterministic resource ids: RFC 4122 version-5 UUIDs (SHA-1, name-based) of a name that says what the resource
/// is (`Observation|<pseudonym>|<sample>|<variant>`), under a Varde namespace. The same store exports the same ids,
/// so a re-export is byte-identical and a transaction re-PUTs the same resources. 36 characters of `[0-9a-f-]`,
/// inside FHIR's id rule `[A-Za-z0-9\-\.]{1,64}`; the name (which holds the pseudonym) cannot be read back from it.
public enum ResourceID {
    /// The namespace: UUIDv5 of "https://varde/fhir" in the RFC 4122 URL namespace.
    static let namespace: [UInt8] = uuid5(namespace: urlNamespace, name: "https://varde/fhir")
    static let urlNamespace: [UInt8] = [0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8]

    /// The id of the resource `parts` name (joined with `|`).
    public static func make(_ parts: String...) -> String { format(uuid5(namespace: namespace, name: parts.joined(separator: "|"))) }

    static func uuid5(namespace: [UInt8], name: String) -> [UInt8] {
        var h = Insecure.SHA1()
        h.update(data: namespace)
        h.update(data: Array(name.utf8))
        var b = Array(h.finalize().prefix(16))
        b[6] = (b[6] & 0x0F) | 0x50
        b[8] = (b[8] & 0x3F) | 0x80
        return b
    }

    static func format(_ b: [UInt8]) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, x) in b.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(x >> 4)])
            out.append(hex[Int(x & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `uuid5` of `name` in the RFC 4122 DNS namespace, formatted: for the test against RFC 4122's published example.
    public static func rfc4122DNS(_ name: String) -> String {
        format(uuid5(namespace: [0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8], name: name))
    }
}
