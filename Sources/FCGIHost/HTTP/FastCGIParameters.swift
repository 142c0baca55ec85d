/// Turns the FastCGI parameters nginx sends (`nginx/gatehouse-fastcgi.conf` lists them) into request parts.
public struct FastCGIParameters: Sendable {
    public let values: [String: String]
    /// The parameters in the order nginx sent them (headers keep their order).
    let pairs: [(String, String)]

    public init(_ pairs: [(String, String)]) {
        var values: [String: String] = [:]
        for (name, value) in pairs where values[name] == nil { values[name] = value }
        self.values = values
        self.pairs = pairs
    }

    /// The declared body length: nil when absent, an error when not a number.
    public func contentLength() throws(HTTPError) -> Int? {
        guard let text = values["CONTENT_LENGTH"], !text.isEmpty else { return nil }
        guard let length = Int(text), length >= 0 else {
            throw HTTPError(.badRequest, code: "invalid_request", detail: "Content-Length is not a number.")
        }
        return length
    }

    /// Headers from `HTTP_*` (`HTTP_X_REQUESTED_WITH` → `x-requested-with`) plus `CONTENT_TYPE` and `CONTENT_LENGTH`,
    /// in the order sent; a name nginx sent twice (a `fastcgi_param` and the client's header) counts once.
    public var headers: Headers {
        var fields: [(String, String)] = []
        fields.reserveCapacity(pairs.count)
        var seen: Set<String> = []
        for (name, value) in pairs where seen.insert(name).inserted {
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
        let method = values["REQUEST_METHOD"] ?? "GET"
        let target: String
        if let uri = values["REQUEST_URI"], uri.hasPrefix("/") {
            target = uri
        } else {
            let path = values["DOCUMENT_URI"] ?? values["SCRIPT_NAME"] ?? "/"
            let query = values["QUERY_STRING"] ?? ""
            target = query.isEmpty ? path : "\(path)?\(query)"
        }
        return try Request(
            method: method, target: target, headers: headers, remoteAddress: values["REMOTE_ADDR"] ?? "", body: body)
    }

    /// `X_REQUESTED_WITH` → `x-requested-with`, in one pass over the bytes.
    static func headerName(_ cgiName: Substring.UTF8View) -> String {
        String(decoding: cgiName.map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : ($0 >= 65 && $0 <= 90 ? $0 + 32 : $0) },
               as: UTF8.self)
    }
}
