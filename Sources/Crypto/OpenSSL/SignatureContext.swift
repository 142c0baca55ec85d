internal import COpenSSL
import Synchronization

/// Signs and verifies messages with one asymmetric key, reusing OpenSSL contexts between calls.
///
/// Verification sits on the path of every nginx `auth_request`, so everything that can be prepared once is:
/// * Ed25519 keeps a `EVP_DigestVerifyInit`-ed template and copies it into a scratch context per call
///   (`EVP_MD_CTX_copy_ex`), because "EVP_DigestVerify … is a one-shot operation" on an initialised context
///   and re-initialising means a fresh provider fetch;
/// * ECDSA and RSA hash the message with SHA-256 in a reused digest context and check the digest with an
///   `EVP_PKEY_CTX` set up once by `EVP_PKEY_verify_init` (the way `openssl speed` measures them).
///
/// The contexts are mutable C state, so each call holds this object's lock. A worker uses one thread
/// (DESIGN.md, Process model), so the lock is never contended there; it makes the type safe to share.
@safe
final class SignatureContext: @unchecked Sendable {
    // Sendable: every use of the C contexts below, including the lazy creation of the signing ones,
    // happens inside `lock`; `key` is only read.
    private let lock = Mutex(())
    enum Scheme {
        /// Ed25519, PureEdDSA (RFC 8032).
        case ed25519
        /// ECDSA with SHA-256; signatures are DER here and converted to JOSE's `r||s` by the caller.
        case ecdsaSHA256
        /// RSASSA-PKCS1-v1_5 with SHA-256.
        case rsaPKCS1SHA256
    }

    let key: EVPKey
    let scheme: Scheme
    private let digestContext: OpaquePointer
    private var verifyTemplate: OpaquePointer? = nil
    private var verifyContext: OpaquePointer? = nil
    private var signTemplate: OpaquePointer? = nil
    private var signContext: OpaquePointer? = nil

    init(key: EVPKey, scheme: Scheme) throws(CryptoError) {
        self.key = key
        self.scheme = scheme
        unsafe digestContext = try unsafe openssl { unsafe EVP_MD_CTX_new() }
        switch scheme {
        case .ed25519:
            let template = try unsafe openssl { unsafe EVP_MD_CTX_new() }
            unsafe verifyTemplate = template
            // "The digest type must be NULL for Ed25519" (EVP_SIGNATURE-ED25519(7)).
            try openssl("EVP_DigestVerifyInit") {
                unsafe key.withUnsafeHandle { unsafe EVP_DigestVerifyInit(template, nil, nil, nil, $0) }
            }
        case .ecdsaSHA256, .rsaPKCS1SHA256:
            unsafe verifyContext = try unsafe makeKeyContext(forSigning: false)
        }
    }

    deinit {
        unsafe EVP_MD_CTX_free(digestContext)
        unsafe EVP_MD_CTX_free(verifyTemplate)
        unsafe EVP_MD_CTX_free(signTemplate)
        unsafe EVP_PKEY_CTX_free(verifyContext)
        unsafe EVP_PKEY_CTX_free(signContext)
    }

    /// True if `signature` is valid for `message`. Any failure, bad signature or malformed one, is false,
    /// and the error queue is cleared so nothing stale reaches a later error.
    func verify(signature: [UInt8], message: ArraySlice<UInt8>) -> Bool {
        lock.withLock { _ in verifyLocked(signature: signature, message: message) }
    }

    /// Signs `message`. ECDSA signatures come back DER-encoded, as OpenSSL makes them.
    func sign(message: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
        try lock.withLock { _ throws(CryptoError) in try signLocked(message: message) }
    }

    private func verifyLocked(signature: [UInt8], message: ArraySlice<UInt8>) -> Bool {
        let rc: Int32
        switch scheme {
        case .ed25519:
            guard unsafe restart(digestContext, from: verifyTemplate, signing: false) else {
                OpenSSLError.clearQueue()
                return false
            }
            rc = unsafe signature.withUnsafeBufferPointer { signature in
                unsafe message.withUnsafeBufferPointer { message in
                    unsafe EVP_DigestVerify(
                        digestContext, signature.baseAddress, signature.count, message.baseAddress, message.count)
                }
            }
        case .ecdsaSHA256, .rsaPKCS1SHA256:
            guard let digest = sha256(message), let context = unsafe verifyContext else {
                OpenSSLError.clearQueue()
                return false
            }
            rc = unsafe signature.withUnsafeBufferPointer { signature in
                unsafe digest.withUnsafeBufferPointer { digest in
                    unsafe EVP_PKEY_verify(
                        context, signature.baseAddress, signature.count, digest.baseAddress, digest.count)
                }
            }
        }
        guard rc == 1 else {
            OpenSSLError.clearQueue()
            return false
        }
        return true
    }

    private func signLocked(message: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
        switch scheme {
        case .ed25519:
            if unsafe signTemplate == nil {
                let template = try unsafe openssl { unsafe EVP_MD_CTX_new() }
                unsafe signTemplate = template
                try openssl("EVP_DigestSignInit") {
                    unsafe key.withUnsafeHandle { unsafe EVP_DigestSignInit(template, nil, nil, nil, $0) }
                }
            }
            guard unsafe restart(digestContext, from: signTemplate, signing: true) else {
                throw OpenSSLError.error("EVP_DigestSignInit")
            }
            var signature = [UInt8](repeating: 0, count: 64)
            var length = signature.count
            try openssl("EVP_DigestSign") {
                unsafe signature.withUnsafeMutableBufferPointer { signature in
                    unsafe message.withUnsafeBufferPointer { message in
                        unsafe EVP_DigestSign(
                            digestContext, signature.baseAddress, &length, message.baseAddress, message.count)
                    }
                }
            }
            return Array(signature.prefix(length))
        case .ecdsaSHA256, .rsaPKCS1SHA256:
            if unsafe signContext == nil { unsafe signContext = try unsafe makeKeyContext(forSigning: true) }
            guard let digest = sha256(message), let context = unsafe signContext else {
                throw OpenSSLError.error("EVP_DigestFinal_ex")
            }
            var length = 0
            try openssl("EVP_PKEY_sign") {
                unsafe digest.withUnsafeBufferPointer {
                    unsafe EVP_PKEY_sign(context, nil, &length, $0.baseAddress, $0.count)
                }
            }
            var signature = [UInt8](repeating: 0, count: length)
            try openssl("EVP_PKEY_sign") {
                unsafe signature.withUnsafeMutableBufferPointer { signature in
                    unsafe digest.withUnsafeBufferPointer { digest in
                        unsafe EVP_PKEY_sign(context, signature.baseAddress, &length, digest.baseAddress, digest.count)
                    }
                }
            }
            return Array(signature.prefix(length))
        }
    }

    // MARK: - Helpers

    /// Copies an initialised template into `context`; if this OpenSSL cannot copy such a context,
    /// initialises `context` from scratch instead (slower, same result).
    @unsafe
    private func restart(_ context: OpaquePointer, from template: OpaquePointer?, signing: Bool) -> Bool {
        if let template = unsafe template, unsafe EVP_MD_CTX_copy_ex(context, template) == 1 { return true }
        OpenSSLError.clearQueue()
        let rc = unsafe key.withUnsafeHandle { key in
            signing
                ? unsafe EVP_DigestSignInit(context, nil, nil, nil, key)
                : unsafe EVP_DigestVerifyInit(context, nil, nil, nil, key)
        }
        return rc == 1
    }

    /// SHA-256 of `message` in the reused digest context, or nil if OpenSSL fails.
    private func sha256(_ message: ArraySlice<UInt8>) -> [UInt8]? {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = unsafe Digest.sha256.withUnsafeHandle { md in
            guard unsafe EVP_DigestInit_ex2(digestContext, md, nil) == 1 else { return false }
            let updated = unsafe message.withUnsafeBytes {
                unsafe EVP_DigestUpdate(digestContext, $0.baseAddress, $0.count)
            }
            guard updated == 1 else { return false }
            return unsafe digest.withUnsafeMutableBufferPointer {
                unsafe EVP_DigestFinal_ex(digestContext, $0.baseAddress, &length) == 1
            }
        }
        return ok && length == 32 ? digest : nil
    }

    /// An `EVP_PKEY_CTX` initialised for signing or verifying SHA-256 digests with this key.
    @unsafe
    private func makeKeyContext(forSigning signing: Bool) throws(CryptoError) -> OpaquePointer {
        let context = try unsafe openssl {
            unsafe key.withUnsafeHandle { unsafe EVP_PKEY_CTX_new_from_pkey(nil, $0, nil) }
        }
        do {
            if signing {
                try openssl("EVP_PKEY_sign_init") { unsafe EVP_PKEY_sign_init(context) }
            } else {
                try openssl("EVP_PKEY_verify_init") { unsafe EVP_PKEY_verify_init(context) }
            }
            try openssl("EVP_PKEY_CTX_set_signature_md") {
                unsafe Digest.sha256.withUnsafeHandle { unsafe EVP_PKEY_CTX_set_signature_md(context, $0) }
            }
            if scheme == .rsaPKCS1SHA256 {
                // EVP_PKEY_CTX_set_rsa_padding is in rsa.h, which the shim leaves out; "pad-mode" is the
                // parameter it sets (EVP_SIGNATURE-RSA(7)).
                try openssl("EVP_PKEY_CTX_set_params(pad-mode)") {
                    unsafe Parameters.withString("pad-mode", "pkcs1") { unsafe EVP_PKEY_CTX_set_params(context, $0) }
                }
            }
        } catch {
            unsafe EVP_PKEY_CTX_free(context)
            throw error
        }
        return unsafe context
    }
}
