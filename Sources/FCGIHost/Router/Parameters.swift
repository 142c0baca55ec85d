/// Path parameters captured by the router, percent-decoded.
public struct Parameters: Sendable {
    private var values: [String: String] = [:]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(name: String) -> String? { values[name] }

    /// The parameter `name`; a route that declares it always has it, so a miss is a programming error (500).
    public func require(_ name: String) throws(HTTPError) -> String {
        guard let value = values[name] else { throw HTTPError.internalError }
        return value
    }

    mutating func set(_ name: String, _ value: String) { values[name] = value }
}
