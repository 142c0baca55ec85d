/// A JWS in compact serialization (RFC 7515 §7.1), split and decoded, with nothing verified yet.
///
/// Every check that needs no key happens here, in this order: size, shape, canonical base64url,
/// a header that is a JSON object with a string `alg`, `alg` not `none`, and no `crit`.
struct TokenParts {
    /// Tokens longer than this are refused before any decoding.
    static let maximumLength = 8 * 1024

    /// The token's bytes.
    let token: [UInt8]
    /// The header's `alg`, as written.
    let algorithm: String
    /// The header's `kid`, if any.
    let keyID: String?
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
        guard let firstDot = bytes.firstIndex(of: UInt8(ascii: ".")),
            let secondDot = bytes[(firstDot + 1)...].firstIndex(of: UInt8(ascii: ".")),
            !bytes[(secondDot + 1)...].contains(UInt8(ascii: "."))
        else { throw CryptoError.malformedToken.with("not three dot-separated parts") }
        self.token = bytes
        self.secondDot = secondDot

        let header = try Self.decodePart(bytes[..<firstDot], name: "header")
        payload = try Self.decodePart(bytes[(firstDot + 1)..<secondDot], name: "payload")
        signature = try Self.decodePart(bytes[(secondDot + 1)...], name: "signature")

        var scanner = try JSONScanner(header, failure: CryptoError.malformedToken.with("header is not a JSON object"))
        var algorithm: String? = nil
        var keyID: String? = nil
        while let key = try scanner.nextKey() {
            if scanner.key(key, is: JSONName.alg) {
                guard scanner.nextIsString() else { throw CryptoError.malformedToken.with("alg is not a string") }
                algorithm = try scanner.readString()
            } else if scanner.key(key, is: JSONName.kid) {
                guard scanner.nextIsString() else { throw CryptoError.malformedToken.with("kid is not a string") }
                keyID = try scanner.readString()
            } else if scanner.key(key, is: JSONName.crit) {
                // RFC 7515 §4.1.11: recipients MUST reject extensions they do not understand; we understand none.
                throw CryptoError.criticalHeader.with("crit header present")
            } else {
                try scanner.skipValue()
            }
        }
        guard let algorithm else { throw CryptoError.malformedToken.with("header has no alg") }
        if algorithm.lowercased() == "none" { throw CryptoError.algorithmNone.with("alg is \"\(algorithm)\"") }
        self.algorithm = algorithm
        self.keyID = keyID
    }

    private static func decodePart(_ part: ArraySlice<UInt8>, name: String) throws(CryptoError) -> [UInt8] {
        guard let bytes = Base64.decode(part, alphabet: .url) else {
            throw CryptoError.nonCanonicalBase64URL.with("\(name) is not canonical unpadded base64url")
        }
        return bytes
    }
}
