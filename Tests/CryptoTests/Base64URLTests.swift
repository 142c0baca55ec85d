import Testing
@testable import Crypto

@Suite("Base64url: RFC 4648 answers and strict decoding")
struct Base64URLTests {
    @Test(
        "encodes and decodes the RFC 4648 section 10 examples without padding",
        arguments: [
            ("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ])
    func rfc4648(plain: String, encoded: String) throws {
        #expect(Base64URL.encode(utf8(plain)) == encoded)
        #expect(try Base64URL.decode(encoded) == utf8(plain))
    }

    @Test("uses - and _ where standard base64 has + and /")
    func urlAlphabet() throws {
        #expect(Base64URL.encode([0xfb, 0xff, 0xbf]) == "-_-_")
        #expect(try Base64URL.decode("-_-_") == [0xfb, 0xff, 0xbf])
    }

    @Test(
        "refuses padding, whitespace, stray characters, impossible lengths and non-zero unused bits",
        arguments: [
            "Zg==", "Zm8=", "Zm9v ", " Zm9v", "Zm\n9v", "Zm9+", "Zm9/", "Zm9v!", "Z", "Zm9vY", "Zh", "Zm9", "Zm-",
        ])
    func strict(encoded: String) {
        #expect(throws: CryptoError.nonCanonicalBase64URL) { try Base64URL.decode(encoded) }
    }

    @Test("round-trips every length up to 64 bytes of random data")
    func roundTrip() throws {
        for count in 0...64 {
            let bytes = Random.bytes(count: count)
            #expect(try Base64URL.decode(Base64URL.encode(bytes)) == bytes)
        }
    }

    @Test("the standard alphabet (PHC strings) decodes + and / and refuses - and _")
    func standardAlphabet() {
        #expect(Base64.decode(ArraySlice(utf8("+/+/")), alphabet: .standard) == [0xfb, 0xff, 0xbf])
        #expect(Base64.decode(ArraySlice(utf8("-_-_")), alphabet: .standard) == nil)
    }
}
