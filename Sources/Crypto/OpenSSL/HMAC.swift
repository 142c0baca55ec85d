internal import COpenSSL
import Synchronization

/// A keyed HMAC context over one digest, built once and reused for every message.
///
/// `EVP_MAC_init` with a NULL key "reuses the previously set key" (EVP_MAC(3)); each ``mac(_:)`` call
/// restarts the context that way, so no per-call allocation or key schedule is needed. The context is
/// mutable C state, so each call holds this object's lock (never contended in a one-thread worker).
@safe
final class HMACContext: @unchecked Sendable {
    // Sendable: the C context is used only inside `lock`.
    private let lock = Mutex(())
    private let context: OpaquePointer
    let digest: Digest

    init(key: SecretBytes, digest: Digest) throws(CryptoError) {
        let mac = try unsafe openssl { unsafe EVP_MAC_fetch(nil, "HMAC", nil) }
        defer { unsafe EVP_MAC_free(mac) }
        let context = try unsafe openssl { unsafe EVP_MAC_CTX_new(mac) }
        let rc = unsafe Parameters.withString("digest", digest.name) { params in
            unsafe key.withUnsafeBytes { key in
                // An empty key is legal HMAC, but OpenSSL wants a non-NULL pointer for it all the same.
                unsafe withUnsafeBytes(of: UInt8(0)) { zero in
                    unsafe EVP_MAC_init(
                        context, (key.baseAddress ?? zero.baseAddress!).assumingMemoryBound(to: UInt8.self),
                        key.count, params)
                }
            }
        }
        guard rc == 1 else {
            let error = OpenSSLError.error("EVP_MAC_init")
            unsafe EVP_MAC_CTX_free(context)
            throw error
        }
        unsafe self.context = context
        self.digest = digest
    }

    deinit { unsafe EVP_MAC_CTX_free(context) }

    /// The MAC of `data` under this context's key.
    func mac(_ data: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        try lock.withLock { _ throws(CryptoError) in try unsafe macLocked(data) }
    }

    private func macLocked(_ data: UnsafeRawBufferPointer) throws(CryptoError) -> [UInt8] {
        try openssl("EVP_MAC_init") { unsafe EVP_MAC_init(context, nil, 0, nil) }
        if let base = data.baseAddress, data.count > 0 {
            try openssl("EVP_MAC_update") {
                unsafe EVP_MAC_update(context, base.assumingMemoryBound(to: UInt8.self), data.count)
            }
        }
        var out = [UInt8](repeating: 0, count: digest.size)
        var length = 0
        try openssl("EVP_MAC_final") {
            unsafe out.withUnsafeMutableBufferPointer { out in
                unsafe EVP_MAC_final(context, out.baseAddress, &length, out.count)
            }
        }
        precondition(length == digest.size)
        return out
    }

    /// The MAC of `data`.
    func mac(_ data: [UInt8]) throws(CryptoError) -> [UInt8] {
        let result = unsafe data.withUnsafeBytes { bytes in Result { () throws(CryptoError) in try unsafe mac(bytes) } }
        return try result.get()
    }

    /// The MAC of `data`.
    func mac(_ data: ArraySlice<UInt8>) throws(CryptoError) -> [UInt8] {
        let result = unsafe data.withUnsafeBytes { bytes in Result { () throws(CryptoError) in try unsafe mac(bytes) } }
        return try result.get()
    }
}

/// HMAC (RFC 2104).
public enum HMAC {
    /// HMAC-SHA256 under one key set up once, for a key that signs many messages (the API-key pepper): each
    /// ``mac(_:)`` restarts the context instead of building one.
    ///
    ///     let pepper = HMAC.SHA256Key(pepperBytes)
    ///     let stored = pepper.mac(Array(secret.utf8))  // == HMAC.sha256(key: pepperBytes, data: …)
    public final class SHA256Key: Sendable {
        private let context: HMACContext

        public init(_ key: [UInt8]) {
            do {
                context = try HMACContext(key: SecretBytes(key), digest: .sha256)
            } catch {
                fatalError("HMAC failed: \(error)")
            }
        }

        public func mac(_ data: [UInt8]) -> [UInt8] {
            do {
                return try context.mac(data)
            } catch {
                // HMAC fails only when memory runs out or the provider is broken.
                fatalError("HMAC failed: \(error)")
            }
        }
    }

    /// HMAC-SHA256 of `data` under `key`, 32 bytes.
    ///
    /// ```swift
    /// let signature = Base64URL.encode(HMAC.sha256(key: serviceSecret, data: Array(context.utf8)))
    /// ```
    public static func sha256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        mac(key: key, data: data, digest: .sha256)
    }

    static func mac(key: [UInt8], data: [UInt8], digest: Digest) -> [UInt8] {
        do {
            return try HMACContext(key: SecretBytes(key), digest: digest).mac(data)
        } catch {
            // HMAC fails only when memory runs out or the provider is broken.
            fatalError("HMAC failed: \(error)")
        }
    }
}
