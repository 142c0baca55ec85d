extension StringProtocol {
    /// The text with ASCII `A`–`Z` lower-cased and every other byte kept: how HTTP compares field names and
    /// scheme tokens (RFC 9110 §5.1). Returns the text itself when nothing changes, and builds short results
    /// (up to 15 bytes) without a heap allocation, unlike `lowercased()`, which runs Unicode case mapping.
    /// Inlinable, so callers in other modules get it specialised rather than through generic metadata.
    @inlinable
    public func asciiLowercased() -> String {
        guard utf8.contains(where: { $0 >= 65 && $0 <= 90 }) else { return String(self) }
        var result = ""
        result.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            let value = scalar.value
            result.unicodeScalars.append(value >= 65 && value <= 90 ? Unicode.Scalar(UInt8(value + 32)) : scalar)
        }
        return result
    }

    /// Whether the text equals `other` when ASCII letters are compared without regard to case.
    @inlinable
    public func equalsIgnoringASCIICase(_ other: String) -> Bool {
        var left = utf8.makeIterator()
        var right = other.utf8.makeIterator()
        while true {
            switch (left.next(), right.next()) {
            case (nil, nil): return true
            case (let a?, let b?):
                let lower = a | 0x20
                guard a == b || (lower == b | 0x20 && lower >= 97 && lower <= 122) else { return false }
            default: return false
            }
        }
    }
}
