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
        successor(ofHash: hash(token), secret: secret)
    }

    /// The successor of the token whose SHA-256 is `tokenHash`: a context switch rotates the session's chain from
    /// the stored hash alone, and a refresh with the old token inside the grace window gets the same successor.
    public static func successor(ofHash tokenHash: [UInt8], secret: [UInt8]) -> String {
        Base64URL.encode(HMAC.sha256(key: secret, data: Array("gatehouse refresh rotation\u{0}".utf8) + tokenHash))
    }

    /// Whether `text` has the shape of one of our tokens (43 base64url characters), checked before any lookup.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 43 && text.utf8.allSatisfy { byte in
            (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 95
        }
    }
}
