/// Request or response headers: ordered name/value pairs, looked up without regard to case.
public struct Headers: Sendable, Sequence {
    private(set) var fields: [(name: String, value: String)]
    /// The names lower-cased once, parallel to `fields`, so lookups do not allocate.
    private(set) var keys: [String]

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
        keys = fields.map { Self.lowercase($0.0) }
    }

    /// Fields whose names are already lower case (the FastCGI reader makes them so), without copying them again.
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
        fields.append((name: name, value: value))
        keys.append(Self.lowercase(name))
    }

    /// Replaces every field of that name with one value.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        let wanted = Self.lowercase(name)
        for index in keys.indices.reversed() where keys[index] == wanted {
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
}
