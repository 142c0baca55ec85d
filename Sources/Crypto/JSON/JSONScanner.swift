/// A strict, allocation-light reader for the small JSON objects in a JWS (RFC 8259).
///
/// It walks one top-level object member by member: the caller reads the values it needs
/// (`alg`, `kid`, `exp`, `aud`, …) and skips the rest, which are still checked for syntax and UTF-8.
/// Member names are compared as bytes, never turned into `String`s. Any deviation throws the error the
/// caller chose, so the header can fail as a malformed token and the payload as "not a JSON object".
/// Duplicate member names are refused (RFC 7515 §4 allows either refusing them or taking the last;
/// refusing leaves no room for two readers to disagree).
struct JSONScanner {
    let bytes: [UInt8]
    var index: Int
    let failure: CryptoError
    /// Names seen so far, for refusing duplicates: (FNV-1a hash, key), plus a hash index once there are many.
    var seen: [SeenName] = []
    var seenIndex: [UInt64: [Int]] = [:]
    /// The unescaped bytes of names that had escapes; `JSONKey`s with `isUnescaped` point here.
    var unescapedNames: [UInt8] = []
    private var expectComma = false
    private static let maximumDepth = 32

    /// Starts reading `bytes`, which must hold one object.
    init(_ bytes: [UInt8], failure: CryptoError) throws(CryptoError) {
        self.bytes = bytes
        self.failure = failure
        index = 0
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { throw failure.with("not an object") }
        index += 1
    }

    /// The next member's name, or nil after the closing brace (then only whitespace may follow).
    mutating func nextKey() throws(CryptoError) -> JSONKey? {
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
        let key = try readKey()
        guard insert(key) else { throw failure.with("duplicate member name") }
        skipWhitespace()
        try expect(UInt8(ascii: ":"))
        return key
    }

    /// Reads a string value.
    mutating func readString() throws(CryptoError) -> String {
        String(decoding: try readStringBytes(), as: UTF8.self)
    }

    /// Reads a string value as its UTF-8 bytes: a slice of the scanned text, or of a new array when the
    /// string had escapes. No `String` is made, so claims can be compared without allocating.
    mutating func readStringBytes() throws(CryptoError) -> ArraySlice<UInt8> {
        skipWhitespace()
        let (start, end, hasEscape) = try scanString()
        if !hasEscape { return bytes[start..<end] }
        return ArraySlice(try unescape(bytes[start..<end]))
    }

    /// Reads a number value as a `Double` (NumericDate may have a fraction, RFC 7519 §2).
    mutating func readNumber() throws(CryptoError) -> Double {
        skipWhitespace()
        let start = index
        let isInteger = try skipNumber()
        let digits = bytes[start..<index]
        // Integers of up to 15 digits are exact in a Double; read them without going through text.
        if isInteger && digits.count <= 16 {
            var value = 0
            var negative = false
            for byte in digits {
                if byte == UInt8(ascii: "-") { negative = true } else { value = value * 10 + Int(byte &- 48) }
            }
            return Double(negative ? -value : value)
        }
        guard let value = Double(String(decoding: digits, as: UTF8.self)), value.isFinite else {
            throw failure.with("number out of range")
        }
        return value
    }

    /// Reads a string, or an array of strings (the two forms of `aud`, RFC 7519 §4.1.3), as UTF-8 bytes.
    mutating func readStringOrStrings() throws(CryptoError) -> StringOrStrings {
        skipWhitespace()
        guard peek() == UInt8(ascii: "[") else { return .one(try readStringBytes()) }
        index += 1
        var strings: [ArraySlice<UInt8>] = []
        skipWhitespace()
        if peek() == UInt8(ascii: "]") {
            index += 1
            return .many(strings)
        }
        while true {
            strings.append(try readStringBytes())
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                index += 1
                return .many(strings)
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
        return byte == UInt8(ascii: "-") || isDigit(byte)
    }

    /// Checks the syntax of the next value and moves past it.
    mutating func skipValue() throws(CryptoError) {
        try skipValue(depth: 0)
    }

    // MARK: - Grammar

    mutating func skipValue(depth: Int) throws(CryptoError) {
        guard depth < Self.maximumDepth else { throw failure.with("nested too deeply") }
        skipWhitespace()
        guard let byte = peek() else { throw failure.with("value expected") }
        switch byte {
        case UInt8(ascii: "\""):
            _ = try scanString()
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
                _ = try scanString()
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
        case UInt8(ascii: "t"): try expectLiteral(Self.trueLiteral)
        case UInt8(ascii: "f"): try expectLiteral(Self.falseLiteral)
        case UInt8(ascii: "n"): try expectLiteral(Self.nullLiteral)
        default: _ = try skipNumber()
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; returns true for a plain integer.
    mutating func skipNumber() throws(CryptoError) -> Bool {
        var isInteger = true
        if peek() == UInt8(ascii: "-") { index += 1 }
        guard let first = peek(), isDigit(first) else { throw failure.with("number expected") }
        index += 1
        if first != UInt8(ascii: "0") { skipDigits() }
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard let byte = peek(), isDigit(byte) else { throw failure.with("digit expected") }
            skipDigits()
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard let byte = peek(), isDigit(byte) else { throw failure.with("digit expected") }
            skipDigits()
        }
        return isInteger
    }

    mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    static let trueLiteral = Array("true".utf8)
    static let falseLiteral = Array("false".utf8)
    static let nullLiteral = Array("null".utf8)

    mutating func expectLiteral(_ literal: [UInt8]) throws(CryptoError) {
        let count = literal.count
        guard index + count <= bytes.count, bytes[index..<index + count].elementsEqual(literal) else {
            throw failure.with("bad literal")
        }
        index += count
    }

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func expect(_ byte: UInt8) throws(CryptoError) {
        guard peek() == byte else { throw failure.with("'\(Character(Unicode.Scalar(byte)))' expected") }
        index += 1
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

}
