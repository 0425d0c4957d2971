import Crypto
import Foundation

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

    /// Reads the secret from `VARDE_PSEUDONYM_KEY_FILE` (a file) or `VARDE_PSEUDONYM_KEY` (the value), or `file`.
    public static func fromEnvironment(file: String? = nil) throws(LoadError) -> Pseudonymizer {
        let env = ProcessInfo.processInfo.environment
        if let path = file ?? env["VARDE_PSEUDONYM_KEY_FILE"] {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw LoadError(path: path, "cannot read the pseudonym secret file", fix: "check the path and permissions (keep it outside the store)")
            }
            var bytes = [UInt8](data)
            while let l = bytes.last, l == 10 || l == 13 { bytes.removeLast() }
            return try Pseudonymizer(secret: bytes)
        }
        if let value = env["VARDE_PSEUDONYM_KEY"], !value.isEmpty { return try Pseudonymizer(secret: Array(value.utf8)) }
        throw LoadError("no pseudonym secret: person keys are stored only as keyed hashes",
                        fix: "set VARDE_PSEUDONYM_KEY (or VARDE_PSEUDONYM_KEY_FILE, or --secret-file) to a secret kept outside the store")
    }

    /// Lower-case hex HMAC-SHA256 of the person key.
    public func pseudonym(_ personKey: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(personKey.utf8), using: SymmetricKey(data: secret))
        return mac.map { String(format: "%02x", $0) }.joined()
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
