import Crypto

/// Opaque refresh tokens: 256 random bits, base64url; stored only as SHA-256 hashes (API.md "Tokens").
public enum RefreshToken {
    public static func generate() -> String {
        Base64URL.encode(Random.bytes(count: 32))
    }

    public static func hash(_ token: String) -> [UInt8] {
        SHA256.hash(token)
    }

    /// The token that replaces `token` on rotation: a keyed hash of it, so the same presented token always
    /// yields the same successor (two tabs refreshing at once both succeed) and nobody without the secret can
    /// compute it.
    public static func successor(of token: String, secret: [UInt8]) -> String {
        Base64URL.encode(HMAC.sha256(key: secret, data: Array("gatehouse refresh rotation\u{0}\(token)".utf8)))
    }

    /// Whether `text` has the shape of one of our tokens (43 base64url characters), checked before any lookup.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 43 && text.utf8.allSatisfy { byte in
            (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95
        }
    }
}
