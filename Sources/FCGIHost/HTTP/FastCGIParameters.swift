/// Turns the FastCGI parameters nginx sends (`nginx/gatehouse-fastcgi.conf` lists them) into request parts.
public struct FastCGIParameters: Sendable {
    /// The parameters in the order nginx sent them (headers keep their order). A linear search over a few
    /// dozen short names is cheaper than hashing them all into a dictionary on every request.
    let pairs: [(String, String)]

    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs
    }

    /// The first value of the parameter `name`.
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

    /// Headers from `HTTP_*` (`HTTP_X_REQUESTED_WITH` → `x-requested-with`) plus `CONTENT_TYPE` and `CONTENT_LENGTH`,
    /// in the order sent; lookups return the first of a name nginx sent twice (a `fastcgi_param` comes first).
    public var headers: Headers {
        var fields: [(String, String)] = []
        fields.reserveCapacity(pairs.count)
        for (name, value) in pairs {
            if name.hasPrefix("HTTP_") {
                fields.append((Self.headerName(name.utf8.dropFirst(5)), value))
            } else if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH", !value.isEmpty {
                fields.append((Self.headerName(name.utf8[...]), value))
            }
        }
        return Headers(lowercasedFields: fields)
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

    /// `X_REQUESTED_WITH` → `x-requested-with`, in one pass over the bytes.
    static func headerName(_ cgiName: Substring.UTF8View) -> String {
        String(decoding: cgiName.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : ($0 >= 65 && $0 <= 90 ? $0 + 32 : $0) },
               as: UTF8.self)
    }
}
