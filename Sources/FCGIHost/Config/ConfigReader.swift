/// Reads and validates one key at a time, naming the key in every error.
struct Reader {
    let values: [String: String]

    func string(_ key: String) -> String {
        (values[key] ?? ConfigKey.byName[key]?.defaultValue ?? "").trimmingWhitespace()
    }

    func fail(_ key: String, _ expected: String) -> ConfigError {
        ConfigError(key: key, message: "invalid value \"\(ConfigKey.byName[key]?.isSecret == true ? "…" : string(key))\": expected \(expected)")
    }

    func nonEmpty(_ key: String) throws(ConfigError) -> String {
        let value = string(key)
        guard !value.isEmpty else { throw ConfigError(key: key, message: "must not be empty") }
        return value
    }

    func oneOf(_ key: String, _ choices: [String]) throws(ConfigError) -> String {
        let value = string(key)
        guard choices.contains(value) else { throw fail(key, "one of \(choices.joined(separator: ", "))") }
        return value
    }

    func bool(_ key: String) throws(ConfigError) -> Bool {
        guard let value = ConfigParsing.bool(string(key)) else { throw fail(key, "true or false") }
        return value
    }

    func integer(_ key: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard let value = ConfigParsing.integer(string(key), in: range) else {
            throw fail(key, "an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func duration(_ key: String, min: Int) throws(ConfigError) -> Int {
        guard let value = ConfigParsing.duration(string(key)), value >= min else {
            throw fail(key, "a duration of at least \(min)s such as 30s, 15m, 1h or 7d")
        }
        return value
    }

    func rate(_ key: String) throws(ConfigError) -> RateLimit {
        guard let value = ConfigParsing.rate(string(key)) else { throw fail(key, "count/period such as 20/1m") }
        return value
    }

    func octalMode(_ key: String) throws(ConfigError) -> Int {
        guard let value = Int(string(key), radix: 8), (0...0o777).contains(value) else {
            throw fail(key, "an octal mode such as 0660")
        }
        return value
    }

    func cidrs(_ key: String) throws(ConfigError) -> [CIDR] {
        var result: [CIDR] = []
        for item in ConfigParsing.list(string(key)) {
            guard let cidr = CIDR(item) else { throw fail(key, "comma-separated CIDRs such as 10.0.0.0/8, ::1/128") }
            result.append(cidr)
        }
        return result
    }

    func origins(_ key: String) throws(ConfigError) -> [String] {
        let items = ConfigParsing.list(string(key))
        for item in items where !(item.hasPrefix("https://") || item.hasPrefix("http://")) || item.hasSuffix("/") {
            throw fail(key, "origins such as https://app.example.com (scheme, host, optional port, no path)")
        }
        return items
    }

    /// A DNS name such as `example.com` (ASCII letters, digits, `-` and dots; no scheme, port or path), lower-cased.
    func domain(_ key: String, _ value: String) throws(ConfigError) -> String {
        let name = value.lowercased()
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let valid = !name.isEmpty && name.utf8.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D }
        }
        guard valid else { throw fail(key, "domain names such as example.com (no scheme, port or path)") }
        return name
    }

    /// ``domain(_:_:)`` or empty.
    func domainOrEmpty(_ key: String) throws(ConfigError) -> String {
        let value = string(key)
        return value.isEmpty ? "" : try domain(key, value)
    }

    func listen(_ key: String) throws(ConfigError) -> ListenAddress {
        let value = string(key)
        if value.hasPrefix("unix:") {
            let path = String(value.dropFirst(5))
            guard path.hasPrefix("/") || path.hasPrefix("."), path.utf8.count < 108 else {
                throw fail(key, "unix:/absolute/path.sock shorter than 108 bytes")
            }
            return .unix(path: path)
        }
        guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw fail(key, "unix:/path.sock or host:port") }
        var host = String(value[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard IPAddress(host) != nil else { throw fail(key, "a numeric IPv4 or IPv6 host such as 127.0.0.1:9000") }
        return .tcp(host: host, port: port)
    }

    /// `250ms`, `2s`, `2` (seconds) → milliseconds within `range`.
    func milliseconds(_ key: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int {
        let value = string(key)
        let parsed: Int?
        if value.hasSuffix("ms") {
            parsed = ConfigParsing.integer(String(value.dropLast(2)), in: range)
        } else {
            parsed = ConfigParsing.duration(value).flatMap { $0 <= range.upperBound / 1000 ? $0 * 1000 : nil }
        }
        guard let parsed, range.contains(parsed), value.first?.isNumber == true else {
            throw fail(key, "a duration from \(range.lowerBound)ms to \(range.upperBound / 1000)s such as 500ms or 2s")
        }
        return parsed
    }

    /// An absolute path, or empty for none.
    func absolutePathOrEmpty(_ key: String) throws(ConfigError) -> String {
        let value = string(key)
        guard value.isEmpty || value.hasPrefix("/") else { throw fail(key, "an absolute path, or nothing") }
        return value
    }

    /// A PostgreSQL schema of the installation's own: an identifier that is not a system schema or `public`.
    func schemaName(_ key: String) throws(ConfigError) -> String {
        let value = string(key)
        let isIdentifier = value.utf8.count <= 63 && value.first.map { $0 == "_" || $0.isLetter } == true
            && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
        guard isIdentifier else { throw fail(key, "a schema name: ASCII letters, digits and _, at most 63 bytes") }
        let lowered = value.lowercased()
        guard !lowered.hasPrefix("pg_"), !["public", "information_schema"].contains(lowered) else {
            throw fail(
                key,
                "a schema of Gatehouse's own such as gatehouse_rpc: every function of the schema becomes callable, "
                    + "so not public, information_schema or a pg_ system schema")
        }
        return value
    }
}
