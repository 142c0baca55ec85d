/// Login identifiers (emails) as compared and stored: trimmed, case-folded, Unicode NFC (DESIGN.md).
public enum Identifier {
    /// The normal form used for lookups, lockout keys and storage.
    public static func normalize(_ raw: String) -> String {
        let trimmed = raw.unicodeScalars.drop(while: \.properties.isWhitespace).reversed()
            .drop(while: \.properties.isWhitespace).reversed()
        let folded = String(String.UnicodeScalarView(trimmed)).lowercased()
        return String(decoding: folded._nfcCodeUnits, as: UTF8.self)
    }

    /// Whether `email` (already normalised) looks like an address: one `@`, something on both sides, a dot in
    /// the domain, no spaces or control characters, at most 254 bytes (RFC 5321's path limit).
    public static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), email.utf8.count <= 254
        else { return false }
        return !email.unicodeScalars.contains { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }
    }
}
