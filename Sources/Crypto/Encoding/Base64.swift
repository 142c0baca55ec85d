/// Base64 without padding (RFC 4648), in the URL-safe alphabet (JOSE) or the standard one (PHC strings).
///
/// Decoding is strict: no padding, no whitespace, no character outside the alphabet, and no set bits in the
/// unused low bits of the last character, so every byte string has exactly one accepted encoding.
enum Base64 {
    enum Alphabet {
        /// `A–Z a–z 0–9 - _` (RFC 4648 §5).
        case url
        /// `A–Z a–z 0–9 + /` (RFC 4648 §4), as in PHC strings.
        case standard
    }

    private static let urlCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let standardCharacters = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 255 marks a byte outside the alphabet.
    private static func decodingTable(_ characters: [UInt8]) -> [UInt8] {
        var table = [UInt8](repeating: 255, count: 256)
        for (value, character) in characters.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }
    private static let urlTable = decodingTable(urlCharacters)
    private static let standardTable = decodingTable(standardCharacters)

    static func encode(_ bytes: some Collection<UInt8>, alphabet: Alphabet) -> [UInt8] {
        let characters = alphabet == .url ? urlCharacters : standardCharacters
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = b1 == nil ? nil : iterator.next()
            let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(characters[Int(n >> 18 & 63)])
            out.append(characters[Int(n >> 12 & 63)])
            if b1 != nil { out.append(characters[Int(n >> 6 & 63)]) }
            if b2 != nil { out.append(characters[Int(n & 63)]) }
        }
        return out
    }

    /// Decodes `text`, or returns nil if it is not the canonical unpadded encoding of some bytes.
    static func decode(_ text: ArraySlice<UInt8>, alphabet: Alphabet) -> [UInt8]? {
        guard let (bytes, end) = decodePrefix(text.span, from: 0, alphabet: alphabet), end == text.count else {
            return nil
        }
        return bytes
    }

    /// Decodes from `start` up to the first byte outside the alphabet (or the end), and says where it stopped,
    /// so a JWS can be split at its dots and decoded in one pass. Returns nil if the decoded run is not
    /// canonical (an impossible length, or non-zero unused bits in its last character).
    ///
    /// On the path of every token verification, so it reads and writes through spans (bounds-checked,
    /// without the per-element uniqueness checks and reference counting of array subscripts).
    static func decodePrefix(_ text: Span<UInt8>, from start: Int, alphabet: Alphabet) -> (bytes: [UInt8], end: Int)? {
        let table = (alphabet == .url ? urlTable : standardTable).span
        var out = [UInt8](repeating: 0, count: (text.count - start) / 4 * 3 + 2)
        var output = out.mutableSpan
        var i = start, j = 0
        while i &+ 4 <= text.count {
            let a = table[Int(text[i])], b = table[Int(text[i + 1])]
            let c = table[Int(text[i + 2])], d = table[Int(text[i + 3])]
            guard a | b | c | d < 64 else { break }
            let n = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            output[j] = UInt8(truncatingIfNeeded: n >> 16)
            output[j + 1] = UInt8(truncatingIfNeeded: n >> 8)
            output[j + 2] = UInt8(truncatingIfNeeded: n)
            i += 4
            j += 3
        }
        var remainder = 0
        while remainder < 3 && i + remainder < text.count && table[Int(text[i + remainder])] < 64 { remainder += 1 }
        switch remainder {
        case 1:
            return nil
        case 2:
            let a = table[Int(text[i])], b = table[Int(text[i + 1])]
            // One byte uses 8 of the 12 bits; the 4 low bits of the second character must be zero.
            guard b & 0x0F == 0 else { return nil }
            output[j] = a << 2 | b >> 4
            j += 1
        case 3:
            let a = table[Int(text[i])], b = table[Int(text[i + 1])], c = table[Int(text[i + 2])]
            // Two bytes use 16 of the 18 bits; the 2 low bits of the third character must be zero.
            guard c & 0x03 == 0 else { return nil }
            output[j] = a << 2 | b >> 4
            output[j + 1] = (b & 0x0F) << 4 | c >> 2
            j += 2
        default:
            break
        }
        _ = consume output
        out.removeLast(out.count - j)
        return (out, i + remainder)
    }
}

/// Base64url without padding (RFC 4648 §5, RFC 7515 §2), as JOSE uses it.
public enum Base64URL {
    /// The unpadded base64url encoding of `bytes`.
    ///
    /// ```swift
    /// Base64URL.encode(Random.bytes(count: 32))   // 43 characters, e.g. for a refresh token
    /// ```
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        String(decoding: Base64.encode(bytes, alphabet: .url), as: UTF8.self)
    }

    /// Decodes canonical unpadded base64url.
    /// - Throws: ``CryptoError/nonCanonicalBase64URL`` for padding, whitespace, characters outside the
    ///   alphabet, an impossible length, or non-zero unused bits in the last character.
    public static func decode(_ text: String) throws(CryptoError) -> [UInt8] {
        try decode(ArraySlice(text.utf8))
    }

    static func decode(_ text: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
        guard let bytes = Base64.decode(text, alphabet: .url) else { throw .nonCanonicalBase64URL }
        return bytes
    }
}
