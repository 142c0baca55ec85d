import Foundation
import Testing
@testable import Crypto

/// AES-256-GCM known answers from "The Galois/Counter Mode of Operation (GCM)" (McGrew and Viega, the test cases
/// NIST's GCM specification SP 800-38D refers to), and the sealing of TOTP secrets built on it.
@Suite("AES-256-GCM and sealed TOTP secrets")
struct SealingTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let key, nonce, plaintext, aad, ciphertext, tag: String
        var description: String { name }
    }

    static let cases = [
        Case(
            name: "GCM test case 14 (zero key, one block)",
            key: String(repeating: "0", count: 64), nonce: String(repeating: "0", count: 24),
            plaintext: String(repeating: "0", count: 32), aad: "",
            ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
        Case(
            name: "GCM test case 16 (AAD, partial last block)",
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            nonce: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e24"
                + "49a6b525b16aedf5aa0de657ba637b39",
            aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b10"
                + "56828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
    ]

    @Test("seal gives the published ciphertext and tag", arguments: cases)
    func knownAnswer(c: Case) throws {
        let plaintext = hexBytes(c.plaintext)
        let (ciphertext, tag) = try plaintext.withUnsafeBytes {
            try AESGCM.seal(key: SecretBytes(hexBytes(c.key)), nonce: hexBytes(c.nonce), plaintext: $0, aad: hexBytes(c.aad))
        }
        #expect(hexString(ciphertext) == c.ciphertext)
        #expect(hexString(tag) == c.tag)
    }

    @Test("open gives the published plaintext back and refuses any changed byte", arguments: cases)
    func openKnownAnswer(c: Case) throws {
        let key = SecretBytes(hexBytes(c.key))
        let ciphertext = hexBytes(c.ciphertext)
        let tag = hexBytes(c.tag)
        let opened = try AESGCM.open(
            key: key, nonce: hexBytes(c.nonce), ciphertext: ciphertext[...], tag: tag[...], aad: hexBytes(c.aad))
        #expect(opened.withUnsafeBytesCopy { hexString($0) } == c.plaintext)
        var badTag = tag
        badTag[0] ^= 1
        #expect(throws: CryptoError.badSignature) {
            try AESGCM.open(key: key, nonce: hexBytes(c.nonce), ciphertext: ciphertext[...], tag: badTag[...], aad: hexBytes(c.aad))
        }
        var badCiphertext = ciphertext
        badCiphertext[badCiphertext.count - 1] ^= 0x80
        #expect(throws: CryptoError.badSignature) {
            try AESGCM.open(
                key: key, nonce: hexBytes(c.nonce), ciphertext: badCiphertext[...], tag: tag[...], aad: hexBytes(c.aad))
        }
        #expect(throws: CryptoError.badSignature) {
            try AESGCM.open(
                key: key, nonce: hexBytes(c.nonce), ciphertext: ciphertext[...], tag: tag[...], aad: hexBytes(c.aad) + [0])
        }
    }

    @Test("a sealed TOTP secret opens to the same codes, for its own binding and key only")
    func sealedTOTP() throws {
        let key = try SealingKey(fileBytes: Array(repeating: 7, count: 32))
        let totp = TOTP.generate()
        let sealed = try key.seal(totp, binding: "user-1")
        #expect(sealed.count == 1 + 12 + 20 + 16 && sealed[0] == 1)
        #expect(try key.seal(totp, binding: "user-1") != sealed, "a fresh nonce each time")
        let secret = try #require(Base32.decode(totp.base32Secret))
        #expect(!sealed.windowsContain(secret), "the secret is not in the sealed bytes")
        let opened = try key.openTOTP(sealed, binding: "user-1")
        let date = Date(timeIntervalSince1970: 1_750_000_000)
        #expect(opened.code(at: date) == totp.code(at: date) && opened.base32Secret == totp.base32Secret)
        #expect(throws: CryptoError.badSignature) { try key.openTOTP(sealed, binding: "user-2") }
        let other = try SealingKey(fileBytes: Array(repeating: 8, count: 32))
        #expect(throws: CryptoError.badSignature) { try other.openTOTP(sealed, binding: "user-1") }
        #expect(throws: CryptoError.invalidInput) { try key.openTOTP(Array(sealed.prefix(20)), binding: "user-1") }
        #expect(throws: CryptoError.weakKey) { try SealingKey(fileBytes: Array(repeating: 7, count: 31)) }
    }

    @Test("recovery-code hashes depend on the key, the owner and the code")
    func recoveryCodeHashes() throws {
        let key = try SealingKey(fileBytes: Array(repeating: 7, count: 32))
        let other = try SealingKey(fileBytes: Array(repeating: 8, count: 32))
        let hash = key.recoveryCodeHash("abcde12345", owner: "user-1")
        #expect(hash.count == 32 && hash == key.recoveryCodeHash("abcde12345", owner: "user-1"))
        #expect(hash != key.recoveryCodeHash("abcde12345", owner: "user-2"))
        #expect(hash != key.recoveryCodeHash("abcde12346", owner: "user-1"))
        #expect(hash != other.recoveryCodeHash("abcde12345", owner: "user-1"))
        #expect(hash != SHA256.hash(Array("abcde12345".utf8)))
    }

    @Test("a TOTP code is accepted one step either side and nowhere else, and the matched step is reported")
    func stepWindow() throws {
        let totp = try TOTP(secret: Array("12345678901234567890".utf8))
        let now = Date(timeIntervalSince1970: 59)  // step 1
        #expect(totp.verify(totp.hotp(counter: 1), at: now) == 1)
        #expect(totp.verify(totp.hotp(counter: 0), at: now) == 0)
        #expect(totp.verify(totp.hotp(counter: 2), at: now) == 2)
        let later = Date(timeIntervalSince1970: 30 * 100 + 1)  // step 100
        #expect(totp.verify(totp.hotp(counter: 98), at: later) == nil)
        #expect(totp.verify(totp.hotp(counter: 102), at: later) == nil)
        #expect(totp.verify("12345", at: later) == nil && totp.verify("abcdef", at: later) == nil)
    }
}

extension Array where Element == UInt8 {
    /// Whether `needle` occurs anywhere in these bytes.
    func windowsContain(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
