/// Cookies of a request, parsed from its `Cookie` headers (RFC 6265 §5.4).
public struct Cookies: Sendable {
    private let values: [String: String]

    public init(headerValues: [String]) {
        var values: [String: String] = [:]
        for header in headerValues {
            for piece in header.split(separator: ";") {
                let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingWhitespace()
                var value = parts[1].trimmingWhitespace()
                if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
                if !name.isEmpty, values[name] == nil { values[name] = value }
            }
        }
        self.values = values
    }

    public subscript(name: String) -> String? { values[name] }
}
