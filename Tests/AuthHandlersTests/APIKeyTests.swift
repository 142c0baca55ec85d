import Foundation
import Testing

import AuthHandlers
import Crypto
import FCGIHost
import Store

@Suite struct APIKeyTests {
    static let known = "gh_kkkkkkkkkkkk_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS_2sfSzG"

    @Test("a key parses into its kid and secret when its form and checksum are right")
    func parsesKnownKey() throws {
        let key = try #require(APIKey(parsing: Self.known))
        #expect(key.kid == "kkkkkkkkkkkk")
        #expect(key.secret == String(repeating: "S", count: 43))
        #expect(key.text == Self.known)
    }

    @Test("generated keys have the documented shape and parse back")
    func generated() throws {
        let (text, key) = APIKey.generate()
        #expect(text.utf8.count == 3 + 12 + 1 + 43 + 1 + 6)
        #expect(text.hasPrefix("gh_"))
        #expect(try #require(APIKey(parsing: text)) == key)
        #expect(APIKey.generate().text != text)
    }

    @Test(
        "malformed keys and wrong checksums are refused",
        arguments: [
            "", "gh_", "gh_kkkkkkkkkkkk_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS_2sfSzH",  // checksum off by one
            "gh_kkkkkkkkkkkk_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSST_2sfSzG",  // secret changed
            "gh_kkkkkkkkkkkK_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS_2sfSzG",  // kid changed
            "GH_kkkkkkkkkkkk_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS_2sfSzG",  // prefix
            "gh_kkkkkkkkkkkk-SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS_2sfSzG",  // separator
            "gh_kkkkkkkkkkkk_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS_2sfSzG ",  // trailing space
            "gh_kkkkkkkkkkk_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS_2sfSzG",  // kid short, secret long
            "gh_kkkkkkkkkkkk_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSS+_2sfSzG",  // not base62
            "gh_kkkkkkkkkkkk_SSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSSé_2sfSzG",  // multibyte
        ])
    func refuses(text: String) {
        #expect(APIKey(parsing: text) == nil)
    }

    @Test("the stored hash is HMAC-SHA256 of the secret under the pepper")
    func hashUnderPepper() throws {
        let key = try #require(APIKey(parsing: Self.known))
        let pepper = [UInt8](repeating: 9, count: 32)
        let hash = key.secretHash(pepper: pepper)
        // Python: hmac.new(bytes([9] * 32), b"S" * 43, hashlib.sha256)
        #expect(hash == HMAC.sha256(key: pepper, data: Array(String(repeating: "S", count: 43).utf8)))
        #expect(hash != key.secretHash(pepper: [UInt8](repeating: 8, count: 32)))
        let hex = hash.map { String(format: "%02x", $0) }.joined()
        #expect(hex.count == 64)
    }

    @Test("HMAC-SHA256 under a pepper matches a known answer")
    func hmacKnownAnswer() {
        let hash = HMAC.sha256(key: [UInt8](repeating: 9, count: 32), data: Array(String(repeating: "A", count: 43).utf8))
        #expect(
            hash.map { String(format: "%02x", $0) }.joined()
                == "8b1a4a6c5905c4db2e7938b8f19ebf66382adf0cad0620642e834bd5f495221c")
    }
}
