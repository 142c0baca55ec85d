import FCGIHost

/// The settings Gatehouse knows, with their rules and defaults; any other key holds arbitrary JSON.
///
/// | key | value | default |
/// |---|---|---|
/// | `currency` | ISO 4217 code: three capital letters (`EUR`) | `"USD"` |
/// | `timezone` | an IANA time zone name (`Europe/Paris`, `UTC`) | `"UTC"` |
/// | `asset_tag_prefix` | a string of at most 16 characters, no spaces or control characters | `""` |
/// | `low_value_threshold_cents` | a whole number of cents, 0 or more | `0` |
///
/// Other keys (1 to 64 of `a-z 0-9 _ . -`, starting with a letter) take any JSON value up to 4 KiB encoded,
/// `null` included, so frontends can keep their own per-zone preferences. The known keys always appear in
/// `GET /v1/settings`, with their default until set; the others only once set.
enum SettingSchema {
    struct Known: Sendable {
        let defaultValue: JSONValue
        /// The problem with a value, or nil when it is fine.
        let problem: @Sendable (JSONValue) -> String?
    }

    static let maxEncodedBytes = 4_096

    static let known: [String: Known] = [
        "currency": Known(defaultValue: .string("USD")) { value in
            guard let code = value.stringValue, code.utf8.count == 3,
                code.utf8.allSatisfy({ (0x41...0x5A).contains($0) })
            else { return "must be an ISO 4217 currency code: three capital letters, such as EUR" }
            return nil
        },
        "timezone": Known(defaultValue: .string("UTC")) { value in
            guard let name = value.stringValue, isTimeZoneName(name) else {
                return "must be an IANA time zone name, such as Europe/Paris or UTC"
            }
            return nil
        },
        "asset_tag_prefix": Known(defaultValue: .string("")) { value in
            guard let prefix = value.stringValue, prefix.count <= 16,
                !prefix.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
            else { return "must be a string of at most 16 characters, without spaces or control characters" }
            return nil
        },
        "low_value_threshold_cents": Known(defaultValue: .number(0)) { value in
            guard case .number(let cents) = value, cents == cents.rounded(), cents >= 0, cents <= maxExactInteger
            else { return "must be a whole number of cents, 0 or more" }
            return nil
        },
    ]

    /// Keys: 1 to 64 of lowercase letters, digits, `_`, `.` and `-`, starting with a letter.
    static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard (1...64).contains(bytes.count), (0x61...0x7A).contains(bytes[0]) else { return false }
        return bytes.allSatisfy {
            (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D
        }
    }

    /// `Area/Location` (up to three segments, as `America/Argentina/Buenos_Aires`) or a single name such as
    /// `UTC`; segments start with a letter and hold letters, digits, `_`, `+` and `-`. The shape of an IANA name,
    /// not a lookup in a time zone database the server may not have.
    static func isTimeZoneName(_ name: String) -> Bool {
        let segments = name.split(separator: "/", omittingEmptySubsequences: false)
        guard name.utf8.count <= 64, (1...3).contains(segments.count) else { return false }
        return segments.allSatisfy { segment in
            guard let first = segment.utf8.first, isLetter(first) else { return false }
            return segment.utf8.allSatisfy {
                isLetter($0) || (0x30...0x39).contains($0) || $0 == 0x5F || $0 == 0x2B || $0 == 0x2D
            }
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }
}
