/// Turns the FastCGI parameters nginx sends (`nginx/gatehouse-fastcgi.conf` lists them) into request parts.
public struct FastCGIParameters: Sendable {
    /// The CGI parameters (`REQUEST_METHOD`, `REQUEST_URI`, ...), in the order nginx sent them. A linear search
    /// over a few short names is cheaper than hashing them all into a dictionary on every request.
    let pairs: [(String, String)]
    /// The request headers: `HTTP_*` (`HTTP_X_REQUESTED_WITH` → `x-requested-with`) plus non-empty
    /// `CONTENT_TYPE` and `CONTENT_LENGTH`, in the order sent; lookups return the first of a name nginx sent
    /// twice (a `fastcgi_param` comes first).
    public let headers: Headers

    /// From name/value pairs as nginx sends them.
    public init(_ pairs: [(String, String)]) {
        var cgi: [(String, String)] = []
        var fields: [(String, String)] = []
        fields.reserveCapacity(pairs.count)
        for (name, value) in pairs {
            if name.hasPrefix("HTTP_") {
                fields.append((headerName(fromCGI: name.utf8.dropFirst(5)), value))
            } else {
                cgi.append((name, value))
                if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH", !value.isEmpty {
                    fields.append((headerName(fromCGI: name.utf8[...]), value))
                }
            }
        }
        self.init(cgi: cgi, headerFields: fields)
    }

    /// From CGI parameters and header fields already split and named (the FastCGI reader builds them so).
    init(cgi: [(String, String)], headerFields: [(String, String)]) {
        pairs = cgi
        headers = Headers(fromFastCGI: headerFields)
    }

    /// The first value of the CGI parameter `name` (not an `HTTP_*` one: see ``headers``).
    public subscript(name: String) -> String? {
        pairs.first { $0.0 == name }?.1
    }

    /// The declared body length: nil when absent, an error when not a number.
    public func contentLength() throws(HTTPError) -> Int? {
        guard let text = self["CONTENT_LENGTH"], !text.isEmpty else { return nil }
        guard let length = Int(text), length >= 0 else {
            throw HTTPError(.badRequest, code: "invalid_request", detail: "Content-Length is not a number.")
        }
        return length
    }

    /// The request, given its body (read separately under the size limit).
    public func request(body: [UInt8]) throws(HTTPError) -> Request {
        let method = self["REQUEST_METHOD"] ?? "GET"
        let target: String
        if let uri = self["REQUEST_URI"], uri.hasPrefix("/") {
            target = uri
        } else {
            let path = self["DOCUMENT_URI"] ?? self["SCRIPT_NAME"] ?? "/"
            let query = self["QUERY_STRING"] ?? ""
            target = query.isEmpty ? path : "\(path)?\(query)"
        }
        return try Request(
            method: method, target: target, headers: headers, remoteAddress: self["REMOTE_ADDR"] ?? "", body: body)
    }

}
