extension StringProtocol {
    /// Whether the text equals `other` when ASCII letters are compared without regard to case: how HTTP
    /// compares field names and scheme tokens (RFC 9110 §5.1). Lengths are compared first, so most
    /// mismatches cost nothing; nothing is allocated, unlike comparing `lowercased()` copies. Inlinable, so
    /// callers in other modules get it specialised rather than through generic metadata.
    @inlinable
    public func equalsIgnoringASCIICase(_ other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        for (a, b) in zip(utf8, other.utf8) where a != b {
            let lower = a | 0x20
            guard lower == b | 0x20, lower >= 97, lower <= 122 else { return false }
        }
        return true
    }
}
