extension StringProtocol {
    /// The text with ASCII `A`–`Z` lower-cased and every other byte kept: how HTTP compares field names and
    /// scheme tokens (RFC 9110 §5.1). Returns the text itself when nothing changes, and builds short results
    /// (up to 15 bytes) without a heap allocation, unlike `lowercased()`, which runs Unicode case mapping.
    public func asciiLowercased() -> String {
        let bytes = utf8
        guard bytes.contains(where: { $0 >= 65 && $0 <= 90 }) else { return String(self) }
        return unsafe String(unsafeUninitializedCapacity: bytes.count) { buffer in
            var count = 0
            for byte in bytes {
                unsafe buffer[count] = byte >= 65 && byte <= 90 ? byte + 32 : byte
                count += 1
            }
            return count
        }
    }

    /// Whether the text equals `other` when ASCII letters are compared without regard to case.
    public func equalsIgnoringASCIICase(_ other: some StringProtocol) -> Bool {
        let left = utf8, right = other.utf8
        guard left.count == right.count else { return false }
        return zip(left, right).allSatisfy { a, b in
            a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= 97 && (a | 0x20) <= 122)
        }
    }
}
