import Testing

@testable import Crypto

@Suite("SecretBox (AES-256-GCM)")
struct SecretBoxTests {
    let key = [UInt8](repeating: 7, count: 32)

    @Test("a sealed secret opens under the same key and context only, and any altered byte is refused")
    func sealAndOpen() throws {
        let box = try SecretBox(key: key)
        let secret = Array("a webhook signing secret".utf8)
        let sealed = try box.seal(secret, context: "ctx")
        #expect(sealed.count == 12 + secret.count + 16)
        #expect(try box.open(sealed, context: "ctx") == secret)
        #expect(try box.seal(secret, context: "ctx") != sealed)  // a fresh nonce each time
        #expect(throws: CryptoError.badSignature) { try box.open(sealed, context: "other") }
        #expect(throws: CryptoError.badSignature) {
            try SecretBox(key: [UInt8](repeating: 8, count: 32)).open(sealed, context: "ctx")
        }
        for index in [0, 12, sealed.count - 1] {
            var altered = sealed
            altered[index] ^= 1
            #expect(throws: CryptoError.badSignature) { try box.open(altered, context: "ctx") }
        }
        #expect(throws: CryptoError.badSignature) { try box.open(Array(sealed.prefix(20)), context: "ctx") }
        #expect(throws: CryptoError.weakKey) { try SecretBox(key: [1, 2, 3]) }
    }

    @Test("NIST GCM test case 14: a zero key and nonce over a zero block give the known ciphertext and tag")
    func knownAnswer() throws {
        // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 14 (K = 0^256, IV = 0^96, P = 0^128).
        let box = try SecretBox(key: [UInt8](repeating: 0, count: 32))
        let sealed = [UInt8](repeating: 0, count: 12)
            + hex("cea7403d4d606b6e074ec5d3baf39d18") + hex("d0d1c8a799996bf0265b98b5d48ab919")
        #expect(try box.open(sealed, context: "") == [UInt8](repeating: 0, count: 16))
    }

    private func hex(_ text: String) -> [UInt8] {
        stride(from: 0, to: text.count, by: 2).map {
            UInt8(text[text.index(text.startIndex, offsetBy: $0)...].prefix(2), radix: 16)!
        }
    }
}
