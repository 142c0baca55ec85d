/// Seals small secrets for storage with AES-256-GCM (``AESGCM``) under a key kept outside the database (webhook signing
/// secrets, which the delivery process must read back, so they cannot be hashed like API keys): a copy of the
/// database alone does not let anyone forge a webhook.
///
/// A sealed value is a random 12-byte nonce, the ciphertext and the 16-byte tag; the additional data binds it to
/// its use (`context`), so a value sealed for one row cannot be passed off as another's.
///
///     let box = try SecretBox(key: keyFileBytes)
///     let sealed = try box.seal(secret, context: "webhook:\(id)")
///     let secret = try box.open(sealed, context: "webhook:\(id)")
public final class SecretBox: Sendable {
    public static let keyByteCount = AESGCM.keyLength
    private let key: SecretBytes

    /// - Throws: ``CryptoError/weakKey`` unless `key` is 32 bytes.
    public init(key: [UInt8]) throws(CryptoError) {
        guard key.count == Self.keyByteCount else { throw CryptoError.weakKey.with("a sealing key is 32 bytes") }
        self.key = SecretBytes(key)
    }

    /// `secret` encrypted and authenticated, bound to `context`.
    public func seal(_ secret: [UInt8], context: String) throws(CryptoError) -> [UInt8] {
        let nonce = Random.bytes(count: AESGCM.nonceLength)
        let (ciphertext, tag) = try unsafe SecretBytes(secret).withUnsafeBytes { plaintext throws(CryptoError) in
            try unsafe AESGCM.seal(key: key, nonce: nonce, plaintext: plaintext, aad: Array(context.utf8))
        }
        return nonce + ciphertext + tag
    }

    /// The secret inside `sealed`.
    /// - Throws: ``CryptoError/badSignature`` when it was not sealed under this key for `context`, or was altered.
    public func open(_ sealed: [UInt8], context: String) throws(CryptoError) -> [UInt8] {
        let header = AESGCM.nonceLength
        guard sealed.count >= header + AESGCM.tagLength else {
            throw CryptoError.badSignature.with("sealed value too short")
        }
        let secret = try AESGCM.open(
            key: key, nonce: Array(sealed[0..<header]), ciphertext: sealed[header..<(sealed.count - AESGCM.tagLength)],
            tag: sealed[(sealed.count - AESGCM.tagLength)...], aad: Array(context.utf8))
        return secret.withUnsafeBytesCopy { $0 }
    }
}
