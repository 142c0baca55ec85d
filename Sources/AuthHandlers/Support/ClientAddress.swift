public import FCGIHost

extension Request {
    /// The client's address: nginx's `REMOTE_ADDR`, or, when that peer is one of `trustedProxies`, the right-most
    /// `X-Forwarded-For` entry that is not itself a trusted proxy (DESIGN.md: never believe a client's own header).
    public func clientAddress(trustedProxies: [CIDR]) -> String {
        guard !trustedProxies.isEmpty, trustedProxies.contains(address: remoteAddress),
            let forwarded = headers.values("X-Forwarded-For").last
        else { return remoteAddress }
        let hops = forwarded.split(separator: ",").map { $0.trimmingWhitespace() }
        for hop in hops.reversed() where !hop.isEmpty {
            guard IPAddress(hop) != nil else { return remoteAddress }
            if !trustedProxies.contains(address: hop) { return hop }
        }
        return hops.first(where: { IPAddress($0) != nil }) ?? remoteAddress
    }

    /// The `User-Agent`, cut to a length worth storing.
    public var userAgent: String? {
        headers["User-Agent"].map { String($0.prefix(512)) }
    }
}
