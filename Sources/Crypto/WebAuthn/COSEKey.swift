/// A credential public key in COSE form (RFC 9052, RFC 9053; WebAuthn §5.8.5), limited to the algorithms
/// Gatehouse accepts: EdDSA (−8, OKP Ed25519), ES256 (−7, EC2 P-256) and RS256 (−257, RSA of 2048 bits or more).
package struct COSEKey: Sendable, Equatable {
    /// A COSE algorithm identifier (IANA "COSE Algorithms").
    package enum Algorithm: Int64, Sendable, CaseIterable {
        case eddsa = -8
        case es256 = -7
        case rs256 = -257
    }

    package enum Material: Sendable, Equatable {
        /// `x`: the 32-byte Ed25519 public key.
        case okp(x: [UInt8])
        /// The affine coordinates of a P-256 point, 32 bytes each.
        case ec2(x: [UInt8], y: [UInt8])
        /// Modulus and exponent, unsigned big-endian.
        case rsa(n: [UInt8], e: [UInt8])
    }

    package let algorithm: Algorithm
    package let material: Material

    // COSE labels (RFC 9052 §7.1, RFC 9053 §7.1–7.2, RFC 8230 §4).
    private static let kty: Int64 = 1, alg: Int64 = 3
    private static let okp: Int64 = 1, ec2: Int64 = 2, rsa: Int64 = 3
    private static let ed25519: Int64 = 6, p256: Int64 = 1

    /// Reads a COSE key from its encoded bytes (one CBOR map, nothing after it).
    package init(encoded: [UInt8]) throws(CryptoError) {
        try self.init(try CBORDecoder.decode(encoded))
    }

    /// Reads a COSE key from a decoded CBOR map.
    package init(_ map: CBOR) throws(CryptoError) {
        guard map.entries != nil else { throw Self.bad("not a map") }
        guard let kty = map[Self.kty]?.integer else { throw Self.bad("no kty (1)") }
        guard let alg = map[Self.alg]?.integer else { throw Self.bad("no alg (3)") }
        guard let algorithm = Algorithm(rawValue: alg) else {
            throw CryptoError.unsupportedKey.with("COSE algorithm \(alg) (accepted: -8 EdDSA, -7 ES256, -257 RS256)")
        }
        self.algorithm = algorithm
        switch (algorithm, kty) {
        case (.eddsa, Self.okp):
            guard map[-1]?.integer == Self.ed25519 else { throw CryptoError.unsupportedKey.with("OKP curve other than Ed25519") }
            guard let x = map[-2]?.byteString, x.count == 32 else { throw Self.bad("Ed25519 x not 32 bytes") }
            material = .okp(x: x)
        case (.es256, Self.ec2):
            guard map[-1]?.integer == Self.p256 else { throw CryptoError.unsupportedKey.with("EC2 curve other than P-256") }
            guard let x = map[-2]?.byteString, x.count == 32, let y = map[-3]?.byteString, y.count == 32 else {
                throw Self.bad("P-256 x and y must be 32-byte strings")
            }
            material = .ec2(x: x, y: y)
        case (.rs256, Self.rsa):
            guard let n = map[-1]?.byteString, let e = map[-2]?.byteString, !n.isEmpty, !e.isEmpty else {
                throw Self.bad("RSA key without n (-1) and e (-2)")
            }
            let bits = (n.count - n.prefix(while: { $0 == 0 }).count) * 8
            guard bits >= 2048, bits <= 8192 else { throw CryptoError.weakKey.with("RSA modulus of about \(bits) bits") }
            material = .rsa(n: n, e: e)
        default:
            throw Self.bad("key type \(kty) does not fit algorithm \(alg)")
        }
    }

    private static func bad(_ message: String) -> CryptoError {
        CryptoError.malformedWebAuthn.with("COSE key: \(message)")
    }

    /// True if `signature` is this key's signature of `message` (WebAuthn: `authData || SHA-256(clientDataJSON)`).
    /// ES256 signatures are DER (`ECDSA-Sig-Value`), as WebAuthn sends them, not JOSE's `r||s`.
    package func verify(signature: [UInt8], message: [UInt8]) throws(CryptoError) -> Bool {
        let key: EVPKey
        let scheme: SignatureContext.Scheme
        switch material {
        case .okp(let x): (key, scheme) = (try EVPKey(ed25519PublicKey: x), .ed25519)
        case .ec2(let x, let y): (key, scheme) = (try EVPKey(p256X: x, y: y), .ecdsaSHA256)
        case .rsa(let n, let e): (key, scheme) = (try EVPKey(rsaModulus: n, exponent: e), .rsaPKCS1SHA256)
        }
        return try SignatureContext(key: key, scheme: scheme).verify(signature: signature, message: message[...])
    }
}
