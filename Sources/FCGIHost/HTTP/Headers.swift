/// Request or response headers: ordered name/value pairs, looked up without regard to case.
///
/// Names are compared ASCII-case-insensitively in place (RFC 9110 §5.1), so a lookup allocates nothing. A value
/// never holds CR or LF: they are dropped when a field is added, so no header can break the response head, and
/// writing the head needs no check (identity headers, cached per token, are checked once).
public struct Headers: Sendable, Sequence {
    private(set) var fields: [(name: String, value: String)]

    public init(_ fields: [(String, String)] = []) {
        self.fields = fields.map { (name: $0.0, value: Self.singleLine($0.1)) }
    }

    /// Fields as nginx passed them over FastCGI: values without line breaks (nginx refuses a header with one),
    /// taken as they are.
    init(fromFastCGI fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    /// The first value for `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        fields.first { $0.name.equalsIgnoringASCIICase(name) }?.value
    }

    /// Every value for `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.equalsIgnoringASCIICase(name) }.map(\.value)
    }

    /// Adds a field, keeping any existing ones of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: Self.singleLine(value)))
    }

    /// Replaces every field of that name with one value.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { $0.name.equalsIgnoringASCIICase(name) }
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// The value without CR and LF.
    static func singleLine(_ value: String) -> String {
        let bytes = value.utf8
        guard bytes.contains(where: { $0 == 13 || $0 == 10 }) else { return value }
        return String(decoding: bytes.filter { $0 != 13 && $0 != 10 }, as: UTF8.self)
    }
}
