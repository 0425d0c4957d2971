import Foundation

/// Which address a request's budget and audit line belong to. The connection's peer, unless the peer is a reverse
/// proxy the operator named in `trustedProxies`: then the rightmost `X-Forwarded-For` address that is not itself a
/// trusted proxy (addresses to its left were written by the client and prove nothing).
struct ProxyTrust: Sendable {
    /// One trusted address, or an IPv4 block `a.b.c.d/n`.
    struct Rule: Sendable {
        var address: String
        var ipv4: (net: UInt32, mask: UInt32)?

        init?(_ text: String) {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            if parts.count == 2 {
                guard let net = Self.ipv4(parts[0]), let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
                let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
                address = text
                ipv4 = (net & mask, mask)
            } else {
                guard parts.count == 1, Self.ipv4(parts[0]) != nil || (text.contains(":") && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
                address = text.lowercased()
            }
        }

        func matches(_ candidate: String) -> Bool {
            if let (net, mask) = ipv4 { return Self.ipv4(Substring(candidate)).map { $0 & mask == net } ?? false }
            return candidate.lowercased() == address
        }

        static func ipv4(_ s: Substring) -> UInt32? {
            let octets = s.split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4 else { return nil }
            var v: UInt32 = 0
            for o in octets {
                guard !o.isEmpty, o.count <= 3, o.allSatisfy(\.isASCII), let n = UInt32(o), n <= 255 else { return nil }
                v = v << 8 | n
            }
            return v
        }
    }

    let rules: [Rule]

    init(_ addresses: [String]) { rules = addresses.compactMap(Rule.init) }

    func trusted(_ address: String) -> Bool { rules.contains { $0.matches(address) } }

    /// The client's address for a request from `peer` carrying these `X-Forwarded-For` values.
    func client(peer: String, forwardedFor: [String]) -> String {
        guard !rules.isEmpty, trusted(peer) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        for hop in hops.reversed() {
            // A hop that is not an address ends the chain: what is left of it is the client's own writing.
            guard Rule(hop) != nil else { break }
            if !trusted(hop) { return hop }
        }
        return peer
    }
}
