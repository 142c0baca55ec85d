extension Response {
    /// The CGI-style response head and body a FastCGI responder writes (`Status:` line, headers, blank line).
    func serialized() -> [UInt8] {
        var head = "Status: \(status) \(HTTPStatus.reason(status))\r\n"
        for field in headers where field.name.lowercased() != "content-length" {
            // A header value never carries a line break into the head.
            let value = field.value.filter { $0 != "\r" && $0 != "\n" }
            head += "\(field.name): \(value)\r\n"
        }
        if status != 204 && status != 304 { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        return Array(head.utf8) + (status == 204 || status == 304 ? [] : body)
    }
}
