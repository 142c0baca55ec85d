/// Strings: their grammar, escapes and UTF-8 (RFC 8259 §7, RFC 3629).
extension JSONScanner {
    /// Moves past a string, checking escapes' shape, control characters and UTF-8.
    /// - Returns: the range between the quotes and whether it holds escapes.
    mutating func scanString() throws(CryptoError) -> (start: Int, end: Int, hasEscape: Bool) {
        try expect(UInt8(ascii: "\""))
        let start = index
        var hasEscape = false
        while true {
            guard index < bytes.count else { throw failure.with("unterminated string") }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") { break }
            if byte < 0x20 { throw failure.with("control character in string") }
            if byte == UInt8(ascii: "\\") {
                hasEscape = true
                index += try escapeLength(at: index)
                continue
            }
            if byte >= 0x80 {
                index += try utf8SequenceLength(at: index)
                continue
            }
            index += 1
        }
        let end = index
        index += 1
        return (start, end, hasEscape)
    }

    /// The length of the escape at `i` (a backslash): 2, or 6 for `\uXXXX`, or 12 for a surrogate pair.
    func escapeLength(at i: Int) throws(CryptoError) -> Int {
        guard i + 1 < bytes.count else { throw failure.with("unterminated string") }
        switch bytes[i + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            return 2
        case UInt8(ascii: "u"):
            let code = try hex4(bytes[...], at: i + 2)
            if (0xDC00...0xDFFF).contains(code) { throw failure.with("lone surrogate") }
            guard (0xD800...0xDBFF).contains(code) else { return 6 }
            guard i + 12 <= bytes.count, bytes[i + 6] == UInt8(ascii: "\\"), bytes[i + 7] == UInt8(ascii: "u"),
                (0xDC00...0xDFFF).contains(try hex4(bytes[...], at: i + 8))
            else { throw failure.with("lone surrogate") }
            return 12
        default:
            throw failure.with("bad escape")
        }
    }

    /// The length of the well-formed UTF-8 sequence at `i` (RFC 3629: no overlong forms, no surrogates,
    /// nothing above U+10FFFF).
    func utf8SequenceLength(at i: Int) throws(CryptoError) -> Int {
        let b0 = bytes[i]
        func continuation(_ k: Int) -> Bool { i + k < bytes.count && bytes[i + k] & 0xC0 == 0x80 }
        switch b0 {
        case 0xC2...0xDF where continuation(1):
            return 2
        case 0xE0...0xEF where continuation(1) && continuation(2):
            let b1 = bytes[i + 1]
            if (b0 == 0xE0 && b1 < 0xA0) || (b0 == 0xED && b1 > 0x9F) { break }
            return 3
        case 0xF0...0xF4 where continuation(1) && continuation(2) && continuation(3):
            let b1 = bytes[i + 1]
            if (b0 == 0xF0 && b1 < 0x90) || (b0 == 0xF4 && b1 > 0x8F) { break }
            return 4
        default:
            break
        }
        throw failure.with("not UTF-8")
    }

    /// The UTF-8 bytes a string with escapes stands for.
    func unescape(_ raw: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                i += 1
                continue
            }
            guard i + 1 < raw.endIndex else { throw failure.with("bad escape") }
            let escape = raw[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4(raw, at: i)
                i += 4
                if (0xD800...0xDBFF).contains(code) {
                    guard i + 6 <= raw.endIndex, raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") else {
                        throw failure.with("lone surrogate")
                    }
                    let low = try hex4(raw, at: i + 2)
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure.with("lone surrogate") }
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let scalar = Unicode.Scalar(code) else { throw failure.with("lone surrogate") }
                out.append(contentsOf: String(Character(scalar)).utf8)
            default:
                throw failure.with("bad escape")
            }
        }
        return out
    }

    func hex4(_ raw: ArraySlice<UInt8>, at start: Int) throws(CryptoError) -> UInt32 {
        guard start + 4 <= raw.endIndex else { throw failure.with("bad \\u escape") }
        var value: UInt32 = 0
        for byte in raw[start..<start + 4] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure.with("bad \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

/// A string, or an array of strings, as UTF-8 bytes (`aud`).
enum StringOrStrings: Sendable {
    case one(ArraySlice<UInt8>)
    case many([ArraySlice<UInt8>])

    /// True if one of the strings is `string`.
    func contains(_ string: String) -> Bool {
        switch self {
        case .one(let bytes): bytesEqual(bytes, string)
        case .many(let list): list.contains { bytesEqual($0, string) }
        }
    }

    var strings: [String] {
        switch self {
        case .one(let bytes): [String(decoding: bytes, as: UTF8.self)]
        case .many(let list): list.map { String(decoding: $0, as: UTF8.self) }
        }
    }
}

/// True if `bytes` are the UTF-8 bytes of `string`, compared through spans (no generic UTF8View walk).
func bytesEqual(_ bytes: ArraySlice<UInt8>, _ string: String) -> Bool {
    let a = bytes.span, b = string.utf8.span
    guard a.count == b.count else { return false }
    for index in 0..<a.count where a[index] != b[index] { return false }
    return true
}
