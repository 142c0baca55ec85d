/// A strict, allocation-light reader for the small JSON objects in a JWS (RFC 8259).
///
/// It walks one top-level object member by member: the caller reads the values it needs
/// (`alg`, `kid`, `exp`, `aud`, …) and skips the rest, which are still checked for syntax.
/// Any deviation throws the error the caller chose, so the header can fail as a malformed token and
/// the payload as "not a JSON object". Duplicate member names are refused (RFC 7515 §4 allows either
/// refusing them or taking the last; refusing leaves no room for two readers to disagree).
struct JSONScanner {
    private let bytes: [UInt8]
    private var index: Int
    private let failure: CryptoError
    private var seenKeys: Set<String> = []
    private var expectComma = false
    private static let maximumDepth = 32

    /// Starts reading `bytes`, which must be UTF-8 and hold one object.
    init(_ bytes: [UInt8], failure: CryptoError) throws(CryptoError) {
        self.bytes = bytes
        self.failure = failure
        index = 0
        guard UTF8Validation.isValid(bytes) else { throw failure.with("not UTF-8") }
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw failure.with("not an object") }
        index += 1
    }

    /// The next member's name, or nil after the closing brace (then only whitespace may follow).
    mutating func nextKey() throws(CryptoError) -> String? {
        skipWhitespace()
        if peek() == UInt8(ascii: "}") {
            index += 1
            skipWhitespace()
            guard index == bytes.count else { throw failure.with("data after the object") }
            return nil
        }
        if expectComma {
            try expect(UInt8(ascii: ","))
            skipWhitespace()
        }
        expectComma = true
        let key = try readString()
        guard seenKeys.insert(key).inserted else { throw failure.with("duplicate member \"\(key)\"") }
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Reads a string value.
    mutating func readString() throws(CryptoError) -> String {
        skipWhitespace()
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
                index += 1
                guard index < bytes.count else { throw failure.with("unterminated string") }
            }
            index += 1
        }
        let end = index
        index += 1
        if !hasEscape { return String(decoding: bytes[start..<end], as: UTF8.self) }
        return try unescape(bytes[start..<end])
    }

    /// Reads a number value as a `Double` (NumericDate may have a fraction, RFC 7519 §2).
    mutating func readNumber() throws(CryptoError) -> Double {
        skipWhitespace()
        let start = index
        try skipNumber()
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)), value.isFinite else {
            throw failure.with("number out of range")
        }
        return value
    }

    /// Reads a string, or an array of strings (the two forms of `aud`, RFC 7519 §4.1.3).
    mutating func readStringOrStrings() throws(CryptoError) -> [String] {
        skipWhitespace()
        guard peek() == UInt8(ascii: "[") else { return [try readString()] }
        index += 1
        var strings: [String] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return strings
        }
        while true {
            strings.append(try readString())
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return strings
            }
            try expect(UInt8(ascii: ","))
        }
    }

    /// True if the next value is a string, without consuming it.
    mutating func nextIsString() -> Bool {
        skipWhitespace()
        return peek() == UInt8(ascii: "\"")
    }

    /// True if the next value is a number, without consuming it.
    mutating func nextIsNumber() -> Bool {
        skipWhitespace()
        guard let byte = peek() else { return false }
        return byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// Checks the syntax of the next value and moves past it.
    mutating func skipValue() throws(CryptoError) {
        try skipValue(depth: 0)
    }

    // MARK: - Grammar

    private mutating func skipValue(depth: Int) throws(CryptoError) {
        guard depth < Self.maximumDepth else { throw failure.with("nested too deeply") }
        skipWhitespace()
        guard let byte = peek() else { throw failure.with("value expected") }
        switch byte {
        case UInt8(ascii: "\""):
            _ = try readString()
        case UInt8(ascii: "{"):
            index += 1
            var first = true
            while true {
                skipWhitespace()
                if peek() == UInt8(ascii: "}") {
                    index += 1
                    return
                }
                if !first {
                    try expect(UInt8(ascii: ","))
                    skipWhitespace()
                }
                first = false
                _ = try readString()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                try skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "["):
            index += 1
            var first = true
            while true {
                skipWhitespace()
                if peek() == UInt8(ascii: "]") {
                    index += 1
                    return
                }
                if !first { try expect(UInt8(ascii: ",")) }
                first = false
                try skipValue(depth: depth + 1)
            }
        case UInt8(ascii: "t"): try expectLiteral("true")
        case UInt8(ascii: "f"): try expectLiteral("false")
        case UInt8(ascii: "n"): try expectLiteral("null")
        default: try skipNumber()
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func skipNumber() throws(CryptoError) {
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw failure.with("number expected") }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard let byte = peek(), isDigit(byte) else { throw failure.with("digit expected") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let byte = peek(), isDigit(byte) else { throw failure.with("digit expected") }
            skipDigits()
        }
    }

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func expectLiteral(_ literal: String) throws(CryptoError) {
        let count = literal.utf8.count
        guard index + count <= bytes.count, bytes[index..<index + count].elementsEqual(literal.utf8) else {
            throw failure.with("bad literal")
        }
        index += count
    }

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func expect(_ byte: UInt8) throws(CryptoError) {
        guard peek() == byte else { throw failure.with("'\(Character(Unicode.Scalar(byte)))' expected") }
        index += 1
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                || byte == UInt8(ascii: "\t")
        {
            index += 1
        }
    }

    private func unescape(_ raw: ArraySlice<UInt8>) throws(CryptoError) -> String {
        var scalars = String.UnicodeScalarView()
        var utf8: [UInt8] = []
        var i = raw.startIndex
        func flush() {
            scalars.append(contentsOf: String(decoding: utf8, as: UTF8.self).unicodeScalars)
            utf8.removeAll(keepingCapacity: true)
        }
        while i < raw.endIndex {
            let byte = raw[i]
            guard byte == UInt8(ascii: "\\") else {
                utf8.append(byte)
                i += 1
                continue
            }
            flush()
            let escape = raw[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
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
                scalars.append(scalar)
            default:
                throw failure.with("bad escape")
            }
        }
        flush()
        return String(scalars)
    }

    private func hex4(_ raw: ArraySlice<UInt8>, at start: Int) throws(CryptoError) -> UInt32 {
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

/// UTF-8 well-formedness (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    static func isValid(_ bytes: [UInt8]) -> Bool {
        var i = 0
        let n = bytes.count
        while i < n {
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            func continuation(_ k: Int) -> Bool { i + k < n && bytes[i + k] & 0xC0 == 0x80 }
            switch b0 {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard continuation(1), continuation(2) else { return false }
                let b1 = bytes[i + 1]
                if b0 == 0xE0 && b1 < 0xA0 { return false }  // overlong
                if b0 == 0xED && b1 > 0x9F { return false }  // surrogate
                i += 3
            case 0xF0...0xF4:
                guard continuation(1), continuation(2), continuation(3) else { return false }
                let b1 = bytes[i + 1]
                if b0 == 0xF0 && b1 < 0x90 { return false }  // overlong
                if b0 == 0xF4 && b1 > 0x8F { return false }  // above U+10FFFF
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
