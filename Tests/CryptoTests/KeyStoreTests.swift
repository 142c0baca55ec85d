import Foundation
import Testing
@testable import Crypto

@Suite("Key store over KEYS_DIR: generate, rotate, list, retire, JWKS")
struct KeyStoreTests {
    func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    func jwks(_ keys: SigningKeys) throws -> [[String: String]] {
        let object = try JSONSerialization.jsonObject(with: Data(keys.jwksJSON.utf8)) as? [String: Any]
        return try #require(object?["keys"] as? [[String: String]])
    }

    @Test(
        "generate makes one active key: a 0600 PEM named by its thumbprint, and a JWKS entry",
        arguments: [JWSAlgorithm.eddsa, .es256, .rs256])
    func generate(algorithm: JWSAlgorithm) throws {
        try withTemporaryDirectory { root in
            let directory = root + "/keys"
            let store = KeyStore(directory: directory)
            let entry = try store.generate(algorithm: algorithm, at: Forge.now)
            #expect(entry.algorithm == algorithm)
            #expect(try mode(directory + "/\(entry.keyID).pem") == 0o600)
            #expect(try mode(directory) == 0o700)

            let keys = try SigningKeys(keysDirectory: directory)
            #expect(keys.activeKeyID == entry.keyID)
            #expect(keys.algorithms == [algorithm])
            let published = try jwks(keys)
            #expect(published.count == 1)
            #expect(published[0]["kid"] == entry.keyID)
            #expect(published[0]["use"] == "sig")
            #expect(published[0]["alg"] == algorithm.rawValue)
            #expect(published[0]["kty"] == ["EdDSA": "OKP", "ES256": "EC", "RS256": "RSA"][algorithm.rawValue])
            #expect(published[0]["d"] == nil && published[0]["p"] == nil)

            let token = try keys.sign(claimsJSON: utf8(Forge.claims()))
            _ = try keys.verify(token: token, at: Forge.now, audience: "gatehouse")
            #expect(try store.list().map(\.state) == [.active])
        }
    }

    @Test("generate refuses to replace an active key; rotate replaces it and keeps the old one verifying")
    func rotate() throws {
        try withTemporaryDirectory { directory in
            let store = KeyStore(directory: directory)
            let first = try store.generate(at: Forge.now)
            #expect(throws: CryptoError.keyStore) { try store.generate() }
            let oldKeys = try SigningKeys(keysDirectory: directory)
            let oldToken = try oldKeys.sign(claimsJSON: utf8(Forge.claims()))

            let second = try store.rotate(at: Forge.now.addingTimeInterval(60))
            #expect(second.algorithm == .eddsa)
            #expect(second.keyID != first.keyID)
            let third = try store.rotate(algorithm: .es256, at: Forge.now.addingTimeInterval(120))
            #expect(try store.list().map(\.state) == [.passive, .passive, .active])

            let keys = try SigningKeys(keysDirectory: directory)
            #expect(keys.activeKeyID == third.keyID)
            #expect(keys.algorithms == [.es256, .eddsa])
            #expect(try jwks(keys).map { $0["kid"]! } == [third.keyID, second.keyID, first.keyID])
            let claims = try keys.verify(token: oldToken, at: Forge.now, audience: "gatehouse")
            #expect(claims.keyID == first.keyID)
            let newToken = try keys.sign(claimsJSON: utf8(Forge.claims()))
            #expect(try keys.verify(token: newToken, at: Forge.now, audience: "gatehouse").keyID == third.keyID)
        }
    }

    @Test("retire removes a passive key from JWKS and deletes its private key; the active key cannot be retired")
    func retire() throws {
        try withTemporaryDirectory { directory in
            let store = KeyStore(directory: directory)
            let first = try store.generate(at: Forge.now)
            let oldToken = try SigningKeys(keysDirectory: directory).sign(claimsJSON: utf8(Forge.claims()))
            let second = try store.rotate(at: Forge.now)
            #expect(throws: CryptoError.keyStore) { try store.retire(keyID: second.keyID) }
            #expect(throws: CryptoError.keyStore) { try store.retire(keyID: "no-such-key") }
            #expect(throws: CryptoError.keyStore) { try store.retire(keyID: "../keys") }

            let retired = try store.retire(keyID: first.keyID, at: Forge.now)
            #expect(retired.retiredAt == Forge.now)
            #expect(!FileManager.default.fileExists(atPath: directory + "/\(first.keyID).pem"))
            #expect(try store.retire(keyID: first.keyID).retiredAt == Forge.now)  // again: no change
            #expect(try store.list().map(\.state) == [.retired, .active])

            let keys = try SigningKeys(keysDirectory: directory)
            #expect(try jwks(keys).map { $0["kid"]! } == [second.keyID])
            #expect(throws: CryptoError.unknownKey) {
                try keys.verify(token: oldToken, at: Forge.now, audience: "gatehouse")
            }
        }
    }

    @Test(
        "a private key that group or others may read or write is refused at load",
        arguments: [0o640, 0o604, 0o660, 0o644, 0o620, 0o602])
    func insecureKeyFile(permissions: Int) throws {
        try withTemporaryDirectory { directory in
            let entry = try KeyStore(directory: directory).generate()
            let path = directory + "/\(entry.keyID).pem"
            try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: path)
            #expect(throws: CryptoError.insecureKeyFile) { try SigningKeys(keysDirectory: directory) }
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
            _ = try SigningKeys(keysDirectory: directory)
        }
    }

    @Test("an empty or missing directory has no signing key; a missing key file or a swapped key is an error")
    func brokenStores() throws {
        try withTemporaryDirectory { directory in
            #expect(throws: CryptoError.noSigningKey) { try SigningKeys(keysDirectory: directory + "/none") }
            #expect(throws: CryptoError.noSigningKey) { try SigningKeys(keysDirectory: directory) }
            #expect(try KeyStore(directory: directory).list().isEmpty)

            let store = KeyStore(directory: directory)
            let first = try store.generate()
            let second = try store.rotate()
            // Put the second key's PEM where the first one's should be.
            let firstPath = directory + "/\(first.keyID).pem", secondPath = directory + "/\(second.keyID).pem"
            try FileManager.default.removeItem(atPath: firstPath)
            #expect(throws: CryptoError.keyFile) { try SigningKeys(keysDirectory: directory) }
            try FileManager.default.copyItem(atPath: secondPath, toPath: firstPath)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: firstPath)
            #expect(throws: CryptoError.keyStore) { try SigningKeys(keysDirectory: directory) }

            try Data("not json".utf8).write(to: URL(fileURLWithPath: directory + "/keys.json"))
            #expect(throws: CryptoError.keyStore) { try SigningKeys(keysDirectory: directory) }
        }
    }

    @Test("the state file records kid, alg, created_at and retired_at as RFC 3339")
    func stateFile() throws {
        try withTemporaryDirectory { directory in
            let store = KeyStore(directory: directory)
            let first = try store.generate(algorithm: .rs256, at: Date(timeIntervalSince1970: 1_750_000_000))
            _ = try store.rotate(at: Date(timeIntervalSince1970: 1_750_000_060))
            try store.retire(keyID: first.keyID, at: Date(timeIntervalSince1970: 1_750_000_120))
            let text = try String(contentsOfFile: directory + "/keys.json", encoding: .utf8)
            #expect(text.contains(#""created_at" : "2025-06-15T15:06:40Z""#))
            #expect(text.contains(#""retired_at" : "2025-06-15T15:08:40Z""#))
            #expect(text.contains(#""alg" : "RS256""#))
            #expect(text.contains(#""active" : ""#))
        }
    }

    @Test("HS256 has no key files")
    func noHS256Files() throws {
        try withTemporaryDirectory { directory in
            #expect(throws: CryptoError.invalidInput) { try KeyStore(directory: directory).generate(algorithm: .hs256) }
        }
    }
}

@Suite("Key files")
struct KeyFileTests {
    /// An Ed25519 key encrypted with the passphrase "secret".
    @Test("an encrypted private key fails to load instead of prompting for a passphrase")
    func encryptedKey() throws {
        let pem = """
            -----BEGIN ENCRYPTED PRIVATE KEY-----
            MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAg4IWvkW1TBmgICCAAw
            DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEN/cwyr48vohh/Quy+GAZ+YEQGxB
            mOX/3ES7vDKWZkabGNOvXVaj/nRAFjWM8M21pbg4itQtL0golZPzAWbwpB9RADYj
            InsGnUPKL5LyMjAnqMc=
            -----END ENCRYPTED PRIVATE KEY-----
            """
        #expect(throws: CryptoError.openssl) { try EVPKey(privateKeyPEM: utf8(pem)) }
    }

    @Test("garbage PEM fails with OpenSSL's own messages")
    func garbage() throws {
        do {
            _ = try EVPKey(privateKeyPEM: utf8("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
            Issue.record("loaded garbage")
        } catch {
            #expect(error == .openssl)
            #expect(error.description.contains("PEM_read_bio_PrivateKey"))
            #expect(error.description.contains("error:"))
        }
    }
}
