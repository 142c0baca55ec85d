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
        var builder = Builder()
        for (name, value) in pairs {
            if name.utf8.count > 5, name.hasPrefix("HTTP_") {
                builder.addHeader(headerName(fromCGI: name.utf8.dropFirst(5)), value)
            } else {
                builder.addCGI(name, value)
            }
        }
        self = builder.parameters
    }

    /// From the bytes a worker copied out of libfcgi (``RawParameters``), as ``FCGIRequest`` reads them.
    public init(_ raw: RawParameters) {
        var builder = Builder()
        raw.forEachEntry { name, value in builder.add(name: name, value: value) }
        self = builder.parameters
    }

    private init(cgi: [(String, String)], headerFields: [(String, String)]) {
        pairs = cgi
        headers = Headers(fromFastCGI: headerFields)
    }

    /// Collects parameters as they are read, splitting CGI parameters from headers in one place (the FastCGI
    /// reader names `HTTP_*` headers straight from the C bytes, without a `String` of the CGI name first).
    struct Builder {
        private var cgi: [(String, String)] = []
        private var fields: [(String, String)] = []

        /// An `HTTP_*` parameter, its name already a header name (``headerName(fromCGI:)``).
        mutating func addHeader(_ name: String, _ value: String) {
            fields.append((name, value))
        }

        /// Any other parameter; a non-empty `CONTENT_TYPE` or `CONTENT_LENGTH` is a header too.
        mutating func addCGI(_ name: String, _ value: String) {
            cgi.append((name, value))
            if name == "CONTENT_TYPE" || name == "CONTENT_LENGTH", !value.isEmpty {
                fields.append((headerName(fromCGI: name.utf8), value))
            }
        }

        /// One entry's name and value bytes (``RawParameters``); `HTTP_*` names become header names straight
        /// from the bytes.
        mutating func add(name: some Collection<UInt8>, value bytes: some Collection<UInt8>) {
            let value = String(decoding: bytes, as: UTF8.self)
            if name.count > Self.headerPrefix.count, name.starts(with: Self.headerPrefix) {
                addHeader(headerName(fromCGI: name.dropFirst(Self.headerPrefix.count)), value)
            } else {
                addCGI(String(decoding: name, as: UTF8.self), value)
            }
        }

        private static let headerPrefix = Array("HTTP_".utf8)

        var parameters: FastCGIParameters { FastCGIParameters(cgi: cgi, headerFields: fields) }
    }

    /// The first value of the CGI parameter `name` (not an `HTTP_*` one: see ``headers``).
    public subscript(name: String) -> String? {
        pairs.first { $0.0 == name }?.1
    }

    /// The declared body length: nil when absent, an error when not a number.
    public func contentLength() throws(HTTPError) -> Int? {
        try Self.contentLength(self["CONTENT_LENGTH"])
    }

    /// `CONTENT_LENGTH` read as ``contentLength()`` reads it.
    static func contentLength(_ text: String?) throws(HTTPError) -> Int? {
        guard let text, !text.isEmpty else { return nil }
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
