/// One key of a key set: its algorithm, its `kid`, and the prepared OpenSSL context that uses it.
final class JWSKey: Sendable {
    let algorithm: JWSAlgorithm
    /// The RFC 7638 thumbprint for asymmetric keys; nil for HMAC secrets.
    let keyID: String?
    /// The public JWK members, in JWKS order; nil for HMAC secrets, which are never published.
    let publicJWK: JWK?
    private let engine: Engine

    private enum Engine {
        case asymmetric(SignatureContext)
        case hmac(HMACContext)
    }

    /// A key loaded from PEM: its algorithm follows from its type, and `kid` is its thumbprint.
    init(key: EVPKey) throws(CryptoError) {
        if case .rsa(let bits) = key.type, bits < 2048 {
            throw CryptoError.weakKey.with("RSA key of \(bits) bits; RS256 needs 2048 or more")
        }
        algorithm = JWSAlgorithm(for: key.type)
        let jwk = try JWK(publicKeyOf: key)
        publicJWK = jwk
        keyID = jwk.thumbprint
        let scheme: SignatureContext.Scheme =
            switch key.type {
            case .ed25519: .ed25519
            case .p256: .ecdsaSHA256
            case .rsa: .rsaPKCS1SHA256
            }
        engine = .asymmetric(try SignatureContext(key: key, scheme: scheme))
    }

    /// An HS256 secret. RFC 7518 §3.2: "A key of the same size as the hash output (for instance, 256 bits
    /// for HS256) or larger MUST be used".
    init(hmacSecret secret: [UInt8]) throws(CryptoError) {
        guard secret.count >= 32 else {
            throw CryptoError.weakKey.with("HS256 secret of \(secret.count) bytes; at least 32 are needed")
        }
        algorithm = .hs256
        keyID = nil
        publicJWK = nil
        engine = .hmac(try HMACContext(key: SecretBytes(secret), digest: .sha256))
    }

    /// The length a signature of this key must have.
    var signatureLength: Int {
        switch engine {
        case .hmac: 32
        case .asymmetric(let context):
            switch context.key.type {
            case .ed25519, .p256: 64
            case .rsa(let bits): (bits + 7) / 8
            }
        }
    }

    /// Checks `signature` over `message`; each way of failing has its own error.
    func verify(signature: [UInt8], message: ArraySlice<UInt8>) throws(CryptoError) {
        guard signature.count == signatureLength else {
            if algorithm == .es256 && ECDSASignature.looksLikeDER(signature) {
                throw CryptoError.derSignature.with("ES256 signature is DER, JOSE needs raw r||s")
            }
            throw CryptoError.signatureLength.with(
                "\(algorithm.rawValue) signature of \(signature.count) bytes, expected \(signatureLength)")
        }
        let valid: Bool
        switch engine {
        case .hmac(let context):
            valid = constantTimeEqual(try context.mac(message), signature)
        case .asymmetric(let context):
            let presented = algorithm == .es256 ? ECDSASignature.der(fromRaw: signature) : signature
            valid = context.verify(signature: presented, message: message)
        }
        guard valid else { throw CryptoError.badSignature.with("\(algorithm.rawValue) signature does not verify") }
    }

    /// The JWS signature of `message` (raw `r||s` for ES256).
    func sign(message: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
        switch engine {
        case .hmac(let context):
            return try context.mac(message)
        case .asymmetric(let context):
            let signature = try context.sign(message: message)
            guard algorithm == .es256 else { return signature }
            guard let raw = ECDSASignature.raw(fromDER: signature) else {
                throw CryptoError.openssl.with("OpenSSL returned an ECDSA signature that is not DER")
            }
            return raw
        }
    }
}
