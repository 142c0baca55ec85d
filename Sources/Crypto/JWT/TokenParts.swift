/// A JWS in compact serialization (RFC 7515 §7.1), split and decoded, with nothing verified yet.
///
/// Every check that needs no key happens here, in this order: size, shape, canonical base64url,
/// a header that is a JSON object with a string `alg`, `alg` not `none`, and no `crit`.
struct TokenParts {
    /// Tokens longer than this are refused before any decoding.
    static let maximumLength = 8 * 1024

    /// The token's bytes.
    let token: [UInt8]
    /// The header's `alg`, as UTF-8 bytes.
    let algorithmBytes: ArraySlice<UInt8>
    /// The header's `kid` as UTF-8 bytes, if any.
    let keyIDBytes: ArraySlice<UInt8>?
    /// The header's `alg`, as written.
    var algorithm: String { String(decoding: algorithmBytes, as: UTF8.self) }
    /// The header's `kid`, if any.
    var keyID: String? { keyIDBytes.map { String(decoding: $0, as: UTF8.self) } }
    /// The decoded signature.
    let signature: [UInt8]
    /// The decoded payload; not yet known to be JSON.
    let payload: [UInt8]
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`, what the signature covers.
    var signingInput: ArraySlice<UInt8> { token[..<secondDot] }
    private let secondDot: Int

    init(_ token: String) throws(CryptoError) {
        guard token.utf8.count <= Self.maximumLength else {
            throw CryptoError.tokenTooLarge.with("\(token.utf8.count) bytes, more than \(Self.maximumLength)")
        }
        let bytes = Array(token.utf8)
        let text = bytes.span
        // Each part is decoded up to the first byte outside the base64url alphabet, which must be the
        // dot that ends it (or, for the signature, the end of the token).
        let (header, firstDot) = try Self.decodePart(text, from: 0, name: "header")
        guard firstDot < text.count, text[firstDot] == UInt8(ascii: ".") else {
            throw Self.partEnd(text, at: firstDot, name: "header")
        }
        let (payload, secondDot) = try Self.decodePart(text, from: firstDot + 1, name: "payload")
        guard secondDot < text.count, text[secondDot] == UInt8(ascii: ".") else {
            throw Self.partEnd(text, at: secondDot, name: "payload")
        }
        let (signature, end) = try Self.decodePart(text, from: secondDot + 1, name: "signature")
        guard end == text.count else { throw Self.partEnd(text, at: end, name: "signature") }
        self.token = bytes
        self.secondDot = secondDot
        self.payload = payload
        self.signature = signature

        var scanner = try JSONScanner(header, failure: CryptoError.malformedToken.with("header is not a JSON object"))
        var algorithm: ArraySlice<UInt8>? = nil
        var keyID: ArraySlice<UInt8>? = nil
        while let key = try scanner.nextKey() {
            switch scanner.packedName(key) {
            case PackedName.alg:
                guard scanner.nextIsString() else { throw CryptoError.malformedToken.with("alg is not a string") }
                algorithm = try scanner.readStringBytes()
            case PackedName.kid:
                guard scanner.nextIsString() else { throw CryptoError.malformedToken.with("kid is not a string") }
                keyID = try scanner.readStringBytes()
            case PackedName.crit:
                // RFC 7515 §4.1.11: recipients MUST reject extensions they do not understand; we understand none.
                throw CryptoError.criticalHeader.with("crit header present")
            default:
                try scanner.skipValue()
            }
        }
        guard let algorithm else { throw CryptoError.malformedToken.with("header has no alg") }
        // "none" in any case: ASCII letters compare equal once their 0x20 bit is set.
        if algorithm.count == 4, zip(algorithm, "none".utf8).allSatisfy({ $0 | 0x20 == $1 }) {
            throw CryptoError.algorithmNone.with(
                "alg is \(JSONString.quoted(String(decoding: algorithm, as: UTF8.self)))")
        }
        algorithmBytes = algorithm
        keyIDBytes = keyID
    }

    private static func decodePart(_ text: Span<UInt8>, from start: Int, name: String) throws(CryptoError)
        -> (bytes: [UInt8], end: Int)
    {
        guard let decoded = Base64.decodePrefix(text, from: start, alphabet: .url) else {
            throw CryptoError.nonCanonicalBase64URL.with("\(name) is not canonical unpadded base64url")
        }
        return decoded
    }

    /// Why a part stopped where it did: the token ran out or has a fourth part (malformed), or a
    /// character outside base64url (padding, whitespace, anything else) is in the way.
    private static func partEnd(_ text: Span<UInt8>, at index: Int, name: String) -> CryptoError {
        if index == text.count || text[index] == UInt8(ascii: ".") {
            return CryptoError.malformedToken.with("not three dot-separated parts")
        }
        return CryptoError.nonCanonicalBase64URL.with("\(name) holds a character outside unpadded base64url")
    }
}
