extension Response {
    /// The CGI-style response head and body a FastCGI responder writes (`Status:` line, headers, blank line),
    /// into `out` (emptied first; a worker reuses one buffer, so answering allocates nothing once it has grown).
    /// Header values hold no line breaks (``Headers`` drops them on the way in), so they are copied as they are.
    public func serialize(into out: inout [UInt8]) {
        let hasBody = status != 204 && status != 304
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(1024 + (hasBody ? body.count : 0))
        out.append(contentsOf: "Status: ".utf8)
        Self.appendDecimal(status, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: HTTPStatus.reason(status).utf8)
        out.append(contentsOf: "\r\n".utf8)
        for field in headers.fields {
            // Content-Length is computed here.
            if field.name.equalsIgnoringASCIICase("Content-Length") { continue }
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: field.value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        if hasBody {
            out.append(contentsOf: "Content-Length: ".utf8)
            Self.appendDecimal(body.count, to: &out)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: "\r\n".utf8)
        if hasBody { out.append(contentsOf: body) }
    }

    /// The decimal digits of a non-negative `value`.
    static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0)
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}
