/// Base62 (`0-9A-Za-z`): the alphabet of API keys, safe in headers, URLs and shell words without quoting.
///
///     Base62.fixedWidth(0xCBF4_3926, width: 6) == "3jZRME"   // a CRC-32 as six characters
public enum Base62 {
    /// The 62 characters, in value order.
    public static let alphabet: [UInt8] = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    /// Whether every byte of `text` is one of the 62 characters.
    public static func isBase62<Text: StringProtocol>(_ text: Text) -> Bool {
        text.utf8.allSatisfy(isDigit)
    }

    /// Whether every byte is a base62 digit (bytes already in memory; not generic, so not slow across modules).
    public static func isBase62(bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy(isDigit)
    }

    /// `value` in base62, most significant digit first, left-padded with `0` to `width` characters (a value
    /// needing more digits keeps only the low `width` of them).
    public static func fixedWidth(_ value: UInt64, width: Int) -> String {
        var digits = [UInt8](repeating: alphabet[0], count: width)
        var rest = value
        for index in stride(from: width - 1, through: 0, by: -1) {
            digits[index] = alphabet[Int(rest % 62)]
            rest /= 62
        }
        return String(decoding: digits, as: UTF8.self)
    }

    /// `count` characters chosen uniformly from the alphabet with the CSPRNG (rejection sampling: bytes of 248 and
    /// above are drawn again, so no character is likelier than another). Each carries log2(62) ≈ 5.95 bits.
    public static func random(count: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            for byte in Random.bytes(count: count) where byte < 248 && out.count < count {
                out.append(alphabet[Int(byte % 62)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
