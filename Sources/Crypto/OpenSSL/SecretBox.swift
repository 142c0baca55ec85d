internal import COpenSSL

/// Seals small secrets for storage with AES-256-GCM under a key kept outside the database (webhook signing
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
    public static let keyByteCount = 32
    private let key: SecretBytes

    /// - Throws: ``CryptoError/weakKey`` unless `key` is 32 bytes.
    public init(key: [UInt8]) throws(CryptoError) {
        guard key.count == Self.keyByteCount else { throw CryptoError.weakKey.with("a sealing key is 32 bytes") }
        self.key = SecretBytes(key)
    }

    /// `secret` encrypted and authenticated, bound to `context`.
    public func seal(_ secret: [UInt8], context: String) throws(CryptoError) -> [UInt8] {
        let nonce = Random.bytes(count: 12)
        let (ciphertext, tag) = try crypt(secret, nonce: nonce, context: context, tag: nil)
        return nonce + ciphertext + tag
    }

    /// The secret inside `sealed`.
    /// - Throws: ``CryptoError/badSignature`` when it was not sealed under this key for `context`, or was altered.
    public func open(_ sealed: [UInt8], context: String) throws(CryptoError) -> [UInt8] {
        guard sealed.count >= 28 else { throw CryptoError.badSignature.with("sealed value too short") }
        let nonce = Array(sealed[0..<12])
        let tag = Array(sealed[(sealed.count - 16)...])
        return try crypt(Array(sealed[12..<(sealed.count - 16)]), nonce: nonce, context: context, tag: tag).output
    }

    /// Encrypts (`tag` nil) or decrypts and checks `tag`.
    private func crypt(_ input: [UInt8], nonce: [UInt8], context: String, tag: [UInt8]?) throws(CryptoError)
        -> (output: [UInt8], tag: [UInt8])
    {
        let encrypting = tag == nil
        let ctx = try unsafe openssl("EVP_CIPHER_CTX_new") { unsafe EVP_CIPHER_CTX_new() }
        defer { unsafe EVP_CIPHER_CTX_free(ctx) }
        let cipher = unsafe EVP_aes_256_gcm()
        try openssl("EVP_CipherInit_ex") { unsafe EVP_CipherInit_ex(ctx, cipher, nil, nil, nil, encrypting ? 1 : 0) }
        try openssl("EVP_CipherInit_ex") {
            unsafe key.withUnsafeBytes { key in
                unsafe nonce.withUnsafeBufferPointer { nonce in
                    unsafe EVP_CipherInit_ex(
                        ctx, nil, nil, key.baseAddress!.assumingMemoryBound(to: UInt8.self), nonce.baseAddress, -1)
                }
            }
        }
        var length: Int32 = 0
        let aad = Array(context.utf8)
        if !aad.isEmpty {
            try openssl("EVP_CipherUpdate") {
                unsafe aad.withUnsafeBufferPointer { unsafe EVP_CipherUpdate(ctx, nil, &length, $0.baseAddress, Int32($0.count)) }
            }
        }
        var output = [UInt8](repeating: 0, count: input.count + 16)
        var written: Int32 = 0
        if !input.isEmpty {
            try openssl("EVP_CipherUpdate") {
                unsafe output.withUnsafeMutableBufferPointer { out in
                    unsafe input.withUnsafeBufferPointer { input in
                        unsafe EVP_CipherUpdate(ctx, out.baseAddress, &written, input.baseAddress, Int32(input.count))
                    }
                }
            }
        }
        if var tag {
            try openssl("EVP_CIPHER_CTX_ctrl") {
                unsafe tag.withUnsafeMutableBytes { unsafe EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16, $0.baseAddress) }
            }
        }
        var final: Int32 = 0
        let rc = unsafe output.withUnsafeMutableBufferPointer { out in
            unsafe EVP_CipherFinal_ex(ctx, out.baseAddress! + Int(written), &final)
        }
        guard rc == 1 else {
            OpenSSLError.clearQueue()
            throw CryptoError.badSignature.with("sealed value does not open")
        }
        output.removeLast(output.count - Int(written + final))
        var outTag = [UInt8](repeating: 0, count: 16)
        if encrypting {
            try openssl("EVP_CIPHER_CTX_ctrl") {
                unsafe outTag.withUnsafeMutableBytes { unsafe EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, $0.baseAddress) }
            }
        }
        return (output, outTag)
    }
}
