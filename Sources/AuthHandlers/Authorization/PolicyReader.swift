/// Reads Casbin policy lines (API.md "Policies") from CSV text or from the `{"lines": [...]}` array, with
/// Casbin's CSV rules as pycasbin's file adapter applies them: each line is trimmed; an empty line or one
/// starting with `#` is skipped (there are no comments after a field); fields are split at commas outside
/// `(…)` and `[…]` and each is trimmed; there is no quoting (`"` is an ordinary character).
///
/// Stricter than Casbin, which skips or truncates quietly or fails later at its first request: a line type
/// other than `p` or `g`, a wrong number of fields (Casbin cuts a `g` line's extra fields), an empty field,
/// a field holding a comma (inside brackets), an unbalanced `)` or `]` (pycasbin crashes), control characters,
/// and anything over ``Limits`` are errors naming the line.
///
/// ```swift
/// let lines = try PolicyReader().read(csv: "p, admin, domain1, data1, read\ng, alice, admin, domain1\n")
/// ```
public struct PolicyReader: Sendable {
    /// Bounds on what one read accepts.
    public struct Limits: Sendable {
        /// Lines of input, blank lines and comments included.
        public var maxLines = 1_000_000
        /// UTF-8 bytes of one line before trimming.
        public var maxLineBytes = 1024
        /// UTF-8 bytes of one field.
        public var maxFieldBytes = 255
        /// Problems reported before the reader stops looking.
        public var maxProblems = 20

        public init() {}
    }

    public let limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// The lines of a CSV text (LF or CRLF line ends); problems name `lines[N]`, N the 1-based line number.
    /// - Throws: ``AuthorizationError/invalidPolicy`` with every problem found (up to `maxProblems`).
    public func read(csv text: String) throws(AuthorizationError) -> [PolicyLine] {
        // By scalars: as Characters, "\r\n" is one grapheme and would not split at "\n".
        var rows = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map(Substring.init)
        if rows.last?.isEmpty == true { rows.removeLast() }  // the final line end
        return try read(rows)
    }

    /// The lines of a JSON `lines` array, one line per element; problems name `lines[N]`, N counted from 1.
    /// - Throws: ``AuthorizationError/invalidPolicy`` with every problem found (up to `maxProblems`).
    public func read(lines: [String]) throws(AuthorizationError) -> [PolicyLine] {
        try read(lines.map { Substring($0) })
    }

    private func read(_ rows: [Substring]) throws(AuthorizationError) -> [PolicyLine] {
        var lines: [PolicyLine] = []
        var problems: [AuthorizationError.Problem] = []
        if rows.count > limits.maxLines {
            problems.append(.init(field: "lines", message: "more than \(limits.maxLines) lines"))
        } else {
            lines.reserveCapacity(rows.count)
            for (index, row) in rows.enumerated() {
                do {
                    if let line = try parse(row) { lines.append(line) }
                } catch {
                    problems.append(.init(field: "lines[\(index + 1)]", message: error.message))
                    if problems.count >= limits.maxProblems { break }
                }
            }
        }
        guard problems.isEmpty else { throw AuthorizationError(kind: .invalidPolicy, problems: problems) }
        return lines
    }

    struct LineError: Error {
        let message: String
    }

    static let permissionFields = ["subject", "domain", "object", "action"]
    static let groupingFields = ["subject", "role", "domain"]

    /// One line, or nil for a blank line or a comment.
    func parse(_ row: Substring) throws(LineError) -> PolicyLine? {
        guard row.utf8.count <= limits.maxLineBytes else {
            throw LineError(message: "longer than \(limits.maxLineBytes) bytes")
        }
        let line = row.casbinTrimmed
        if let bad = line.unicodeScalars.first(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7f }) {
            throw LineError(message: "holds the control character U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        if line.isEmpty || line.hasPrefix("#") { return nil }
        let tokens = try Self.tokens(of: line)
        let names: [String]
        switch tokens[0] {
        case "p": names = Self.permissionFields
        case "g": names = Self.groupingFields
        default: throw LineError(message: "the line type is \"\(tokens[0])\"; expected p or g")
        }
        let fields = tokens.dropFirst()
        guard fields.count == names.count else {
            throw LineError(
                message: "a \(tokens[0]) line has \(names.count) fields after the type (\(names.joined(separator: ", "))), "
                    + "this one has \(fields.count)")
        }
        for (name, field) in zip(names, fields) {
            if field.isEmpty { throw LineError(message: "the \(name) is empty") }
            if field.contains(",") { throw LineError(message: "the \(name) contains a comma") }
            if field.utf8.count > limits.maxFieldBytes {
                throw LineError(message: "the \(name) is longer than \(limits.maxFieldBytes) bytes")
            }
        }
        let f = fields.map(String.init)
        return tokens[0] == "p"
            ? .permission(subject: f[0], domain: f[1], object: f[2], action: f[3])
            : .grouping(subject: f[0], role: f[1], domain: f[2])
    }

    /// Casbin's split: commas outside `(…)` and `[…]` end a field; every field is trimmed. By Unicode scalars,
    /// as Python counts them, so a comma followed by a combining mark still splits.
    static func tokens(of line: Substring) throws(LineError) -> [Substring] {
        var tokens: [Substring] = []
        var depth = 0
        let scalars = line.unicodeScalars
        var start = scalars.startIndex
        var index = scalars.startIndex
        while index < scalars.endIndex {
            switch scalars[index] {
            case "(", "[": depth += 1
            case ")", "]":
                guard depth > 0 else { throw LineError(message: "has a \"\(scalars[index])\" that closes nothing") }
                depth -= 1
            case "," where depth == 0:
                tokens.append(Substring(scalars[start..<index]).casbinTrimmed)
                start = scalars.index(after: index)
            default: break
            }
            index = scalars.index(after: index)
        }
        tokens.append(Substring(scalars[start...]).casbinTrimmed)
        return tokens
    }
}

extension Substring {
    /// Without leading and trailing Unicode whitespace, as Python's `str.strip()` (which Casbin uses).
    fileprivate var casbinTrimmed: Substring {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return self[endIndex...] }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        return Substring(scalars[first...last])
    }
}
