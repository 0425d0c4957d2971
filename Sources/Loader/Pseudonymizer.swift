import Crypto
import Foundation
public import VariantStore

/// Turns person keys (e.g. CPR numbers) into pseudonyms: HMAC-SHA256 with a secret kept outside the store.
/// The raw key never reaches the store; without the secret a pseudonym cannot be linked back.
public struct Pseudonymizer: Sendable {
    private let secret: [UInt8]

    public init(secret: [UInt8]) throws(LoadError) {
        guard secret.count >= 16 else {
            throw LoadError("the pseudonym secret is too short (\(secret.count) bytes)", fix: "use at least 16 random bytes, e.g. 'head -c 32 /dev/urandom | base64'")
        }
        self.secret = secret
    }

    /// The systemd credential name: `LoadCredential=varde-pseudonym-key:/etc/varde/pseudonym.key` (or
    /// `systemd-run -p LoadCredential=…`) hands a root-only key file to a process running as the `varde` user.
    public static let credentialName = "varde-pseudonym-key"

    /// Reads the secret from `file`, `VARDE_PSEUDONYM_KEY_FILE` (a file), the systemd credential
    /// `$CREDENTIALS_DIRECTORY/varde-pseudonym-key`, or `VARDE_PSEUDONYM_KEY` (the value), in that order.
    public static func fromEnvironment(file: String? = nil) throws(LoadError) -> Pseudonymizer {
        let env = ProcessInfo.processInfo.environment
        let credential = env["CREDENTIALS_DIRECTORY"].map { $0 + "/" + credentialName }.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        if let path = file ?? env["VARDE_PSEUDONYM_KEY_FILE"] ?? credential {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LoadError(path: path, "cannot read the pseudonym secret file", fix: "check the path and permissions (keep it outside the store)")
            }
            var bytes = [UInt8](data)
            while let l = bytes.last, l == 10 || l == 13 { bytes.removeLast() }
            return try Pseudonymizer(secret: bytes)
        }
        if let value = env["VARDE_PSEUDONYM_KEY"], !value.isEmpty { return try Pseudonymizer(secret: Array(value.utf8)) }
        throw LoadError("no pseudonym secret: person keys are stored only as keyed hashes",
                        fix: "set VARDE_PSEUDONYM_KEY (or VARDE_PSEUDONYM_KEY_FILE, --secret-file, or the systemd credential \(credentialName)) to a secret kept outside the store")
    }

    /// Lower-case hex HMAC-SHA256 of the person key, normalised to Unicode NFC first: the same key typed in two
    /// normal forms (a precomposed "ø" or "o" + combining stroke) is one person, not two.
    public func pseudonym(_ personKey: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(personKey.precomposedStringWithCanonicalMapping.utf8), using: SymmetricKey(data: secret))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A keyed check value of the secret (HMAC of a fixed label): stored with the store, it tells a different secret
    /// apart without revealing the secret or any pseudonym.
    public var checkValue: String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("varde pseudonym secret check v1".utf8), using: SymmetricKey(data: secret))
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Refuses a secret other than the one `store`'s person keys were hashed with (loads under two secrets would
    /// split one person in two, and erasure would find only one). With `record`, stores this secret's check value
    /// when the store has none yet (the first load).
    public func checkSecret(against store: any VariantStore, record: Bool) throws {
        guard let checked = store as? any PseudonymCheckStoring else { return }
        if let stored = try checked.pseudonymSecretCheck() {
            guard stored == checkValue else {
                throw LoadError("the pseudonym secret is not the one this store's person keys were hashed with",
                                fix: "use the store's own secret (VARDE_PSEUDONYM_KEY, VARDE_PSEUDONYM_KEY_FILE or --secret-file); loading under another would count one person twice")
            }
        } else if record {
            try checked.recordPseudonymSecretCheck(checkValue)
        }
    }
}

/// SHA-256 of a file's bytes, streamed.
public enum FileDigest {
    public static func sha256(path: String) throws(LoadError) -> String {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw LoadError(path: path, "cannot read the file", fix: "check the path and permissions")
        }
        defer { try? h.close() }
        var hasher = SHA256()
        while true {
            let chunk = h.readData(ofLength: 4 << 20)
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
