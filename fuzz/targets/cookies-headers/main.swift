// Cookie and header parsing: `Cookie` headers, `X-Forwarded-For` behind trusted proxies, media types,
// header lookups by any name, API keys in `X-API-Key`. Parts are separated by NUL bytes.
import FuzzSupport
@testable import FCGIHost
@testable import AuthHandlers

let trusted = [CIDR("127.0.0.1")!, CIDR("10.0.0.0/8")!, CIDR("fd00::/8")!]

runFuzzer { bytes in
    let p = parts(of: bytes, count: 5)
    let headers = Headers([
        ("Cookie", text(p[0])), ("Cookie", text(p[1])), ("X-Forwarded-For", text(p[2])), ("Content-Type", text(p[3])),
        (text(p[4]), text(p[1])),
    ])
    let request = Request(
        method: "GET", path: "/auth/verify", query: QueryParameters(), headers: headers, remoteAddress: "10.1.2.3")
    let cookies = request.cookies
    _ = cookies["gh_refresh"]
    _ = cookies[text(p[4])]
    _ = request.mediaType
    _ = request.clientAddress(trustedProxies: trusted)
    _ = headers.values(text(p[4]))
    _ = headers[text(p[3])]
    _ = Headers.singleLine(text(p[2]))
    _ = APIKey(parsing: text(p[0]))
    _ = headerName(fromCGI: p[4])
}
