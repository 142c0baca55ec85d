import Testing
import Crypto

@Suite struct APIKeyEncodingTests {
    @Test("CRC-32 gives the standard check value and other known answers")
    func crc32KnownAnswers() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
        #expect(CRC32.checksum(Array("123456780".utf8)) != 0xCBF4_3926)
    }

    @Test("base62 writes fixed-width numbers most significant digit first")
    func base62FixedWidth() {
        #expect(Base62.fixedWidth(0, width: 6) == "000000")
        #expect(Base62.fixedWidth(61, width: 6) == "00000z")
        #expect(Base62.fixedWidth(62, width: 6) == "000010")
        #expect(Base62.fixedWidth(0xFFFF_FFFF, width: 6) == "4gfFC3")
        #expect(Base62.fixedWidth(0xCBF4_3926, width: 6) == "3jZRME")
    }

    @Test("base62 accepts its 62 characters only")
    func base62Alphabet() {
        #expect(Base62.isBase62("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
        for bad in ["-", "_", "+", "/", "=", " ", "é", "a\u{0}"] { #expect(!Base62.isBase62(bad)) }
    }

    @Test("random base62 strings have the length asked for, only alphabet characters, and differ")
    func base62Random() {
        let a = Base62.random(count: 43)
        let b = Base62.random(count: 43)
        #expect(a.utf8.count == 43 && Base62.isBase62(a))
        #expect(a != b)
        // Every character turns up over enough draws (rejection sampling keeps them all reachable).
        #expect(Set(Base62.random(count: 20_000).utf8).count == 62)
    }
}
