import FCGIHost

/// Login identifiers (emails) as compared and stored: trimmed, case-folded, Unicode NFC (DESIGN.md).
public enum Identifier {
    /// The normal form used for lookups, lockout keys and storage.
    public static func normalize(_ raw: String) -> String {
        let trimmed = raw.unicodeScalars.drop(while: \.properties.isWhitespace).reversed()
            .drop(while: \.properties.isWhitespace).reversed()
        let folded = String(String.UnicodeScalarView(trimmed)).lowercased()
        return String(decoding: folded._nfcCodeUnits, as: UTF8.self)
    }

    /// The most bytes an identifier may have once normalised (RFC 5321's path limit).
    public static let maxBytes = 254

    /// The normalised identifier of a submitted field, or a 422 on `field` when it is missing, empty or over
    /// ``maxBytes`` (checked before anything is stored under it).
    public static func required(_ raw: String?, field: String) throws -> String {
        guard let raw else { throw HTTPError.validation(field: field, "is required") }
        // A cheap bound first: normalising a 64 KiB string is work an attacker should not get for free.
        guard raw.utf8.count <= 4 * maxBytes else { throw HTTPError.validation(field: field, "must be at most \(maxBytes) bytes") }
        let identifier = normalize(raw)
        guard !identifier.isEmpty else { throw HTTPError.validation(field: field, "is required") }
        guard identifier.utf8.count <= maxBytes else {
            throw HTTPError.validation(field: field, "must be at most \(maxBytes) bytes")
        }
        return identifier
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
