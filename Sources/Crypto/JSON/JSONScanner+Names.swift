/// Member names: reading them, comparing them with the names we look for, and refusing duplicates.
extension JSONScanner {
    /// Reads a member name; names with escapes are unescaped into `unescapedNames`.
    mutating func readKey() throws(CryptoError) -> JSONKey {
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

    func equal(_ a: JSONKey, _ b: JSONKey) -> Bool {
        guard a.end - a.start == b.end - b.start else { return false }
        let first = a.isUnescaped ? unescapedNames.span : bytes.span
        let second = b.isUnescaped ? unescapedNames.span : bytes.span
        for offset in 0..<(a.end - a.start) where first[a.start + offset] != second[b.start + offset] { return false }
        return true
    }

    /// FNV-1a over a name's bytes.
    func hash(_ key: JSONKey) -> UInt64 {
        let source = key.isUnescaped ? unescapedNames.span : bytes.span
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for offset in key.start..<key.end { hash = (hash ^ UInt64(source[offset])) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    /// Records `key`; false if the object had it already. A short list is searched in turn; past 16
    /// names a hash index takes over, so an 8 KiB header of tiny members cannot make this quadratic.
    mutating func insert(_ key: JSONKey) -> Bool {
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
}

/// A name already in the object (a struct rather than a tuple, whose array type the runtime would have to
/// look up on every scan).
struct SeenName {
    let hash: UInt64
    let key: JSONKey
}

/// Where a member name's bytes are: in the scanned text, or (when it had escapes) unescaped in the
/// scanner's side buffer. Compare it with ``JSONScanner/packedName(_:)``.
struct JSONKey {
    let start: Int
    let end: Int
    let isUnescaped: Bool
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
