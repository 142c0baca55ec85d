/// The `KEY=VALUE` format shared with systemd's `EnvironmentFile=`: `#` comments, blank lines,
/// optional single or double quotes around a value.
enum EnvFile {
    static func parse(_ text: String, source: String) throws(ConfigError) -> [(String, String)] {
        var result: [(String, String)] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError(key: "\(source):\(number + 1)", message: "expected KEY=VALUE")
            }
            let key = line[..<equals].trimmingWhitespace()
            var value = line[line.index(after: equals)...].trimmingWhitespace()
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw ConfigError(key: "\(source):\(number + 1)", message: "invalid key name")
            }
            result.append((key, value))
        }
        return result
    }
}
