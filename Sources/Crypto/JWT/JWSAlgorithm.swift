/// The JWS algorithms Gatehouse signs and verifies with (RFC 7518 §3.1, RFC 8037 §3.1).
///
/// Each key has exactly one of these, and a token's `alg` header must name it.
public enum JWSAlgorithm: String, Sendable, CaseIterable {
    /// Ed25519 (RFC 8037); the default.
    case eddsa = "EdDSA"
    /// ECDSA over P-256 with SHA-256; signatures are raw `r||s`, 64 bytes.
    case es256 = "ES256"
    /// RSASSA-PKCS1-v1_5 with SHA-256, keys of 2048 bits or more.
    case rs256 = "RS256"
    /// HMAC-SHA256 with shared secrets (`JWT_SECRET`); never published in JWKS.
    case hs256 = "HS256"

    /// The key type an asymmetric algorithm needs, for generating keys.
    var keyType: KeyType? {
        switch self {
        case .eddsa: .ed25519
        case .es256: .p256
        case .rs256: .rsa(bits: 2048)
        case .hs256: nil
        }
    }

    /// The algorithm named by a header's `alg` bytes, compared exactly (JOSE names are case-sensitive).
    init?(bytes: ArraySlice<UInt8>) {
        switch PackedName.pack(bytes) {
        case PackedName.eddsa: self = .eddsa
        case PackedName.es256: self = .es256
        case PackedName.rs256: self = .rs256
        case PackedName.hs256: self = .hs256
        default: return nil
        }
    }

    /// The algorithm a loaded key is for.
    init(for type: KeyType) {
        switch type {
        case .ed25519: self = .eddsa
        case .p256: self = .es256
        case .rsa: self = .rs256
        }
    }
}
