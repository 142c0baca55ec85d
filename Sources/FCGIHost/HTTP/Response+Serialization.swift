extension Response {
    /// The CGI-style response head and body a FastCGI responder writes (`Status:` line, headers, blank line).
    /// Built on bytes without intermediate strings, into `out` (emptied first; a worker reuses one buffer, so
    /// answering allocates nothing once it has grown): header values such as `X-Auth-Context` are long, and
    /// this runs on every request.
    func serialize(into out: inout [UInt8]) {
        let hasBody = status != 204 && status != 304
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(256 + (hasBody ? body.count : 0) + headers.reduce(0) { $0 + $1.value.utf8.count })
        out.append(contentsOf: "Status: ".utf8)
        Self.appendDecimal(status, to: &out)
        out.append(UInt8(ascii: " "))
        out.append(contentsOf: HTTPStatus.reason(status).utf8)
        out.append(contentsOf: "\r\n".utf8)
        for (key, field) in zip(headers.keys, headers.fields) where key != "content-length" {
            out.append(contentsOf: field.name.utf8)
            out.append(contentsOf: ": ".utf8)
            // A header value never carries a line break into the head (checked in one pass, copied in one go).
            let value = field.value.utf8
            if value.contains(where: { $0 == 13 || $0 == 10 }) {
                for byte in value where byte != 13 && byte != 10 { out.append(byte) }
            } else {
                out.append(contentsOf: value)
            }
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
