import Crypto

/// Recovery codes: ten single-use codes `xxxxx-xxxxx` shown once when TOTP is confirmed (or regenerated), each 50
/// random bits in a 32-letter alphabet (Crockford's base32 in lower case: digits and letters without i, l, o and
/// u, so nothing reads as another character). Stored as keyed hashes (``SealingKey/recoveryCodeHash(_:owner:)``).
public enum RecoveryCode {
    /// The 32 letters codes are written in.
    public static let alphabet = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)
    /// Codes in a set.
    public static let count = 10
    /// Letters per code, without the hyphen (two groups of five).
    static let letters = 10

    /// A new set of ``count`` distinct codes.
    public static func generateSet() -> [String] {
        var codes: [String] = []
        while codes.count < count {
            let code = generate()
            if !codes.contains(code) { codes.append(code) }
        }
        return codes
    }

    /// One code, `xxxxx-xxxxx`: each letter from one random byte's low five bits (256 is a multiple of 32, so
    /// every letter is equally likely).
    static func generate() -> String {
        let letters = Random.bytes(count: Self.letters).map { alphabet[Int($0 & 31)] }
        return String(decoding: letters[0..<5] + [UInt8(ascii: "-")] + letters[5...], as: UTF8.self)
    }

    /// A code as people type it back, in the form it is hashed in: case folded, spaces and hyphens dropped; nil
    /// when it is not ten letters of the alphabet.
    public static func normalize(_ typed: String) -> String? {
        guard typed.utf8.count <= 64 else { return nil }
        var out: [UInt8] = []
        for byte in typed.utf8 {
            if byte == UInt8(ascii: "-") || byte == UInt8(ascii: " ") { continue }
            let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
            guard alphabet.contains(lower) else { return nil }
            out.append(lower)
        }
        guard out.count == letters else { return nil }
        return String(decoding: out, as: UTF8.self)
    }
}
