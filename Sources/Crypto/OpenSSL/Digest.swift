internal import COpenSSL

/// A message digest fetched from the default provider once per process.
///
/// OpenSSL 3 looks an algorithm up in its provider tables on every implicit use (`EVP_sha256()`);
/// fetching once and reusing the object is what the OpenSSL 3 performance notes recommend.
@safe
final class Digest: @unchecked Sendable {
    // Sendable: an EVP_MD is immutable once fetched, and OpenSSL shares fetched objects between threads.
    private let handle: OpaquePointer
    /// The name OpenSSL knows it by, which is also what `EVP_MAC` takes as its `digest` parameter.
    let name: String
    /// The digest length in bytes.
    let size: Int

    static let sha1 = Digest("SHA1")
    static let sha256 = Digest("SHA256")
    static let sha512 = Digest("SHA512")

    private init(_ name: String) {
        // The default provider always has these; failing here means a broken OpenSSL installation.
        guard let md = unsafe EVP_MD_fetch(nil, name, nil) else {
            fatalError("EVP_MD_fetch(\(name)) failed: \(OpenSSLError.drainQueue())")
        }
        unsafe handle = md
        self.name = name
        size = Int(unsafe EVP_MD_get_size(md))
    }

    deinit { unsafe EVP_MD_free(handle) }

    /// Calls `body` with the raw `EVP_MD`; the pointer must not escape.
    func withUnsafeHandle<T, E: Error>(_ body: (OpaquePointer) throws(E) -> T) throws(E) -> T {
        try unsafe body(handle)
    }

    /// The digest of `data`, in one call.
    func hash(_ data: UnsafeRawBufferPointer) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        let rc = unsafe out.withUnsafeMutableBytes { out in
            unsafe EVP_Digest(
                data.baseAddress, data.count, out.baseAddress!.assumingMemoryBound(to: UInt8.self), nil, handle, nil)
        }
        // EVP_Digest fails only when memory runs out; there is nothing sensible to return instead.
        guard rc == 1 else { fatalError("EVP_Digest(\(name)) failed: \(OpenSSLError.drainQueue())") }
        return out
    }
}

/// SHA-256 (FIPS 180-4).
public enum SHA256 {
    /// The digest length: 32 bytes.
    public static let byteCount = 32

    /// The SHA-256 digest of `data`.
    ///
    /// ```swift
    /// let stored = SHA256.hash(Array(refreshToken.utf8))   // keep only the hash of a refresh token
    /// ```
    public static func hash(_ data: [UInt8]) -> [UInt8] {
        unsafe data.withUnsafeBytes { unsafe Digest.sha256.hash($0) }
    }

    /// The SHA-256 digest of the UTF-8 bytes of `string`.
    public static func hash(_ string: String) -> [UInt8] {
        hash(Array(string.utf8))
    }
}
