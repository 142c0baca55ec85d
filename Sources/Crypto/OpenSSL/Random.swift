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

    /// A random UUID (RFC 9562 version 4), lower case and hyphenated, from the same generator: no system call,
    /// unlike Foundation's `UUID()`, which opens `/dev/urandom` each time (token `jti`s, session ids).
    public static func uuid() -> String {
        var random = bytes(count: 16)
        random[6] = (random[6] & 0x0F) | 0x40  // version 4
        random[8] = (random[8] & 0x3F) | 0x80  // the RFC variant
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in random.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
