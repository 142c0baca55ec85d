/// One HTTP request as nginx handed it over FastCGI: copied into Swift values, nothing borrowed from C.
public struct Request: Sendable, CustomStringConvertible {
    /// The method, upper case (`GET`, `POST`, ...).
    public let method: String
    /// The path as sent, without the query; segments are percent-decoded when routed.
    public let path: String
    /// The decoded query parameters.
    public let query: QueryParameters
    public let headers: Headers
    /// Parsed when asked for: few routes read cookies, and most requests carry none.
    public var cookies: Cookies { Cookies(headerValues: headers.values("Cookie")) }
    /// The peer nginx saw (`REMOTE_ADDR`); see ``clientAddress(trustedProxies:)`` for the client behind proxies.
    public let remoteAddress: String
    public let body: [UInt8]
    /// Path parameters filled in by the router (`/users/{id}` → `id`).
    public internal(set) var parameters: Parameters = Parameters()
    /// The route pattern that matched, for logs and metrics; empty before routing.
    public internal(set) var route: String = ""

    public init(
        method: String, path: String, query: QueryParameters, headers: Headers, remoteAddress: String,
        body: [UInt8] = []
    ) {
        self.method = method.utf8.contains(where: { $0 >= 97 && $0 <= 122 }) ? method.uppercased() : method
        self.path = path
        self.query = query
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.body = body
    }

    /// Builds a request from a target such as `/users?limit=10`; used by tests and by the FastCGI reader.
    public init(
        method: String, target: String, headers: Headers = Headers(), remoteAddress: String = "127.0.0.1",
        body: [UInt8] = []
    ) throws(HTTPError) {
        var path = target
        var query = QueryParameters()
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(target[..<mark])
            query = try QueryParameters(parsing: String(target[target.utf8.index(after: mark)...]))
        }
        self.init(method: method, path: path, query: query, headers: headers, remoteAddress: remoteAddress, body: body)
    }

    /// The media type of the body, lower case, without parameters (`application/json`).
    public var mediaType: String? {
        headers["Content-Type"].map {
            // `Content-Type: ;` has no piece when empty ones are left out: keep them, so there is always a first.
            $0.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingWhitespace().lowercased()
        }
    }

    /// Leaves out the body, `Authorization` and `Cookie` (STYLE.md rule 18).
    public var description: String {
        let shown = headers.filter { !["authorization", "cookie", "x-api-key", "x-service-token"].contains($0.name.lowercased()) }
            .map { "\($0.name): \($0.value)" }
        return "Request(\(method) \(path), headers: \(shown), body: \(body.count) bytes)"
    }
}
