internal import COpenSSL

/// OpenSSL's CSPRNG (`RAND_bytes`), seeded by the operating system.
public enum Random {
    /// `count` cryptographically secure random bytes.
    ///
    /// ```swift
    /// let refreshToken = Base64URL.encode(Random.bytes(count: 32))
    /// ```
    /// A failing `RAND_bytes` means the system cannot produce randomness at all; nothing secure can go on,
    /// so this stops the process (the supervisor starts a new worker) rather than hand out weak bytes.
    public static func bytes(count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        guard count > 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: count)
        let rc = unsafe bytes.withUnsafeMutableBytes { buffer in
            unsafe RAND_bytes(buffer.baseAddress, Int32(buffer.count))
        }
        guard rc == 1 else { fatalError("RAND_bytes failed: \(OpenSSLError.drainQueue())") }
        return bytes
    }
}
