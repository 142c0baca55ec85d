// The FastCGI parameter reader: NUL-separated `NAME=VALUE` entries, as libfcgi hands them over, through the
// same reader as a worker (FastCGIParameters.Builder.add(entry:)), then the request built from them.
import FuzzSupport
@testable import FCGIHost
@testable import AuthHandlers

let trusted = [CIDR("127.0.0.1")!, CIDR("10.0.0.0/8")!, CIDR("::1")!]

runFuzzer { bytes in
    var builder = FastCGIParameters.Builder()
    for entry in bytes.split(separator: 0, omittingEmptySubsequences: false) {
        builder.add(entry: entry)
    }
    let parameters = builder.parameters
    _ = try? parameters.contentLength()
    guard let request = try? parameters.request(body: []) else { return }
    _ = request.mediaType
    _ = request.cookies["gh_refresh"]
    _ = request.clientAddress(trustedProxies: trusted)
    _ = request.userAgent
    _ = request.description
}
