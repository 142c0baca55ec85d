import Foundation
import Testing
@testable import Crypto

@Suite("JWT claims: exp, nbf, iat with leeway, iss, aud")
struct ClaimsTests {
    let keys: SigningKeys
    init() throws { keys = try TestKeys().keySet(.eddsa) }

    func verify(
        _ claims: String, at date: Date = Forge.now, leeway: TimeInterval = 60,
        issuer: String? = "https://auth.example.com",
        audience: String? = "gatehouse"
    ) throws -> VerifiedClaims {
        try keys.verify(
            token: keys.sign(claimsJSON: utf8(claims)), at: date, leeway: leeway, issuer: issuer, audience: audience)
    }

    @Test("the registered claims are read and the payload is kept exactly as signed")
    func readsClaims() throws {
        let json = Forge.claims(nbf: 1_749_999_000, extra: #""jti":"t-1","roles":["admin"]"#)
        let claims = try verify(json)
        #expect(claims.payload == utf8(json))
        #expect(claims.issuer == "https://auth.example.com")
        #expect(claims.subject == "user-1")
        #expect(claims.audience == ["gatehouse"])
        #expect(claims.expiresAt == Date(timeIntervalSince1970: 1_750_000_900))
        #expect(claims.notBefore == Date(timeIntervalSince1970: 1_749_999_000))
        #expect(claims.issuedAt == Forge.now)
        #expect(claims.tokenID == "t-1")
        struct Roles: Decodable { let roles: [String] }
        #expect(try claims.decode(Roles.self).roles == ["admin"])
        struct Wrong: Decodable { let missing: Int }
        #expect(throws: CryptoError.invalidClaim) { try claims.decode(Wrong.self) }
    }

    @Test("exp: expired once now reaches exp plus the leeway, not before")
    func expiry() throws {
        let json = Forge.claims(exp: 1_750_000_000)
        _ = try verify(json, at: Forge.now.addingTimeInterval(59))
        #expect(throws: CryptoError.tokenExpired) { try verify(json, at: Forge.now.addingTimeInterval(60)) }
        #expect(throws: CryptoError.tokenExpired) { try verify(json, at: Forge.now.addingTimeInterval(1), leeway: 0) }
        _ = try verify(json, at: Forge.now.addingTimeInterval(299), leeway: 300)
    }

    @Test("exp is required and must be a number")
    func expiryRequired() throws {
        #expect(throws: CryptoError.invalidClaim) {
            try verify(#"{"sub":"x","iss":"https://auth.example.com","aud":"gatehouse"}"#)
        }
        #expect(throws: CryptoError.invalidClaim) {
            try verify(#"{"exp":"1750000900","aud":"gatehouse"}"#, issuer: nil)
        }
    }

    @Test("NumericDate may have a fraction")
    func fractionalDates() throws {
        let claims = try verify(#"{"exp":1750000900.5,"aud":"gatehouse"}"#, issuer: nil)
        #expect(claims.expiresAt.timeIntervalSince1970 == 1_750_000_900.5)
    }

    @Test("nbf: not yet valid until nbf minus the leeway")
    func notBefore() throws {
        let json = Forge.claims(nbf: 1_750_000_100)
        _ = try verify(json, at: Forge.now.addingTimeInterval(40))
        #expect(throws: CryptoError.tokenNotYetValid) { try verify(json, at: Forge.now.addingTimeInterval(39)) }
        #expect(throws: CryptoError.tokenNotYetValid) {
            try verify(json, at: Forge.now.addingTimeInterval(99), leeway: 0)
        }
    }

    @Test("iat in the future beyond the leeway is refused")
    func issuedInFuture() throws {
        _ = try verify(Forge.claims(iat: 1_750_000_060))
        #expect(throws: CryptoError.tokenIssuedInFuture) { try verify(Forge.claims(iat: 1_750_000_061)) }
        #expect(throws: CryptoError.invalidClaim) { try verify(Forge.claims(iat: nil, extra: #""iat":true"#)) }
    }

    @Test("iss must equal the expected issuer when one is given")
    func issuer() throws {
        #expect(throws: CryptoError.wrongIssuer) { try verify(Forge.claims(iss: "https://evil.example.com")) }
        #expect(throws: CryptoError.wrongIssuer) { try verify(Forge.claims(iss: nil)) }
        #expect(throws: CryptoError.wrongIssuer) { try verify(Forge.claims(iss: "https://auth.example.com/")) }
        _ = try verify(Forge.claims(iss: "https://other.example.com"), issuer: nil)
        #expect(throws: CryptoError.invalidClaim) { try verify(Forge.claims(iss: nil, extra: #""iss":42"#)) }
    }

    @Test("aud may be a string or an array, and must contain the expected audience")
    func audience() throws {
        _ = try verify(Forge.claims(aud: #"["api","gatehouse"]"#))
        #expect(throws: CryptoError.wrongAudience) { try verify(Forge.claims(aud: #""api""#)) }
        #expect(throws: CryptoError.wrongAudience) { try verify(Forge.claims(aud: #"["api","other"]"#)) }
        #expect(throws: CryptoError.wrongAudience) { try verify(Forge.claims(aud: "[]")) }
        #expect(throws: CryptoError.wrongAudience) { try verify(Forge.claims(aud: nil)) }
        #expect(throws: CryptoError.invalidClaim) { try verify(Forge.claims(aud: "[1]")) }
        #expect(throws: CryptoError.invalidClaim) { try verify(Forge.claims(aud: "7")) }
    }

    @Test("with no expected audience, a token without aud passes and one with aud is refused (RFC 7519 4.1.3)")
    func noExpectedAudience() throws {
        _ = try verify(Forge.claims(aud: nil), audience: nil)
        #expect(throws: CryptoError.wrongAudience) { try verify(Forge.claims(), audience: nil) }
    }

    @Test("escaped member names are the same names: \\u0065xp is exp")
    func escapedNames() throws {
        #expect(throws: CryptoError.tokenExpired) {
            try verify(#"{"\u0065xp":1700000000,"iss":"https://auth.example.com","aud":"gatehouse"}"#)
        }
        let claims = try verify(
            #"{"exp":1750000900,"iss":"https:\/\/auth.example.com","aud":"gate\u0068ouse","sub":"\ud83d\ude00"}"#)
        #expect(claims.subject == "😀")
    }

    @Test("the signature is checked before the claims: an expired token with a bad signature is a bad signature")
    func signatureFirst() throws {
        let token = try keys.sign(claimsJSON: utf8(Forge.claims(exp: 1_000)))
        let broken = try Forge.changing(token, part: 2) { $0[0] ^= 1 }
        #expect(throws: CryptoError.badSignature) { try keys.verify(token: broken, at: Forge.now) }
    }
}

@Suite("HS256 key sets (JWT_SECRET)")
struct HS256Tests {
    let first = [UInt8](repeating: 0x11, count: 32)
    let second = Array("a second shared secret, 32 bytes or more".utf8)

    @Test("the first secret signs, every secret verifies, an unknown secret fails")
    func severalSecrets() throws {
        let keys = try SigningKeys(hmacSecrets: [first, second])
        let token = try keys.sign(claimsJSON: utf8(Forge.claims()))
        #expect(Forge.parts(token)[0] == Base64URL.encode(utf8(#"{"alg":"HS256","typ":"JWT"}"#)))
        _ = try keys.verify(token: token, at: Forge.now, audience: "gatehouse")

        let signedBySecond = try SigningKeys(hmacSecrets: [second]).sign(claimsJSON: utf8(Forge.claims()))
        let claims = try keys.verify(token: signedBySecond, at: Forge.now, audience: "gatehouse")
        #expect(claims.algorithm == .hs256)
        #expect(claims.keyID == nil)

        let stranger = try SigningKeys(hmacSecrets: [Random.bytes(count: 32)]).sign(claimsJSON: utf8(Forge.claims()))
        #expect(throws: CryptoError.badSignature) {
            try keys.verify(token: stranger, at: Forge.now, audience: "gatehouse")
        }
    }

    @Test("JWKS is empty and the only algorithm is HS256")
    func jwks() throws {
        let keys = try SigningKeys(hmacSecrets: [first])
        #expect(keys.jwksJSON == #"{"keys":[]}"#)
        #expect(keys.algorithms == [.hs256])
        #expect(keys.activeKeyID == nil)
    }

    @Test("secrets under 32 bytes and an empty list are refused")
    func weakSecrets() throws {
        #expect(throws: CryptoError.weakKey) { try SigningKeys(hmacSecrets: [Array("short".utf8)]) }
        #expect(throws: CryptoError.weakKey) {
            try SigningKeys(hmacSecrets: [first, [UInt8](repeating: 1, count: 31)])
        }
        #expect(throws: CryptoError.noSigningKey) { try SigningKeys(hmacSecrets: []) }
    }

    @Test("asymmetric tokens, a kid, and a truncated MAC are refused in HS256 mode")
    func rejections() throws {
        let keys = try SigningKeys(hmacSecrets: [first])
        let eddsa = try TestKeys().keySet(.eddsa).sign(claimsJSON: utf8(Forge.claims()))
        #expect(throws: CryptoError.algorithmMismatch) {
            try keys.verify(token: eddsa, at: Forge.now, audience: "gatehouse")
        }
        let withKid = Forge.hs256Token(header: #"{"alg":"HS256","kid":"k1"}"#, payload: Forge.claims(), secret: first)
        #expect(throws: CryptoError.unknownKey) {
            try keys.verify(token: withKid, at: Forge.now, audience: "gatehouse")
        }
        let token = try keys.sign(claimsJSON: utf8(Forge.claims()))
        let truncated = try Forge.changing(token, part: 2) { $0.removeLast(16) }
        #expect(throws: CryptoError.signatureLength) {
            try keys.verify(token: truncated, at: Forge.now, audience: "gatehouse")
        }
    }
}

@Suite("Signing")
struct SigningTests {
    @Test("claims from an Encodable value are signed with sorted keys, header extras after alg and kid")
    func encodableClaims() throws {
        struct Access: Encodable {
            let sub: String, exp: Int, aud: String, permissions: [String]
        }
        let keys = try TestKeys().keySet(.es256)
        let token = try keys.sign(
            Access(sub: "u/1", exp: 1_750_000_900, aud: "gatehouse", permissions: ["a:b"]), header: ["typ": "at+jwt"])
        let header = String(decoding: try Base64URL.decode(Forge.parts(token)[0]), as: UTF8.self)
        #expect(header == #"{"alg":"ES256","kid":"\#(keys.activeKeyID!)","typ":"at+jwt"}"#)
        let payload = String(decoding: try Base64URL.decode(Forge.parts(token)[1]), as: UTF8.self)
        #expect(payload == #"{"aud":"gatehouse","exp":1750000900,"permissions":["a:b"],"sub":"u/1"}"#)
        #expect(try keys.verify(token: token, at: Forge.now, audience: "gatehouse").subject == "u/1")
    }

    @Test("claims that are not a JSON object, and reserved header members, are refused")
    func refusals() throws {
        let keys = try TestKeys().keySet(.eddsa)
        #expect(throws: CryptoError.invalidInput) { try keys.sign(claimsJSON: utf8("[]")) }
        #expect(throws: CryptoError.invalidInput) { try keys.sign(claimsJSON: utf8("{")) }
        for name in ["alg", "kid", "crit", "jku", "jwk", "x5u", "x5c", "b64"] {
            #expect(throws: CryptoError.invalidInput) { try keys.sign(claimsJSON: utf8("{}"), header: [name: "x"]) }
        }
    }

    @Test("RSA keys under 2048 bits are refused")
    func weakRSA() throws {
        let small = try EVPKey.generate(.rsa(bits: 1024))
        #expect(throws: CryptoError.weakKey) { try JWSKey(key: small) }
    }
}

@Suite("Sharing a key set")
struct SharingTests {
    @Test("one key set signs and verifies from many tasks at once", arguments: [JWSAlgorithm.eddsa, .es256, .rs256])
    func concurrentUse(algorithm: JWSAlgorithm) async throws {
        let keys = try TestKeys().keySet(algorithm)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    for round in 0..<20 {
                        let token = try keys.sign(
                            claimsJSON: utf8(Forge.claims(extra: #""n":\#(index * 100 + round)"#)))
                        _ = try keys.verify(token: token, at: Forge.now, audience: "gatehouse")
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
