/// Reads Casbin policy lines (API.md "Policies") from CSV text or from the `{"lines": [...]}` array, with
/// Casbin's CSV rules as pycasbin's file adapter applies them: each line is trimmed; an empty line or one
/// starting with `#` is skipped (there are no comments after a field); fields are split at commas outside
/// `(…)` and `[…]` and each is trimmed; there is no quoting (`"` is an ordinary character).
///
/// Stricter than Casbin, which skips or truncates quietly or fails later at its first request: a line type
/// other than `p` or `g`, a wrong number of fields (Casbin cuts a `g` line's extra fields), an empty field,
/// a field holding a comma (inside brackets), an unbalanced `)` or `]` (pycasbin crashes), control characters,
/// and anything over ``Limits`` are errors naming the line. A byte order mark before the first line is ignored
/// (Casbin would read it as part of the line type and skip the line).
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
        // A byte order mark would make the first line's type "\u{FEFF}p" (Casbin then skips that line quietly).
        let text = text.hasPrefix("\u{FEFF}") ? text.dropFirst() : Substring(text)
        // By bytes: as Characters, "\r\n" is one grapheme and would not split at "\n".
        var rows = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if rows.last?.isEmpty == true { rows.removeLast() }  // the final line end
        return try read(rows)
    }

    /// The lines of a JSON `lines` array, one line per element; problems name `lines[N]`, N counted from 1.
    /// - Throws: ``AuthorizationError/invalidPolicy`` with every problem found (up to `maxProblems`).
    public func read(lines: [String]) throws(AuthorizationError) -> [PolicyLine] {
        try read(lines.map { Substring($0).utf8 })
    }

    private func read(_ rows: [Substring.UTF8View]) throws(AuthorizationError) -> [PolicyLine] {
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

    /// One line, or nil for a blank line or a comment. Works on UTF-8 bytes: the separators and brackets are
    /// ASCII, which never occurs inside a multi-byte character, so a split by bytes is a split by characters.
    func parse(_ row: Substring.UTF8View) throws(LineError) -> PolicyLine? {
        guard row.count <= limits.maxLineBytes else {
            throw LineError(message: "longer than \(limits.maxLineBytes) bytes")
        }
        let line = Self.trimmed(row)
        if let bad = line.first(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7f }) {
            throw LineError(message: "holds the control character U+\(String(bad, radix: 16, uppercase: true))")
        }
        if line.isEmpty || line.first == UInt8(ascii: "#") { return nil }
        let tokens = try Self.tokens(of: line)
        let type = String(Substring(tokens[0]))
        let names: [String]
        switch type {
        case "p": names = Self.permissionFields
        case "g": names = Self.groupingFields
        default: throw LineError(message: "the line type is \"\(type)\"; expected p or g")
        }
        let fields = tokens.dropFirst()
        guard fields.count == names.count else {
            throw LineError(
                message: "a \(type) line has \(names.count) fields after the type (\(names.joined(separator: ", "))), "
                    + "this one has \(fields.count)")
        }
        for (name, field) in zip(names, fields) {
            if field.isEmpty { throw LineError(message: "the \(name) is empty") }
            if field.contains(UInt8(ascii: ",")) { throw LineError(message: "the \(name) contains a comma") }
            if field.count > limits.maxFieldBytes {
                throw LineError(message: "the \(name) is longer than \(limits.maxFieldBytes) bytes")
            }
        }
        let f = fields.map { String(Substring($0)) }
        return type == "p"
            ? .permission(subject: f[0], domain: f[1], object: f[2], action: f[3])
            : .grouping(subject: f[0], role: f[1], domain: f[2])
    }

    /// Casbin's split: commas outside `(…)` and `[…]` end a field; every field is trimmed.
    static func tokens(of line: Substring.UTF8View) throws(LineError) -> [Substring.UTF8View] {
        var tokens: [Substring.UTF8View] = []
        var depth = 0
        var start = line.startIndex
        var index = line.startIndex
        while index < line.endIndex {
            switch line[index] {
            case UInt8(ascii: "("), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"):
                guard depth > 0 else {
                    throw LineError(message: "has a \"\(Character(Unicode.Scalar(line[index])))\" that closes nothing")
                }
                depth -= 1
            case UInt8(ascii: ",") where depth == 0:
                tokens.append(trimmed(line[start..<index]))
                start = line.index(after: index)
            default: break
            }
            index = line.index(after: index)
        }
        tokens.append(trimmed(line[start...]))
        return tokens
    }

    /// Without leading and trailing whitespace, as Python's `str.strip()` (which Casbin uses): ASCII whitespace
    /// by byte, anything else by its Unicode White_Space property.
    static func trimmed(_ bytes: Substring.UTF8View) -> Substring.UTF8View {
        var bytes = bytes
        while let first = bytes.first, first == 0x20 || (0x09...0x0d).contains(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || (0x09...0x0d).contains(last) { bytes = bytes.dropLast() }
        guard let first = bytes.first, let last = bytes.last, first >= 0x80 || last >= 0x80 else { return bytes }
        let scalars = Substring(bytes).unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else {
            return Substring(bytes)[bytes.endIndex...].utf8
        }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        let kept = Substring(scalars[start...end]).utf8
        return kept.count == bytes.count ? bytes : trimmed(kept)
    }
}
