import Foundation
import Testing
@testable import Crypto

/// RFC 7515 appendix A, RFC 8037 appendix A and RFC 7638 section 3.1, from `Vectors/jws.json`.
struct JWSVectors: Decodable {
    struct HMACExample: Decodable {
        let k: String
        let token: String
        let verify_at: Double
    }
    struct KeyExample: Decodable {
        let jwk: [String: String]
        let private_pem: String
        let token: String
        let verify_at: Double?
    }
    struct EdDSAExample: Decodable {
        let jwk: [String: String]
        let private_pem: String
        let public_pem: String
        let thumbprint: String
        let token: String
    }
    struct ThumbprintExample: Decodable {
        let public_pem: String
        let thumbprint: String
    }
    let rfc7515_a1: HMACExample
    let rfc7515_a2: KeyExample
    let rfc7515_a3: KeyExample
    let rfc8037: EdDSAExample
    let rfc7638: ThumbprintExample

    static func load() throws -> JWSVectors { try loadVector("jws") }
}

@Suite("JWS known answers (RFC 7515, RFC 8037, RFC 7638)")
struct JWSKnownAnswerTests {
    let vectors: JWSVectors
    init() throws { vectors = try JWSVectors.load() }

    @Test("RFC 7515 A.1: the HS256 example verifies with its key, claims and all, and signs to the same MAC")
    func rfc7515HS256() throws {
        let example = vectors.rfc7515_a1
        let keys = try SigningKeys(hmacSecrets: [try Base64URL.decode(example.k)])
        let claims = try keys.verify(token: example.token, at: Date(timeIntervalSince1970: example.verify_at))
        #expect(claims.issuer == "joe")
        #expect(claims.expiresAt == Date(timeIntervalSince1970: 1_300_819_380))
        #expect(claims.algorithm == .hs256)
        let decoded = try claims.decode([String: AnyJSON].self)
        #expect(decoded["http://example.com/is_root"] == .bool(true))

        let parts = try TokenParts(example.token)
        let key = try JWSKey(hmacSecret: try Base64URL.decode(example.k))
        #expect(try key.sign(message: parts.signingInput) == parts.signature)
    }

    @Test("RFC 7515 A.1: the same token is expired an hour after exp")
    func rfc7515HS256Expired() throws {
        let example = vectors.rfc7515_a1
        let keys = try SigningKeys(hmacSecrets: [try Base64URL.decode(example.k)])
        #expect(throws: CryptoError.tokenExpired) {
            try keys.verify(token: example.token, at: Date(timeIntervalSince1970: 1_300_819_380 + 3600))
        }
    }

    @Test("RFC 7515 A.2: RS256 signs to the RFC's exact signature and verifies it")
    func rfc7515RS256() throws {
        let example = vectors.rfc7515_a2
        let key = try JWSKey(key: EVPKey(privateKeyPEM: utf8(example.private_pem)))
        #expect(key.algorithm == .rs256)
        #expect(key.publicJWK?["n"] == example.jwk["n"])
        #expect(key.publicJWK?["e"] == example.jwk["e"])
        let parts = try TokenParts(example.token)
        #expect(parts.algorithm == "RS256")
        try key.verify(signature: parts.signature, message: parts.signingInput)
        #expect(try key.sign(message: parts.signingInput) == parts.signature)
        let claims = try VerifiedClaims(
            payload: parts.payload, algorithm: .rs256, keyID: nil, at: Date(timeIntervalSince1970: example.verify_at!),
            leeway: 60, issuer: "joe", audience: nil)
        #expect(claims.issuer == "joe")
    }

    @Test("RFC 7515 A.3: the ES256 example (raw r||s) verifies; our own ES256 signatures are 64 bytes and verify")
    func rfc7515ES256() throws {
        let example = vectors.rfc7515_a3
        let key = try JWSKey(key: EVPKey(privateKeyPEM: utf8(example.private_pem)))
        #expect(key.algorithm == .es256)
        #expect(key.publicJWK?["x"] == example.jwk["x"])
        #expect(key.publicJWK?["y"] == example.jwk["y"])
        let parts = try TokenParts(example.token)
        #expect(parts.signature.count == 64)
        try key.verify(signature: parts.signature, message: parts.signingInput)
        let ours = try key.sign(message: parts.signingInput)
        #expect(ours.count == 64)
        try key.verify(signature: ours, message: parts.signingInput)
    }

    @Test("RFC 8037 A.1–A.4: the Ed25519 key exports the RFC's x and thumbprint and signs to the RFC's signature")
    func rfc8037Sign() throws {
        let example = vectors.rfc8037
        let key = try JWSKey(key: EVPKey(privateKeyPEM: utf8(example.private_pem)))
        #expect(key.algorithm == .eddsa)
        #expect(key.publicJWK?["x"] == example.jwk["x"])
        #expect(key.keyID == example.thumbprint)
        let parts = try TokenParts(example.token)
        #expect(try key.sign(message: parts.signingInput) == parts.signature)
    }

    @Test("RFC 8037 A.5: the Ed25519 example verifies with the public key alone")
    func rfc8037Verify() throws {
        let example = vectors.rfc8037
        let context = try SignatureContext(key: EVPKey(publicKeyPEM: utf8(example.public_pem)), scheme: .ed25519)
        let parts = try TokenParts(example.token)
        #expect(context.verify(signature: parts.signature, message: parts.signingInput))
        var flipped = parts.signature
        flipped[0] ^= 1
        #expect(!context.verify(signature: flipped, message: parts.signingInput))
        // Verifying again after a failure still works: the reused context is not left broken.
        #expect(context.verify(signature: parts.signature, message: parts.signingInput))
    }

    @Test("RFC 7638 3.1: the RSA example key has the RFC's thumbprint")
    func rfc7638() throws {
        let jwk = try JWK(publicKeyOf: EVPKey(publicKeyPEM: utf8(vectors.rfc7638.public_pem)))
        #expect(jwk.thumbprint == vectors.rfc7638.thumbprint)
    }
}

/// Enough of JSON to compare decoded claims in tests.
enum AnyJSON: Decodable, Equatable {
    case bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON]), null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([AnyJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: AnyJSON].self))
        }
    }
}
