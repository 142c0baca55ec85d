/// Request or response headers: ordered name/value pairs, looked up without regard to case.
///
/// A value never holds CR or LF: they are dropped when a field is added, so no header can break the response
/// head, and writing the head needs no check (identity headers, cached per token, are checked once).
public struct Headers: Sendable, Sequence {
    private(set) var fields: [(name: String, value: String)]
    /// The names lower-cased once, parallel to `fields`, so lookups do not allocate.
    private(set) var keys: [String]

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: Self.singleLine($0.1)) }
        keys = fields.map { Self.lowercase($0.0) }
    }

    /// Fields as nginx passed them over FastCGI: names already lower case, values without line breaks (nginx
    /// refuses a header with one), taken without copying them again.
    init(lowercasedFields: [(String, String)]) {
        fields = lowercasedFields.map { (name: $0.0, value: $0.1) }
        keys = lowercasedFields.map(\.0)
    }

    /// The first value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        let wanted = Self.lowercase(name)
        return keys.firstIndex(of: wanted).map { fields[$0].value }
    }

    /// Every value for `name`, in order.
    public func values(_ name: String) -> [String] {
        let wanted = Self.lowercase(name)
        return keys.indices.filter { keys[$0] == wanted }.map { fields[$0].value }
    }

    /// Adds a field, keeping any existing ones of the same name.
    public mutating func add(_ name: String, _ value: String) {
        append(name, key: Self.lowercase(name), value)
    }

    /// Replaces every field of that name with one value.
    public mutating func set(_ name: String, _ value: String) {
        let key = Self.lowercase(name)
        remove(key: key)
        append(name, key: key, value)
    }

    public mutating func remove(_ name: String) {
        remove(key: Self.lowercase(name))
    }

    private mutating func append(_ name: String, key: String, _ value: String) {
        fields.append((name: name, value: Self.singleLine(value)))
        keys.append(key)
    }

    private mutating func remove(key: String) {
        for index in keys.indices.reversed() where keys[index] == key {
            keys.remove(at: index)
            fields.remove(at: index)
        }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// ASCII lower-casing (field names are ASCII tokens), without a copy when the name is already lower case.
    static func lowercase(_ name: String) -> String {
        name.asciiLowercased()
    }

    /// The value without CR and LF.
    static func singleLine(_ value: String) -> String {
        let bytes = value.utf8
        guard bytes.contains(where: { $0 == 13 || $0 == 10 }) else { return value }
        return String(decoding: bytes.filter { $0 != 13 && $0 != 10 }, as: UTF8.self)
    }
}
