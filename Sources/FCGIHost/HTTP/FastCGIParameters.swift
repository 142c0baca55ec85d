/// Turns the FastCGI parameters nginx sends (`nginx/gatehouse-fastcgi.conf` lists them) into request parts.
public struct FastCGIParameters: Sendable {
    public let values: [String: String]

    public init(_ pairs: [(String, String)]) {
        var values: [String: String] = [:]
        for (name, value) in pairs where values[name] == nil { values[name] = value }
        self.values = values
    }

    /// The declared body length: nil when absent, an error when not a number.
    public func contentLength() throws(HTTPError) -> Int? {
        guard let text = values["CONTENT_LENGTH"], !text.isEmpty else { return nil }
        guard let length = Int(text), length >= 0 else {
            throw HTTPError(.badRequest, code: "invalid_request", detail: "Content-Length is not a number.")
        }
        return length
    }

    /// Headers from `HTTP_*` (`HTTP_X_REQUESTED_WITH` → `X-Requested-With`) plus `CONTENT_TYPE` and `CONTENT_LENGTH`.
    public var headers: Headers {
        var headers = Headers()
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            if name.hasPrefix("HTTP_") {
                headers.add(Self.headerName(name.dropFirst(5)), value)
            } else if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH", !value.isEmpty {
                headers.add(Self.headerName(Substring(name)), value)
            }
        }
        return headers
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

    static func headerName(_ cgiName: Substring) -> String {
        cgiName.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }
            .joined(separator: "-")
    }
}
