internal import COpenSSL

/// Key material we own (HMAC secrets, TOTP secrets), in one heap buffer wiped with
/// `OPENSSL_cleanse` when the last reference goes away (STYLE.md rule 25).
///
/// `OPENSSL_cleanse` exists because "a call to memset can be optimised away by the compiler"
/// (OpenSSL's own documentation); Swift arrays give no such guarantee either.
@safe
final class SecretBytes: @unchecked Sendable {
    // Sendable: the buffer is written once, in init, and only read afterwards; deinit runs once.
    private let buffer: UnsafeMutableRawBufferPointer

    init(_ bytes: some Collection<UInt8>) {
        unsafe buffer = .allocate(byteCount: Swift.max(bytes.count, 1), alignment: 16)
        unsafe buffer.initializeMemory(as: UInt8.self, repeating: 0)
        _ = unsafe UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count]).copyBytes(from: bytes)
        count = bytes.count
    }

    /// `count` zero bytes, to be filled once through ``withUnsafeMutableBytes(_:)`` (a decryption's output).
    init(count: Int) {
        unsafe buffer = .allocate(byteCount: Swift.max(count, 1), alignment: 16)
        unsafe buffer.initializeMemory(as: UInt8.self, repeating: 0)
        self.count = count
    }

    deinit {
        unsafe OPENSSL_cleanse(buffer.baseAddress, buffer.count)
        unsafe buffer.deallocate()
    }

    /// The number of secret bytes.
    let count: Int

    /// Calls `body` with the secret; the pointer must not escape.
    func withUnsafeBytes<T, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> T) throws(E) -> T {
        try unsafe body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// Calls `body` to fill the buffer; only right after ``init(count:)``, before the value is shared.
    func withUnsafeMutableBytes<T, E: Error>(_ body: (UnsafeMutableRawBufferPointer) throws(E) -> T) throws(E) -> T {
        try unsafe body(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count]))
    }

    /// Constant-time equality of two secrets (length is not hidden).
    func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return unsafe withUnsafeBytes { a in
            unsafe other.withUnsafeBytes { b in unsafe CRYPTO_memcmp(a.baseAddress, b.baseAddress, count) == 0 }
        }
    }
}

extension SecretBytes {
    /// Calls `body` with a copy of the secret as an array. The copy cannot be wiped: use this only
    /// to hand the secret to its owner (an enrollment answer), never to keep it.
    func withUnsafeBytesCopy<T>(_ body: ([UInt8]) -> T) -> T {
        body(unsafe withUnsafeBytes { unsafe Array($0) })
    }
}
