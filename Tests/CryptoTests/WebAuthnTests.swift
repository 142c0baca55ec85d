import Foundation
import Testing

@testable import Crypto

/// One fixture of `Fixtures/webauthn`: a registration and an assertion made by the software authenticator of the
/// e2e suite and checked by python-fido2's relying party (`make_fixtures.py`).
struct WebAuthnFixture: Decodable {
    struct Registration: Decodable {
        let challenge, clientDataJSON, attestationObject, authenticatorData, credentialId, publicKey: String
        let signCount: UInt32
    }
    struct Assertion: Decodable {
        let challenge, clientDataJSON, authenticatorData, signature: String
        let signCount: UInt32
    }
    let algorithm: Int
    let format: String
    let rpId: String
    let origin: String
    let registration: Registration
    let assertion: Assertion

    static let names = ["es256-none", "es256-packed", "eddsa-none", "eddsa-packed", "rs256-none", "rs256-packed"]

    static func load(_ name: String) throws -> WebAuthnFixture {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/webauthn"))
        return try JSONDecoder().decode(WebAuthnFixture.self, from: Data(contentsOf: url))
    }

    var party: WebAuthn.RelyingParty { .init(id: rpId, origins: [origin]) }
}

func b64(_ text: String) -> [UInt8] { try! Base64URL.decode(text) }

@Suite("WebAuthn: COSE keys, authenticator data, registrations and assertions from a software authenticator")
struct WebAuthnTests {
    @Test("a fixture's registration verifies and yields its credential id, key and algorithm", arguments: WebAuthnFixture.names)
    func registration(_ name: String) throws {
        let fixture = try WebAuthnFixture.load(name)
        let registration = try WebAuthn.verifyRegistration(
            clientDataJSON: b64(fixture.registration.clientDataJSON),
            attestationObject: b64(fixture.registration.attestationObject),
            challenge: b64(fixture.registration.challenge), relyingParty: fixture.party, requireUserVerification: true)
        #expect(registration.credentialID == b64(fixture.registration.credentialId))
        #expect(registration.publicKey == b64(fixture.registration.publicKey))
        #expect(registration.algorithm == fixture.algorithm)
        #expect(registration.attestationFormat == fixture.format)
        #expect(registration.signCount == 0)
        #expect(registration.userVerified)
    }

    @Test("a fixture's authenticator data parses: rpIdHash, UP and UV, counter, AAGUID, credential, COSE key", arguments: WebAuthnFixture.names)
    func authenticatorData(_ name: String) throws {
        let fixture = try WebAuthnFixture.load(name)
        let data = try AuthenticatorData(b64(fixture.registration.authenticatorData))
        #expect(data.rpIDHash == SHA256.hash(fixture.rpId))
        #expect(data.flags.contains([.userPresent, .userVerified, .attestedCredentialData]))
        #expect(!data.flags.contains(.backupEligible))
        #expect(data.signCount == 0)
        let credential = try #require(data.attestedCredential)
        #expect(credential.aaguid == [UInt8](repeating: 0, count: 16))
        #expect(credential.credentialID == b64(fixture.registration.credentialId))
        #expect(credential.publicKey.algorithm.rawValue == Int64(fixture.algorithm))
        let assertion = try AuthenticatorData(b64(fixture.assertion.authenticatorData))
        #expect(assertion.attestedCredential == nil)
        #expect(assertion.signCount == fixture.assertion.signCount)
    }

    @Test("a fixture's assertion verifies with the registered key; a flipped bit does not", arguments: WebAuthnFixture.names)
    func assertion(_ name: String) throws {
        let fixture = try WebAuthnFixture.load(name)
        func verify(signature: [UInt8], authData: [UInt8]? = nil, challenge: [UInt8]? = nil,
                    party: WebAuthn.RelyingParty? = nil) throws -> WebAuthn.Assertion {
            try WebAuthn.verifyAssertion(
                clientDataJSON: b64(fixture.assertion.clientDataJSON),
                authenticatorData: authData ?? b64(fixture.assertion.authenticatorData), signature: signature,
                publicKey: b64(fixture.registration.publicKey), challenge: challenge ?? b64(fixture.assertion.challenge),
                relyingParty: party ?? fixture.party, requireUserVerification: true)
        }
        let signature = b64(fixture.assertion.signature)
        #expect(try verify(signature: signature).signCount == fixture.assertion.signCount)
        var tampered = signature
        tampered[tampered.count / 2] ^= 0x01
        #expect(throws: CryptoError.badSignature) { try verify(signature: tampered) }
        var counter = b64(fixture.assertion.authenticatorData)
        counter[36] ^= 0x01
        #expect(throws: CryptoError.badSignature) { try verify(signature: signature, authData: counter) }
        #expect(throws: CryptoError.webauthnMismatch) { try verify(signature: signature, challenge: [UInt8](repeating: 9, count: 32)) }
        #expect(throws: CryptoError.webauthnMismatch) {
            try verify(signature: signature, party: .init(id: "evil.example", origins: [fixture.origin]))
        }
        #expect(throws: CryptoError.webauthnMismatch) {
            try verify(signature: signature, party: .init(id: fixture.rpId, origins: ["https://evil.example"]))
        }
        var noUV = b64(fixture.assertion.authenticatorData)
        noUV[32] &= ~0x04
        #expect(throws: CryptoError.userNotVerified) { try verify(signature: signature, authData: noUV) }
        var noUP = b64(fixture.assertion.authenticatorData)
        noUP[32] &= ~0x01
        #expect(throws: CryptoError.userNotPresent) { try verify(signature: signature, authData: noUP) }
    }

    @Test("a registration is refused for another challenge, origin or rp id, or a get ceremony's client data")
    func registrationMismatch() throws {
        let fixture = try WebAuthnFixture.load("es256-packed")
        func register(challenge: [UInt8]? = nil, party: WebAuthn.RelyingParty? = nil, clientData: [UInt8]? = nil) throws {
            _ = try WebAuthn.verifyRegistration(
                clientDataJSON: clientData ?? b64(fixture.registration.clientDataJSON),
                attestationObject: b64(fixture.registration.attestationObject),
                challenge: challenge ?? b64(fixture.registration.challenge), relyingParty: party ?? fixture.party)
        }
        #expect(throws: CryptoError.webauthnMismatch) { try register(challenge: [1, 2, 3]) }
        #expect(throws: CryptoError.webauthnMismatch) { try register(party: .init(id: "example.org", origins: [fixture.origin])) }
        #expect(throws: CryptoError.webauthnMismatch) { try register(party: .init(id: fixture.rpId, origins: ["https://example.org"])) }
        let get = Array(String(decoding: b64(fixture.registration.clientDataJSON), as: UTF8.self)
            .replacingOccurrences(of: "webauthn.create", with: "webauthn.get").utf8)
        #expect(throws: CryptoError.webauthnMismatch) { try register(clientData: get) }
        let cross = Array(String(decoding: b64(fixture.registration.clientDataJSON), as: UTF8.self)
            .replacingOccurrences(of: "\"crossOrigin\":false", with: "\"crossOrigin\":true").utf8)
        #expect(throws: CryptoError.webauthnMismatch) { try register(clientData: cross) }
        // The packed signature covers the client data hash: other client data with the same challenge fails it.
        let extra = Array(String(decoding: b64(fixture.registration.clientDataJSON), as: UTF8.self)
            .replacingOccurrences(of: "}", with: ",\"x\":1}").utf8)
        #expect(throws: CryptoError.badSignature) { try register(clientData: extra) }
    }

    @Test("packed attestation with x5c and unknown formats are refused with their own error")
    func attestationFormats() throws {
        let fixture = try WebAuthnFixture.load("es256-none")
        let authData = b64(fixture.registration.authenticatorData)
        func object(_ fmt: String, _ statement: [UInt8]) -> [UInt8] {
            [0xA3, 0x63] + Array("fmt".utf8) + [0x60 + UInt8(fmt.utf8.count)] + Array(fmt.utf8) + [0x67] + Array("attStmt".utf8)
                + statement + [0x68] + Array("authData".utf8) + [0x58, UInt8(authData.count)] + authData
        }
        func register(_ attestation: [UInt8]) throws {
            _ = try WebAuthn.verifyRegistration(
                clientDataJSON: b64(fixture.registration.clientDataJSON), attestationObject: attestation,
                challenge: b64(fixture.registration.challenge), relyingParty: fixture.party)
        }
        #expect(throws: Never.self) { try register(object("none", [0xA0])) }
        // {"alg": -7, "sig": h'00', "x5c": [h'00']}
        let x5c: [UInt8] = [0xA3, 0x63] + Array("alg".utf8) + [0x26, 0x63] + Array("sig".utf8) + [0x41, 0x00, 0x63]
            + Array("x5c".utf8) + [0x81, 0x41, 0x00]
        #expect(throws: CryptoError.unsupportedAttestation) { try register(object("packed", x5c)) }
        #expect(throws: CryptoError.unsupportedAttestation) { try register(object("tpm", [0xA0])) }
        #expect(throws: CryptoError.malformedWebAuthn) { try register(object("none", [0xA1, 0x01, 0x02])) }
        // packed self-attestation whose alg is not the credential's
        let wrongAlg: [UInt8] = [0xA2, 0x63] + Array("alg".utf8) + [0x27, 0x63] + Array("sig".utf8) + [0x41, 0x00]
        #expect(throws: CryptoError.unsupportedAttestation) { try register(object("packed", wrongAlg)) }
    }

    @Test("authenticator data: short, left-over bytes, BS without BE, credential id over 1023 bytes")
    func authenticatorDataRefusals() throws {
        let fixture = try WebAuthnFixture.load("eddsa-none")
        let data = b64(fixture.registration.authenticatorData)
        #expect(throws: CryptoError.malformedWebAuthn) { try AuthenticatorData(Array(data.prefix(36))) }
        #expect(throws: CryptoError.malformedWebAuthn) { try AuthenticatorData(data + [0]) }
        #expect(throws: CryptoError.malformedCBOR) { try AuthenticatorData(Array(data.dropLast())) }
        var backup = data
        backup[32] |= 0x10
        #expect(throws: CryptoError.malformedWebAuthn) { try AuthenticatorData(backup) }
        var longID = data
        longID[53] = 0x04
        longID[54] = 0x00  // 1024
        #expect(throws: CryptoError.malformedWebAuthn) { try AuthenticatorData(longID) }
        var noAT = Array(data.prefix(37))
        noAT[32] = 0x05
        #expect(try AuthenticatorData(noAT).attestedCredential == nil)
    }

    // MARK: - COSE keys

    /// RFC 8032 §7.1 TEST 1: the public key and the signature of the empty message.
    @Test("an OKP Ed25519 COSE key verifies RFC 8032's first test signature")
    func ed25519Vector() throws {
        let x = hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        let key = try COSEKey(encoded: [0xA4, 0x01, 0x01, 0x03, 0x27, 0x20, 0x06, 0x21, 0x58, 0x20] + x)
        #expect(key.algorithm == .eddsa)
        let signature = hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(try key.verify(signature: signature, message: []))
        #expect(try !key.verify(signature: signature, message: [0]))
    }

    /// RFC 6979 A.2.5: P-256, SHA-256, message "sample".
    static let p256X = hex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6")
    static let p256Y = hex("7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299")

    static func ec2(x: [UInt8], y: [UInt8], alg: UInt8 = 0x26, crv: UInt8 = 0x01) -> [UInt8] {
        [0xA5, 0x01, 0x02, 0x03, alg, 0x20, crv, 0x21, 0x58, 0x20] + x + [0x22, 0x58, 0x20] + y
    }

    @Test("an EC2 P-256 COSE key verifies RFC 6979's deterministic ECDSA signature of \"sample\" in DER form")
    func p256Vector() throws {
        let key = try COSEKey(encoded: Self.ec2(x: Self.p256X, y: Self.p256Y))
        #expect(key.algorithm == .es256)
        let raw = hex(
            "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8")
        let der = ECDSASignature.der(fromRaw: raw)
        #expect(try key.verify(signature: der, message: Array("sample".utf8)))
        #expect(try !key.verify(signature: raw, message: Array("sample".utf8)))
        #expect(try !key.verify(signature: der, message: Array("test".utf8)))
    }

    @Test("a point off the curve, a wrong curve, a mismatched algorithm or a short coordinate is refused")
    func coseRefusals() throws {
        var offCurve = Self.p256Y
        offCurve[31] ^= 0x01
        #expect(throws: CryptoError.openssl) {
            _ = try COSEKey(encoded: Self.ec2(x: Self.p256X, y: offCurve)).verify(signature: [0], message: [])
        }
        #expect(throws: CryptoError.unsupportedKey) { try COSEKey(encoded: Self.ec2(x: Self.p256X, y: Self.p256Y, crv: 0x02)) }
        #expect(throws: CryptoError.malformedWebAuthn) {
            try COSEKey(encoded: Self.ec2(x: Self.p256X, y: Self.p256Y, alg: 0x27))  // EdDSA on an EC2 key
        }
        #expect(throws: CryptoError.unsupportedKey) {
            try COSEKey(encoded: Self.ec2(x: Self.p256X, y: Self.p256Y, alg: 0x22))  // ES384
        }
        #expect(throws: CryptoError.malformedWebAuthn) { try COSEKey(encoded: [0xA1, 0x01, 0x02]) }
        #expect(throws: CryptoError.malformedCBOR) { try COSEKey(encoded: Array(Self.ec2(x: Self.p256X, y: Self.p256Y).dropLast())) }
        // RSA under 2048 bits
        let small: [UInt8] = [0xA4, 0x01, 0x03, 0x03, 0x39, 0x01, 0x00, 0x20, 0x58, 0x80] + [UInt8](repeating: 0xC1, count: 128)
            + [0x21, 0x43, 0x01, 0x00, 0x01]
        #expect(throws: CryptoError.weakKey) { try COSEKey(encoded: small) }
    }

    @Test("an RS256 COSE key from a registration reads as RSA and verifies its own packed self-attestation")
    func rs256Key() throws {
        let fixture = try WebAuthnFixture.load("rs256-packed")
        let key = try COSEKey(encoded: b64(fixture.registration.publicKey))
        guard case .rsa(let n, let e) = key.material else { Issue.record("not RSA"); return }
        #expect(n.count == 256)
        #expect(e == [0x01, 0x00, 0x01])
        #expect(key.algorithm == .rs256)
    }

    @Test("the counter rule: both zero, or strictly greater")
    func counter() {
        #expect(WebAuthn.counterAdvances(stored: 0, received: 0))
        #expect(WebAuthn.counterAdvances(stored: 0, received: 1))
        #expect(WebAuthn.counterAdvances(stored: 5, received: 6))
        #expect(!WebAuthn.counterAdvances(stored: 5, received: 5))
        #expect(!WebAuthn.counterAdvances(stored: 5, received: 4))
        #expect(!WebAuthn.counterAdvances(stored: 5, received: 0))
    }
}
