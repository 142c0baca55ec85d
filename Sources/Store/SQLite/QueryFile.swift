/// One file of `RPC_DIR` as text: the function it names, its SQL, and the parameter types its header declares.
///
/// The file name is the function name (`active_users.sql` → `active_users`). Comment lines at the top may declare
/// a parameter's type, one per line; undeclared parameters take any JSON scalar:
///
///     -- Users who signed up since a time, newest first.
///     -- :since integer
///     SELECT id, email, created_at FROM users WHERE created_at >= :since ORDER BY created_at DESC LIMIT 100
///
/// Only the text is checked here; ``SQLiteProcedures`` has SQLite check the statement itself.
struct QueryFile: Equatable {
    /// Larger files are refused before they are read.
    static let maxBytes = 64 * 1024
    /// The type names a header may declare.
    static let types: [String: ParameterType] = [
        "integer": .integer(Int64.min...Int64.max), "real": .real, "text": .text, "boolean": .boolean,
        "json": .json, "blob": .blob, "any": .any,
    ]

    let name: String
    let sql: String
    /// Declared parameter types by parameter name (without the colon).
    let declaredTypes: [String: String]

    /// The function a file name gives, or nil when it is not a query file (`*.sql`).
    /// - Throws: ``StoreError/invalidQueryFile`` for a `.sql` file whose name is not an identifier.
    static func functionName(fileName: String) throws(StoreError) -> String? {
        guard fileName.hasSuffix(".sql") else { return nil }
        let name = String(fileName.dropLast(4))
        guard RemoteProcedures.isIdentifier(name) else {
            throw .invalidQueryFile(
                "\(fileName): the name before .sql must be a function name: letters, digits and _, not starting with "
                    + "a digit, at most 63 bytes")
        }
        return name
    }

    /// Parses the text of `fileName`.
    /// - Throws: ``StoreError/invalidQueryFile`` naming the file: not UTF-8, a NUL byte, a malformed or repeated
    ///   declaration, an unknown type, or a statement that does not start with SELECT, WITH or VALUES.
    static func parse(fileName: String, bytes: [UInt8]) throws(StoreError) -> QueryFile {
        guard let name = try functionName(fileName: fileName) else {
            throw .invalidQueryFile("\(fileName): a query file name ends in .sql")
        }
        guard bytes.count <= maxBytes else { throw .invalidQueryFile("\(fileName): larger than \(maxBytes) bytes") }
        guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidQueryFile("\(fileName): not UTF-8 text")
        }
        var declared: [String: String] = [:]
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            let line = line.drop(while: \.isWhitespace)
            if line.isEmpty { continue }
            guard line.hasPrefix("--") else { break }
            let comment = line.dropFirst(2).drop(while: \.isWhitespace)
            guard comment.hasPrefix(":") else { continue }
            let words = comment.dropFirst().split(whereSeparator: \.isWhitespace)
            guard words.count == 2, RemoteProcedures.isIdentifier(words[0]) else {
                throw .invalidQueryFile("\(fileName): a declaration reads `-- :name type`, not `\(line.prefix(80))`")
            }
            let (parameter, type) = (String(words[0]), words[1].lowercased())
            guard types[type] != nil else {
                throw .invalidQueryFile(
                    "\(fileName): :\(parameter) has type \(words[1].prefix(40)); the types are "
                        + types.keys.sorted().joined(separator: ", "))
            }
            guard declared.updateValue(type, forKey: parameter) == nil else {
                throw .invalidQueryFile("\(fileName): :\(parameter) is declared twice")
            }
        }
        let keyword = firstKeyword(text)
        guard ["SELECT", "WITH", "VALUES"].contains(keyword) else {
            throw .invalidQueryFile(
                "\(fileName): a query file holds one SELECT (or WITH … SELECT, or VALUES), not "
                    + (keyword.isEmpty ? "nothing" : String(keyword.prefix(20))))
        }
        return QueryFile(name: name, sql: text, declaredTypes: declared)
    }

    /// The first word of `sql` after whitespace and comments, upper-cased.
    static func firstKeyword(_ sql: String) -> String {
        var rest = sql.unicodeScalars[...]
        while let first = rest.first {
            if first.properties.isWhitespace {
                rest = rest.dropFirst()
            } else if rest.starts(with: "--".unicodeScalars) {
                rest = rest.drop { $0 != "\n" }
            } else if rest.starts(with: "/*".unicodeScalars) {
                let body = rest.dropFirst(2)
                guard let end = body.firstRange(of: "*/".unicodeScalars) else { return "" }
                rest = body[end.upperBound...]
            } else {
                break
            }
        }
        let word = rest.prefix { $0.properties.isAlphabetic && $0.isASCII }
        return String(String.UnicodeScalarView(word)).uppercased()
    }
}
