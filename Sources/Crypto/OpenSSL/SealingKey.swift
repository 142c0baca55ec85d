/// The key that protects second-factor secrets at rest (`MFA_KEY_FILE`): TOTP secrets are sealed with
/// AES-256-GCM, recovery codes are hashed with HMAC-SHA256, each under its own key derived from the file.
///
/// ```swift
/// let key = try SealingKey(fileBytes: contents)            // 32+ random bytes, made at install
/// let totp = try TOTP(secret: TOTP.generateSecret())
/// let sealed = try key.seal(totp, binding: userId)          // store this
/// let again = try key.openTOTP(sealed, binding: userId)     // a row moved to another user does not open
/// ```
/// A sealed value is `0x01 ‖ nonce (12) ‖ ciphertext ‖ tag (16)`; the nonce is random per value (a TOTP secret
/// is sealed a handful of times per user, far from the 2³² messages per key NIST SP 800-38D §8.3 allows).
public final class SealingKey: Sendable {
    /// The shortest key file accepted.
    public static let minimumFileBytes = 32
    static let version: UInt8 = 1

    private let encryptionKey: SecretBytes
    private let codeKey: HMACContext

    /// Derives the keys from the key file's bytes: HMAC-SHA256 of a fixed label under the file's contents,
    /// one label per use, so the AES key and the recovery-code key are independent.
    /// - Throws: ``CryptoError/weakKey`` for a file shorter than 32 bytes.
    public init(fileBytes: [UInt8]) throws(CryptoError) {
        guard fileBytes.count >= Self.minimumFileBytes else {
            throw CryptoError.weakKey.with("MFA key file shorter than \(Self.minimumFileBytes) bytes")
        }
        let master = try HMACContext(key: SecretBytes(fileBytes), digest: .sha256)
        encryptionKey = SecretBytes(try master.mac(Array("gatehouse mfa aes-256-gcm v1".utf8)))
        codeKey = try HMACContext(
            key: SecretBytes(try master.mac(Array("gatehouse mfa recovery codes v1".utf8))), digest: .sha256)
    }

    /// Seals `totp`'s secret, bound to `binding` (the owning row's key) as additional authenticated data.
    public func seal(_ totp: TOTP, binding: String) throws(CryptoError) -> [UInt8] {
        let nonce = Random.bytes(count: AESGCM.nonceLength)
        let (ciphertext, tag) = try unsafe totp.secretBytes.withUnsafeBytes { plaintext throws(CryptoError) in
            try unsafe AESGCM.seal(key: encryptionKey, nonce: nonce, plaintext: plaintext, aad: Self.aad(binding))
        }
        return [Self.version] + nonce + ciphertext + tag
    }

    /// Opens a value ``seal(_:binding:)`` made for the same `binding` into a TOTP generator.
    /// - Throws: ``CryptoError/badSignature`` when the value was altered, sealed under another key or for
    ///   another binding; ``CryptoError/invalidInput`` when it is not a sealed value at all.
    public func openTOTP(_ sealed: [UInt8], binding: String) throws(CryptoError) -> TOTP {
        let header = 1 + AESGCM.nonceLength
        guard sealed.count >= header + AESGCM.tagLength, sealed[0] == Self.version else {
            throw CryptoError.invalidInput.with("not a sealed value of version \(Self.version)")
        }
        let nonce = Array(sealed[1..<header])
        let secret = try AESGCM.open(
            key: encryptionKey, nonce: nonce, ciphertext: sealed[header..<(sealed.count - AESGCM.tagLength)],
            tag: sealed[(sealed.count - AESGCM.tagLength)...], aad: Self.aad(binding))
        return try TOTP(secret: secret)
    }

    /// The stored form of a recovery code: HMAC-SHA256 of `owner` and the code under the recovery-code key, so a
    /// copy of the database alone cannot be searched for the codes' 50 bits, and one user's hash never matches
    /// another's.
    public func recoveryCodeHash(_ code: String, owner: String) -> [UInt8] {
        do {
            return try codeKey.mac(Array(owner.utf8) + [0] + Array(code.utf8))
        } catch {
            fatalError("HMAC failed: \(error)")  // only when memory runs out or the provider is broken
        }
    }

    static func aad(_ binding: String) -> [UInt8] {
        Array("gatehouse mfa_totp v1\u{0}".utf8) + Array(binding.utf8)
    }
}
