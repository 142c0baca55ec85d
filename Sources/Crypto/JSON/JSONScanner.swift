/// A strict, allocation-light reader for the small JSON objects in a JWS (RFC 8259).
///
/// It walks one top-level object member by member: the caller reads the values it needs
/// (`alg`, `kid`, `exp`, `aud`, …) and skips the rest, which are still checked for syntax and UTF-8.
/// Member names are compared as bytes, never turned into `String`s. Any deviation throws the error the
/// caller chose, so the header can fail as a malformed token and the payload as "not a JSON object".
/// Duplicate member names are refused (RFC 7515 §4 allows either refusing them or taking the last;
/// refusing leaves no room for two readers to disagree).
struct JSONScanner {
    private let bytes: [UInt8]
    private var index: Int
    private let failure: CryptoError
    /// Names seen so far, for refusing duplicates: (FNV-1a hash, key), plus a hash index once there are many.
    private var seen: [SeenName] = []
    private var seenIndex: [UInt64: [Int]] = [:]
    /// The unescaped bytes of names that had escapes; `JSONKey`s with `isUnescaped` point here.
    private var unescapedNames: [UInt8] = []
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

    private mutating func readKey() throws(CryptoError) -> JSONKey {
        let (start, end, hasEscape) = try scanString()
        if !hasEscape { return JSONKey(start: start, end: end, isUnescaped: false) }
        let unescaped = try unescape(bytes[start..<end])
        let key = JSONKey(start: unescapedNames.count, end: unescapedNames.count + unescaped.count, isUnescaped: true)
        unescapedNames.append(contentsOf: unescaped)
        return key
    }

    /// The name of `key` packed into an integer (see ``PackedName``), or nil for names over 7 bytes, so
    /// callers can `switch` over the registered names they read.
    func packedName(_ key: JSONKey) -> UInt64? {
        let count = key.end - key.start
        guard count <= 7 else { return nil }
        let source = key.isUnescaped ? unescapedNames.span : bytes.span
        var value: UInt64 = 0
        for offset in key.start..<key.end { value = value << 8 | UInt64(source[offset]) }
        return value | UInt64(count) << 56
    }

    private func equal(_ a: JSONKey, _ b: JSONKey) -> Bool {
        guard a.end - a.start == b.end - b.start else { return false }
        let first = a.isUnescaped ? unescapedNames.span : bytes.span
        let second = b.isUnescaped ? unescapedNames.span : bytes.span
        for offset in 0..<(a.end - a.start) where first[a.start + offset] != second[b.start + offset] { return false }
        return true
    }

    /// FNV-1a over a name's bytes.
    private func hash(_ key: JSONKey) -> UInt64 {
        let source = key.isUnescaped ? unescapedNames.span : bytes.span
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for offset in key.start..<key.end { hash = (hash ^ UInt64(source[offset])) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// Records `key`; false if the object had it already. A short list is searched in turn; past 16
    /// names a hash index takes over, so an 8 KiB header of tiny members cannot make this quadratic.
    private mutating func insert(_ key: JSONKey) -> Bool {
        let hash = hash(key)
        if seen.count < 16 {
            if seen.isEmpty { seen.reserveCapacity(16) }
            for position in seen.indices where seen[position].hash == hash && equal(seen[position].key, key) {
                return false
            }
        } else {
            if seenIndex.isEmpty {
                for (position, entry) in seen.enumerated() { seenIndex[entry.hash, default: []].append(position) }
            }
            for position in seenIndex[hash] ?? [] where equal(seen[position].key, key) { return false }
            seenIndex[hash, default: []].append(seen.count)
        }
        seen.append(SeenName(hash: hash, key: key))
        return true
    }

    private mutating func skipValue(depth: Int) throws(CryptoError) {
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

    /// Moves past a string, checking escapes' shape, control characters and UTF-8.
    /// - Returns: the range between the quotes and whether it holds escapes.
    private mutating func scanString() throws(CryptoError) -> (start: Int, end: Int, hasEscape: Bool) {
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
    private func escapeLength(at i: Int) throws(CryptoError) -> Int {
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
    private func utf8SequenceLength(at i: Int) throws(CryptoError) -> Int {
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

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`; returns true for a plain integer.
    private mutating func skipNumber() throws(CryptoError) -> Bool {
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

    private mutating func skipDigits() {
        while let byte = peek(), isDigit(byte) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static let trueLiteral = Array("true".utf8)
    private static let falseLiteral = Array("false".utf8)
    private static let nullLiteral = Array("null".utf8)

    private mutating func expectLiteral(_ literal: [UInt8]) throws(CryptoError) {
        let count = literal.count
        guard index + count <= bytes.count, bytes[index..<index + count].elementsEqual(literal) else {
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
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    /// The UTF-8 bytes a string with escapes stands for.
    private func unescape(_ raw: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
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

/// A name already in the object (a struct rather than a tuple, whose array type the runtime would have to
/// look up on every scan).
private struct SeenName {
    let hash: UInt64
    let key: JSONKey
}

/// Where a member name's bytes are: in the scanned text, or (when it had escapes) unescaped in the
/// scanner's side buffer. Compare it with ``JSONScanner/key(_:is:)``.
struct JSONKey {
    let start: Int
    let end: Int
    let isUnescaped: Bool
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

/// Short ASCII names packed into one integer: the length in the top byte, then the bytes big-endian, so a
/// member name or an `alg` value compares as a single integer.
enum PackedName {
    static func pack(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        guard bytes.count <= 7 else { return nil }
        var value: UInt64 = 0
        for byte in bytes { value = value << 8 | UInt64(byte) }
        return value | UInt64(bytes.count) << 56
    }

    static let alg: UInt64 = 3 << 56 | 0x61_6C_67
    static let kid: UInt64 = 3 << 56 | 0x6B_69_64
    static let crit: UInt64 = 4 << 56 | 0x63_72_69_74
    static let iss: UInt64 = 3 << 56 | 0x69_73_73
    static let sub: UInt64 = 3 << 56 | 0x73_75_62
    static let aud: UInt64 = 3 << 56 | 0x61_75_64
    static let exp: UInt64 = 3 << 56 | 0x65_78_70
    static let nbf: UInt64 = 3 << 56 | 0x6E_62_66
    static let iat: UInt64 = 3 << 56 | 0x69_61_74
    static let jti: UInt64 = 3 << 56 | 0x6A_74_69
    static let eddsa: UInt64 = 5 << 56 | 0x45_64_44_53_41
    static let es256: UInt64 = 5 << 56 | 0x45_53_32_35_36
    static let rs256: UInt64 = 5 << 56 | 0x52_53_32_35_36
    static let hs256: UInt64 = 5 << 56 | 0x48_53_32_35_36
}

/// True if `bytes` are the UTF-8 bytes of `string`, compared through spans (no generic UTF8View walk).
func bytesEqual(_ bytes: ArraySlice<UInt8>, _ string: String) -> Bool {
    let a = bytes.span, b = string.utf8.span
    guard a.count == b.count else { return false }
    for index in 0..<a.count where a[index] != b[index] { return false }
    return true
}
