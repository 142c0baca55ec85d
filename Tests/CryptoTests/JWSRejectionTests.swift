import Foundation
import Testing
@testable import Crypto

@Suite("JWS rejections: each bad token fails with its own error")
struct JWSRejectionTests {
    let keys: TestKeys
    init() throws { keys = try TestKeys() }

    func verify(_ token: String, with algorithm: JWSAlgorithm) throws -> VerifiedClaims {
        try keys.keySet(algorithm).verify(
            token: token, at: Forge.now, issuer: "https://auth.example.com", audience: "gatehouse")
    }

    @Test(
        "a well-formed token of each algorithm verifies (the baseline the rejections depart from)",
        arguments: [JWSAlgorithm.eddsa, .es256, .rs256])
    func baseline(algorithm: JWSAlgorithm) throws {
        let token = try keys.keySet(algorithm).sign(claimsJSON: utf8(Forge.claims()))
        let claims = try verify(token, with: algorithm)
        #expect(claims.subject == "user-1")
        #expect(claims.keyID == keys.keyID(algorithm))
        #expect(claims.algorithm == algorithm)
    }

    @Test("alg none is refused, in any spelling, signed or not", arguments: ["none", "None", "NONE"])
    func algorithmNone(alg: String) throws {
        let header = Base64URL.encode(utf8(#"{"alg":"\#(alg)","kid":"\#(keys.keyID(.eddsa))"}"#))
        let payload = Base64URL.encode(utf8(Forge.claims()))
        #expect(throws: CryptoError.algorithmNone) { try verify("\(header).\(payload).", with: .eddsa) }
        #expect(throws: CryptoError.algorithmNone) { try verify("\(header).\(payload).AAAA", with: .eddsa) }
    }

    @Test("an alg other than the key's is refused, even when the signature is the key's own")
    func algorithmMismatch() throws {
        // Signed by the ES256 key, but the header claims RS256 or EdDSA.
        for alg in ["RS256", "EdDSA", "ES384", "HS256", "PS256"] {
            let token = try Forge.token(
                header: keys.header(.es256, alg: alg), payload: Forge.claims(), key: keys.key[.es256]!)
            #expect(throws: CryptoError.algorithmMismatch) { try verify(token, with: .es256) }
        }
        // A key set holding EdDSA and ES256 keys: ES256 named with the EdDSA key's kid.
        let mixed = try SigningKeys(privateKeyPEMs: [keys.pem[.eddsa]!, keys.pem[.es256]!])
        let token = try Forge.token(
            header: keys.header(.eddsa, alg: "ES256"), payload: Forge.claims(), key: keys.key[.es256]!)
        #expect(throws: CryptoError.algorithmMismatch) {
            try mixed.verify(token: token, at: Forge.now, audience: "gatehouse")
        }
    }

    @Test(
        "algorithm confusion: HS256 tokens keyed with the RSA or EC public key's PEM or DER are refused",
        arguments: [JWSAlgorithm.rs256, .es256, .eddsa])
    func algorithmConfusion(algorithm: JWSAlgorithm) throws {
        let publicKey = try EVPKey(privateKeyPEM: keys.pem[algorithm]!)
        for secret in [try publicKey.publicKeyPEM(), try publicKey.publicKeyDER()] {
            for header in [keys.header(algorithm, alg: "HS256"), #"{"alg":"HS256"}"#, #"{"alg":"HS256","typ":"JWT"}"#] {
                let token = Forge.hs256Token(header: header, payload: Forge.claims(), secret: secret)
                #expect(throws: CryptoError.algorithmMismatch) { try verify(token, with: algorithm) }
            }
        }
    }

    @Test("a crit header is refused, whatever it lists")
    func criticalHeader() throws {
        for crit in [#","crit":["exp"]"#, #","crit":[]"#, #","crit":["b64"],"b64":false"#] {
            let token = try Forge.token(
                header: keys.header(.eddsa, extra: crit), payload: Forge.claims(), key: keys.key[.eddsa]!)
            #expect(throws: CryptoError.criticalHeader) { try verify(token, with: .eddsa) }
        }
    }

    @Test("an unknown kid fails without trying another key, and so does a missing one")
    func unknownKey() throws {
        let other = try TestKeys(fresh: true)
        // Signed by another Ed25519 key that names itself.
        let foreign = try Forge.token(header: other.header(.eddsa), payload: Forge.claims(), key: other.key[.eddsa]!)
        #expect(throws: CryptoError.unknownKey) { try verify(foreign, with: .eddsa) }
        // Signed by our own key but naming an unknown kid: still refused, no fallback to the one key we have.
        let renamed = try Forge.token(
            header: #"{"alg":"EdDSA","kid":"no-such-key"}"#, payload: Forge.claims(), key: keys.key[.eddsa]!)
        #expect(throws: CryptoError.unknownKey) { try verify(renamed, with: .eddsa) }
        let anonymous = try Forge.token(header: #"{"alg":"EdDSA"}"#, payload: Forge.claims(), key: keys.key[.eddsa]!)
        #expect(throws: CryptoError.unknownKey) { try verify(anonymous, with: .eddsa) }
    }

    @Test("non-canonical base64url is refused: padding, whitespace, stray characters, unused bits")
    func nonCanonicalBase64URL() throws {
        let token = try keys.keySet(.eddsa).sign(claimsJSON: utf8(Forge.claims()))
        var parts = Forge.parts(token)
        let variants = [
            token + "=", token + "==", parts[0] + "=." + parts[1] + "." + parts[2],
            token + " ", " " + token, parts[0] + ". " + parts[1] + "." + parts[2], token + "\n",
            parts[0] + "." + parts[1] + "+." + parts[2],
            parts[0] + "." + parts[1] + "." + parts[2].replacingOccurrences(of: "-", with: "+"),
            token.replacingOccurrences(of: "_", with: "/"), parts[0] + "." + parts[1] + "." + parts[2] + "!",
        ].filter { $0 != token }
        for variant in variants {
            #expect(throws: CryptoError.nonCanonicalBase64URL) { try verify(variant, with: .eddsa) }
        }
        // A 64-byte signature ends in a character carrying 4 unused bits; setting one is not canonical.
        let last = parts[2].removeLast()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let index = alphabet.firstIndex(of: last)!
        parts[2].append(alphabet[index | 1])
        #expect(throws: CryptoError.nonCanonicalBase64URL) { try verify(parts.joined(separator: "."), with: .eddsa) }
    }

    @Test("a DER-encoded ES256 signature is refused as DER")
    func derSignature() throws {
        let token = try keys.keySet(.es256).sign(claimsJSON: utf8(Forge.claims()))
        let der = try Forge.changing(token, part: 2) { $0 = ECDSASignature.der(fromRaw: $0) }
        #expect(throws: CryptoError.derSignature) { try verify(der, with: .es256) }
    }

    @Test(
        "a signature of the wrong length is refused, truncated or extended",
        arguments: [JWSAlgorithm.eddsa, .es256, .rs256])
    func signatureLength(algorithm: JWSAlgorithm) throws {
        let token = try keys.keySet(algorithm).sign(claimsJSON: utf8(Forge.claims()))
        let truncated = try Forge.changing(token, part: 2) { $0.removeLast() }
        #expect(throws: CryptoError.signatureLength) { try verify(truncated, with: algorithm) }
        let extended = try Forge.changing(token, part: 2) { $0.append(0) }
        #expect(throws: CryptoError.signatureLength) { try verify(extended, with: algorithm) }
        let empty = Forge.parts(token)[0] + "." + Forge.parts(token)[1] + "."
        #expect(throws: CryptoError.signatureLength) { try verify(empty, with: algorithm) }
    }

    @Test(
        "a flipped bit in header, payload or signature breaks the signature",
        arguments: [JWSAlgorithm.eddsa, .es256, .rs256])
    func flippedBits(algorithm: JWSAlgorithm) throws {
        let token = try keys.keySet(algorithm).sign(claimsJSON: utf8(Forge.claims()))
        // "typ":"JWT" → "typ":"JWU": the header still parses and names the same key.
        let header = try Forge.changing(token, part: 0) { bytes in
            let index = bytes.lastIndex(of: UInt8(ascii: "T"))!
            bytes[index] ^= 0x01
        }
        #expect(throws: CryptoError.badSignature) { try verify(header, with: algorithm) }
        // "sub":"user-1" → "sub":"user-0".
        let payload = try Forge.changing(token, part: 1) { bytes in
            let index = bytes.firstIndex(of: UInt8(ascii: "1"))!
            bytes[index] ^= 0x01
        }
        #expect(throws: CryptoError.badSignature) { try verify(payload, with: algorithm) }
        for position in [0, 17, 31, 63] {
            let signature = try Forge.changing(token, part: 2) { $0[position] ^= 0x80 }
            #expect(throws: CryptoError.badSignature) { try verify(signature, with: algorithm) }
        }
    }

    @Test("every single-character change of a token is refused")
    func everyCharacterChange() throws {
        let token = try keys.keySet(.eddsa).sign(claimsJSON: utf8(Forge.claims()))
        let characters = Array(token)
        for index in characters.indices {
            var changed = characters
            changed[index] = changed[index] == "A" ? "B" : "A"
            let result = Result { try verify(String(changed), with: .eddsa) }
            #expect(throws: CryptoError.self, "position \(index)") { try result.get() }
        }
    }

    @Test("tokens over 8 KiB are refused before anything else")
    func tokenTooLarge() throws {
        let filler = String(repeating: "x", count: 7000)
        let token = try keys.keySet(.eddsa).sign(claimsJSON: utf8(Forge.claims(extra: #""pad":"\#(filler)""#)))
        #expect(token.utf8.count > 8192)
        #expect(throws: CryptoError.tokenTooLarge) { try verify(token, with: .eddsa) }
        #expect(throws: CryptoError.tokenTooLarge) { try verify(String(repeating: "A", count: 8193), with: .eddsa) }
        // Just under the limit still verifies.
        let small = try keys.keySet(.eddsa).sign(
            claimsJSON: utf8(Forge.claims(extra: #""pad":"\#(String(repeating: "x", count: 5800))""#)))
        #expect(small.utf8.count <= 8192)
        _ = try verify(small, with: .eddsa)
    }

    @Test(
        "a validly signed payload that is not a JSON object is refused",
        arguments: [
            "[1,2,3]", "\"a string\"", "42", "true", "null", "", "{", "{\"exp\":1}x", "{\"a\":1,}", "{'a':1}",
            "{\"a\":01}",
            "{\"exp\":1750000900,\"exp\":1750000900}", "{\"a\":\"\\x\"}", "{\"a\":\"\u{01}\"}",
        ])
    func payloadNotObject(payload: String) throws {
        let token = try Forge.token(header: keys.header(.eddsa), payload: payload, key: keys.key[.eddsa]!)
        #expect(throws: CryptoError.payloadNotObject) { try verify(token, with: .eddsa) }
    }

    @Test("a payload that is not UTF-8 is refused")
    func payloadNotUTF8() throws {
        let token = try Forge.token(
            header: keys.header(.eddsa), payload: utf8(#"{"a":""#) + [0xC0, 0xAF] + utf8(#""}"#), key: keys.key[.eddsa]!
        )
        #expect(throws: CryptoError.payloadNotObject) { try verify(token, with: .eddsa) }
    }

    @Test(
        "a header that is not a JSON object with a string alg is malformed",
        arguments: [
            "[]", "{}", #"{"alg":1}"#, #"{"alg":"EdDSA","alg":"EdDSA"}"#, #"{"alg":"EdDSA""#, #"{"kid":"x"}"#,
            "not json",
        ])
    func malformedHeader(header: String) throws {
        let token = Base64URL.encode(utf8(header)) + "." + Base64URL.encode(utf8(Forge.claims())) + ".AAAA"
        #expect(throws: CryptoError.malformedToken) { try verify(token, with: .eddsa) }
    }

    @Test(
        "tokens without exactly three parts are malformed",
        arguments: ["", ".", "..", "e30", "e30.e30", "e30.e30.e30.e30", "e30..e30.e30", "..."])
    func malformedShape(token: String) throws {
        #expect(throws: CryptoError.malformedToken) { try verify(token, with: .eddsa) }
    }

    @Test("errors say what failed and never carry the token or a key")
    func errorDescriptions() throws {
        let token = try keys.keySet(.eddsa).sign(claimsJSON: utf8(Forge.claims()))
        let truncated = try Forge.changing(token, part: 2) { $0.removeLast() }
        do {
            _ = try verify(truncated, with: .eddsa)
            Issue.record("verified a truncated token")
        } catch let error as CryptoError {
            #expect(error.description.contains("signatureLength"))
            #expect(!error.description.contains(Forge.parts(token)[1]))
            #expect(error.isTokenRejection)
        }
        #expect(!CryptoError.openssl.isTokenRejection)
    }
}
