/// The decoded `name=value` pairs of a query string, in order.
public struct QueryParameters: Sendable {
    public let pairs: [(name: String, value: String)]

    /// No parameters.
    public init() {
        pairs = []
    }

    /// Parses `a=1&b=two+words&c=%C3%A9`; a pair that does not decode is an error (400), not silently dropped.
    public init(parsing query: String) throws(HTTPError) {
        var pairs: [(name: String, value: String)] = []
        for piece in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = piece.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = PercentDecoding.decode(parts[0], plusAsSpace: true),
                let value = PercentDecoding.decode(parts.count > 1 ? parts[1] : "", plusAsSpace: true)
            else {
                throw HTTPError(.badRequest, code: "invalid_request", detail: "The query string is not valid percent-encoded UTF-8.")
            }
            pairs.append((name: name, value: value))
        }
        self.pairs = pairs
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value of `name`.
    public func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }
}
