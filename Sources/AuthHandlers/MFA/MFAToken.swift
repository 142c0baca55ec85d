import Crypto

/// The `mfa_token` of a login's second step: 256 random bits in base64url, opaque to the client, stored only as its
/// SHA-256 (like refresh tokens).
enum MFAToken {
    /// A new token.
    static func generate() -> String {
        Base64URL.encode(Random.bytes(count: 32))
    }

    /// What the table keeps.
    static func hash(_ token: String) -> [UInt8] {
        SHA256.hash(Array(token.utf8))
    }

    /// Whether `token` has the shape of one we issue (43 base64url characters); anything else is unknown without
    /// a database read.
    static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43
            && token.utf8.allSatisfy {
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D
                    || $0 == 0x5F
            }
    }
}
