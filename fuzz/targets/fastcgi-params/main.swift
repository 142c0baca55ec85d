// The FastCGI parameter reader: NUL-separated `NAME=VALUE` entries, as libfcgi hands them over, through the
// same path as a worker (RawParameters.append(entry:), then FastCGIParameters(raw)), then the request built from
// them; the fast lane's lookups (RawParameters.cgi, .header) on the same bytes.
import FuzzSupport
@testable import FCGIHost
@testable import AuthHandlers

let trusted = [CIDR("127.0.0.1")!, CIDR("10.0.0.0/8")!, CIDR("::1")!]

runFuzzer { bytes in
    var raw = RawParameters()
    for entry in bytes.split(separator: 0, omittingEmptySubsequences: false) {
        raw.append(entry: entry)
    }
    _ = raw.cgi("REQUEST_URI")
    _ = raw.header("x-api-key")
    _ = RawParameters.value(raw.cgi("REQUEST_METHOD"), is: "GET")
    let parameters = FastCGIParameters(raw)
    _ = try? parameters.contentLength()
    guard let request = try? parameters.request(body: []) else { return }
    _ = request.mediaType
    _ = request.cookies["gh_refresh"]
    _ = request.clientAddress(trustedProxies: trusted)
    _ = request.userAgent
    _ = request.description
}
