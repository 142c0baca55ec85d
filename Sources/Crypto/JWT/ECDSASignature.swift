/// Converts ECDSA P-256 signatures between OpenSSL's DER `ECDSA-Sig-Value` and JOSE's raw `r||s`
/// (RFC 7518 §3.4: "the JWS Signature value MUST be a 64-octet sequence").
enum ECDSASignature {
    static let rawLength = 64

    /// DER `SEQUENCE { INTEGER r, INTEGER s }` for a 64-byte `r||s`.
    static func der(fromRaw raw: [UInt8]) -> [UInt8] {
        precondition(raw.count == rawLength)
        let r = integer(raw[0..<32]), s = integer(raw[32..<64])
        return [0x30, UInt8(r.count + s.count)] + r + s
    }

    /// The 64-byte `r||s` of a DER signature, or nil if it is not one for P-256.
    static func raw(fromDER der: [UInt8]) -> [UInt8]? {
        guard der.count >= 8, der[0] == 0x30, Int(der[1]) == der.count - 2 else { return nil }
        var index = 2
        guard let r = readInteger(der, &index), let s = readInteger(der, &index), index == der.count else { return nil }
        return r + s
    }

    /// A DER INTEGER for an unsigned big-endian number: leading zeros dropped, one 0x00 added if the
    /// top bit is set (DER integers are signed).
    private static func integer(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var value = Array(bytes.drop(while: { $0 == 0 }))
        if value.isEmpty { value = [0] }
        if value[0] & 0x80 != 0 { value.insert(0, at: 0) }
        return [0x02, UInt8(value.count)] + value
    }

    private static func readInteger(_ der: [UInt8], _ index: inout Int) -> [UInt8]? {
        guard index + 2 <= der.count, der[index] == 0x02 else { return nil }
        let length = Int(der[index + 1])
        let start = index + 2
        guard length >= 1, length <= 33, start + length <= der.count else { return nil }
        var value = der[start..<start + length]
        index = start + length
        if value.count == 33 {
            guard value.first == 0 else { return nil }
            value = value.dropFirst()
        }
        return [UInt8](repeating: 0, count: 32 - value.count) + value
    }

    /// True if `bytes` is shaped like a DER ECDSA signature (a SEQUENCE of the right length holding two
    /// INTEGERs), so a JWS carrying one can be refused with its own error.
    static func looksLikeDER(_ bytes: [UInt8]) -> Bool {
        raw(fromDER: bytes) != nil
    }
}
