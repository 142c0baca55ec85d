internal import COpenSSL

/// Compares two byte strings in time that depends only on their length, with `CRYPTO_memcmp`.
///
/// Use it for every comparison of a secret or a MAC (API keys, refresh-token hashes, HMAC signatures):
/// ```swift
/// guard constantTimeEqual(SHA256.hash(presented), storedHash) else { throw … }
/// ```
/// Different lengths return `false` at once; lengths are not secret here (they are fixed by the format).
public func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    guard !a.isEmpty else { return true }
    return unsafe a.withUnsafeBytes { a in
        unsafe b.withUnsafeBytes { b in unsafe CRYPTO_memcmp(a.baseAddress, b.baseAddress, a.count) == 0 }
    }
}

/// Compares the UTF-8 bytes of two strings in constant time (for secrets that arrive as text).
public func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    constantTimeEqual(Array(a.utf8), Array(b.utf8))
}
