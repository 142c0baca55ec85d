import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import Crypto

@Suite("Primitives: SHA-256, HMAC, constant-time comparison, CSPRNG")
struct PrimitivesTests {
    @Test("SHA-256 gives the FIPS 180-4 answers for \"abc\" and the empty string")
    func sha256KnownAnswers() {
        #expect(hexString(SHA256.hash("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hexString(SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("HMAC-SHA256 gives the RFC 4231 answers for test cases 1 and 2")
    func hmacKnownAnswers() {
        let case1 = HMAC.sha256(key: [UInt8](repeating: 0x0b, count: 20), data: utf8("Hi There"))
        #expect(hexString(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let case2 = HMAC.sha256(key: utf8("Jefe"), data: utf8("what do ya want for nothing?"))
        #expect(hexString(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("a reused HMAC context gives the same MAC every time, for empty and long messages too")
    func hmacContextReuse() throws {
        let context = try HMACContext(key: SecretBytes(utf8("Jefe")), digest: .sha256)
        let message = utf8("what do ya want for nothing?")
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        #expect(hexString(try context.mac(message)) == expected)
        #expect(try context.mac([]) == HMAC.sha256(key: utf8("Jefe"), data: []))
        let long = [UInt8](repeating: 0x61, count: 10_000)
        #expect(try context.mac(long) == HMAC.sha256(key: utf8("Jefe"), data: long))
        #expect(hexString(try context.mac(message)) == expected)
    }

    @Test("a SHA256Key gives the RFC 4231 answers, message after message")
    func hmacSHA256Key() {
        let jefe = HMAC.SHA256Key(utf8("Jefe"))
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        #expect(hexString(jefe.mac(utf8("what do ya want for nothing?"))) == expected)
        #expect(jefe.mac(utf8("other")) == HMAC.sha256(key: utf8("Jefe"), data: utf8("other")))
        #expect(hexString(jefe.mac(utf8("what do ya want for nothing?"))) == expected)
        let case1 = HMAC.SHA256Key([UInt8](repeating: 0x0b, count: 20)).mac(utf8("Hi There"))
        #expect(hexString(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    @Test("constant-time comparison is equality, including different lengths and empty input")
    func constantTime() {
        #expect(constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(constantTimeEqual([UInt8](), []))
        #expect(constantTimeEqual("secret", "secret"))
        #expect(!constantTimeEqual("secret", "Secret"))
    }

    @Test("the CSPRNG returns the requested count and does not repeat itself")
    func random() {
        #expect(Random.bytes(count: 0).isEmpty)
        #expect(Random.bytes(count: 33).count == 33)
        #expect(Random.bytes(count: 32) != Random.bytes(count: 32))
    }

    @Test("random UUIDs are RFC 9562 version 4, lower case, and Foundation reads them back as the same value")
    func randomUUID() throws {
        let ids = (0..<200).map { _ in Random.uuid() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            let bytes = Array(id.utf8)
            #expect(bytes.count == 36)
            #expect([8, 13, 18, 23].allSatisfy { bytes[$0] == UInt8(ascii: "-") })
            #expect(bytes[14] == UInt8(ascii: "4"))
            #expect("89ab".utf8.contains(bytes[19]))
            #expect(id == id.lowercased())
            let parsed = try #require(UUID(uuidString: id))
            #expect(parsed.uuidString.lowercased() == id)
        }
    }

    @Test("secret buffers compare in constant time and hand out a copy only on request")
    func secretBytes() {
        let a = SecretBytes(utf8("0123456789abcdef"))
        #expect(a.constantTimeEquals(SecretBytes(utf8("0123456789abcdef"))))
        #expect(!a.constantTimeEquals(SecretBytes(utf8("0123456789abcdeF"))))
        #expect(a.withUnsafeBytesCopy { $0 } == utf8("0123456789abcdef"))
        #expect(SecretBytes([]).count == 0)
    }
}
