internal import COpenSSL

/// AES-256-GCM (NIST SP 800-38D) through OpenSSL's EVP cipher interface: 96-bit nonces, 128-bit tags.
///
/// The one-shot functions here are the primitive; ``SealingKey`` is what callers use (random nonces, one sealed
/// byte string per value).
enum AESGCM {
    static let keyLength = 32
    static let nonceLength = 12
    static let tagLength = 16

    /// Encrypts `plaintext` under `key` with `nonce`, authenticating `aad` too.
    /// - Returns: the ciphertext (as long as the plaintext) and the 16-byte tag.
    static func seal(
        key: SecretBytes, nonce: [UInt8], plaintext: UnsafeRawBufferPointer, aad: [UInt8]
    ) throws(CryptoError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        guard key.count == keyLength, nonce.count == nonceLength else {
            throw CryptoError.invalidInput.with("AES-256-GCM needs a 32-byte key and a 12-byte nonce")
        }
        let context = try CipherContext()
        try context.begin(key: key, nonce: nonce, encrypting: true)
        try context.update(aad: aad)
        var ciphertext = try unsafe context.update(plaintext)
        ciphertext += try context.finish()
        let tag = try context.tag()
        return (ciphertext, tag)
    }

    /// Decrypts `ciphertext` and checks `tag` over it and `aad`; the plaintext goes straight into a wiped buffer.
    /// - Throws: ``CryptoError/badSignature`` when the tag does not verify (wrong key, altered bytes or AAD).
    static func open(
        key: SecretBytes, nonce: [UInt8], ciphertext: ArraySlice<UInt8>, tag: ArraySlice<UInt8>, aad: [UInt8]
    ) throws(CryptoError) -> SecretBytes {
        guard key.count == keyLength, nonce.count == nonceLength, tag.count == tagLength else {
            throw CryptoError.invalidInput.with("AES-256-GCM needs a 32-byte key, a 12-byte nonce and a 16-byte tag")
        }
        let context = try CipherContext()
        try context.begin(key: key, nonce: nonce, encrypting: false)
        try context.update(aad: aad)
        let plaintext = try context.updateIntoSecret(ciphertext)
        try context.setTag(Array(tag))
        guard context.finishVerifying() else {
            OpenSSLError.clearQueue()
            throw CryptoError.badSignature.with("AES-256-GCM tag does not verify")
        }
        return plaintext
    }
}

/// An `EVP_CIPHER_CTX` for one AES-256-GCM operation, freed (and wiped by OpenSSL) when released.
@safe
private final class CipherContext {
    private let handle: OpaquePointer

    init() throws(CryptoError) {
        unsafe handle = try unsafe openssl("EVP_CIPHER_CTX_new") { unsafe EVP_CIPHER_CTX_new() }
    }

    deinit { unsafe EVP_CIPHER_CTX_free(handle) }

    func begin(key: SecretBytes, nonce: [UInt8], encrypting: Bool) throws(CryptoError) {
        // The default IV length of GCM in OpenSSL is 12 bytes, the length NIST recommends; it is set anyway.
        try openssl("EVP_CipherInit_ex2") {
            unsafe EVP_CipherInit_ex2(handle, EVP_aes_256_gcm(), nil, nil, encrypting ? 1 : 0, nil)
        }
        try openssl("EVP_CIPHER_CTX_ctrl") {
            unsafe EVP_CIPHER_CTX_ctrl(handle, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil)
        }
        try openssl("EVP_CipherInit_ex2") {
            unsafe key.withUnsafeBytes { key in
                unsafe nonce.withUnsafeBufferPointer { nonce in
                    unsafe EVP_CipherInit_ex2(
                        handle, nil, key.baseAddress?.assumingMemoryBound(to: UInt8.self), nonce.baseAddress,
                        encrypting ? 1 : 0, nil)
                }
            }
        }
    }

    /// Feeds additional authenticated data (an update with no output buffer).
    func update(aad: [UInt8]) throws(CryptoError) {
        guard !aad.isEmpty else { return }
        var written: Int32 = 0
        try openssl("EVP_CipherUpdate") {
            unsafe aad.withUnsafeBufferPointer { aad in
                unsafe EVP_CipherUpdate(handle, nil, &written, aad.baseAddress, Int32(aad.count))
            }
        }
    }

    /// Encrypts (or decrypts) a chunk; GCM is a stream mode, so the output is as long as the input.
    func update(_ input: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        guard input.count > 0, let base = input.baseAddress else { return [] }
        var output = [UInt8](repeating: 0, count: input.count)
        var written: Int32 = 0
        try openssl("EVP_CipherUpdate") {
            unsafe output.withUnsafeMutableBufferPointer { output in
                unsafe EVP_CipherUpdate(
                    handle, output.baseAddress, &written, base.assumingMemoryBound(to: UInt8.self), Int32(input.count))
            }
        }
        return Array(output.prefix(Int(written)))
    }

    /// Decrypts into a buffer that is wiped when released, so the plaintext never sits in a Swift array.
    func updateIntoSecret(_ input: ArraySlice<UInt8>) throws(CryptoError) -> SecretBytes {
        let secret = SecretBytes(count: input.count)
        guard !input.isEmpty else { return secret }
        var written: Int32 = 0
        try openssl("EVP_CipherUpdate") {
            unsafe input.withUnsafeBufferPointer { input in
                unsafe secret.withUnsafeMutableBytes { output in
                    unsafe EVP_CipherUpdate(
                        handle, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &written, input.baseAddress,
                        Int32(input.count))
                }
            }
        }
        guard Int(written) == input.count else { throw OpenSSLError.error("EVP_CipherUpdate") }
        return secret
    }

    func finish() throws(CryptoError) -> [UInt8] {
        var scratch = [UInt8](repeating: 0, count: 16)
        var written: Int32 = 0
        try openssl("EVP_CipherFinal_ex") {
            unsafe scratch.withUnsafeMutableBufferPointer { unsafe EVP_CipherFinal_ex(handle, $0.baseAddress, &written) }
        }
        return Array(scratch.prefix(Int(written)))
    }

    /// Decryption's final step: false when the tag does not match ("EVP_DecryptFinal_ex … return 0 if the
    /// tag verification fails", EVP_EncryptInit(3)).
    func finishVerifying() -> Bool {
        var scratch = [UInt8](repeating: 0, count: 16)
        var written: Int32 = 0
        let rc = unsafe scratch.withUnsafeMutableBufferPointer {
            unsafe EVP_CipherFinal_ex(handle, $0.baseAddress, &written)
        }
        return rc == 1 && written == 0
    }

    func tag() throws(CryptoError) -> [UInt8] {
        var tag = [UInt8](repeating: 0, count: AESGCM.tagLength)
        try openssl("EVP_CIPHER_CTX_ctrl") {
            unsafe tag.withUnsafeMutableBytes {
                unsafe EVP_CIPHER_CTX_ctrl(handle, EVP_CTRL_GCM_GET_TAG, Int32(AESGCM.tagLength), $0.baseAddress)
            }
        }
        return tag
    }

    func setTag(_ tag: [UInt8]) throws(CryptoError) {
        var tag = tag
        try openssl("EVP_CIPHER_CTX_ctrl") {
            unsafe tag.withUnsafeMutableBytes {
                unsafe EVP_CIPHER_CTX_ctrl(handle, EVP_CTRL_GCM_SET_TAG, Int32($0.count), $0.baseAddress)
            }
        }
    }
}

@available(*, unavailable)
extension CipherContext: Sendable {}
