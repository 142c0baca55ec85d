/// Parsers for the value syntaxes of the configuration file.
enum ConfigParsing {
    /// `900`, `900s`, `15m`, `1h`, `7d` → seconds.
    static func duration(_ text: String) -> Int? {
        guard let last = text.last else { return nil }
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let (digits, unit) = last.isNumber ? (Substring(text), 1) : (text.dropLast(), units[last] ?? 0)
        guard unit > 0, !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits),
            value <= Int(Int32.max)
        else { return nil }
        return value * unit
    }

    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    static func integer(_ text: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = Int(text), range.contains(value) else { return nil }
        return value
    }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// `20/1m` → a bucket of 20 that refills 20 per minute.
    static func rate(_ text: String) -> RateLimit? {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard parts.count == 2, let count = Int(parts[0]), count >= 0, let period = duration(String(parts[1])),
            period > 0
        else { return nil }
        return RateLimit(capacity: count, periodSeconds: period)
    }
}

/// A token-bucket limit: `capacity` requests, refilled evenly over `periodSeconds`.
public struct RateLimit: Sendable, Equatable {
    public let capacity: Int
    public let periodSeconds: Int
    public var refillPerSecond: Double { Double(capacity) / Double(periodSeconds) }
    public var isEnabled: Bool { capacity > 0 }
}
