#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import FCGIHost
public import Store

/// Token buckets in SQLite keyed by route class and client IP (or identifier), so every worker and every
/// restart sees the same counts (DESIGN.md "Abuse protection").
public struct RateLimiter {
    let limits: RateLimits
    let config: Config
    let metrics: Metrics?

    public init(database: Database, config: Config, metrics: Metrics?) {
        limits = RateLimits(db: database)
        self.config = config
        self.metrics = metrics
    }

    /// Takes one token from the bucket `routeClass` + `key`; throws 429 `rate_limited` with `Retry-After` when empty.
    /// `routeClass` names a `RATE_LIMIT_*` setting in lower case (`login`, `register`, `reset`, `refresh`, `api`).
    public func check(_ routeClass: String, key: String, now: Date = Date()) throws {
        guard let limit = config.rateLimits[routeClass], limit.isEnabled else { return }
        let result = try limits.take(
            key: "\(routeClass):\(key)", capacity: Double(limit.capacity), refillPerSecond: limit.refillPerSecond, now: now)
        guard result.allowed else {
            metrics?.increment("auth_rate_limited_total")
            throw HTTPError(
                .tooManyRequests, code: "rate_limited", detail: "Too many requests; try again later.",
                headers: Headers([("Retry-After", "\(max(1, result.retryAfterSeconds))")]))
        }
    }
}

extension RateLimiter {
    /// The bucket key of a client address: an IPv4 address as it is (an IPv4-mapped IPv6 address counts as its
    /// IPv4 address), an IPv6 address by its `RATE_LIMIT_IPV6_PREFIX` block (`2001:db8:1:2:0:0:0:0/64`), since
    /// one subscriber holds a whole /64 and could otherwise take a fresh bucket per request.
    public static func addressKey(_ address: String, ipv6Prefix: Int) -> String {
        guard let parsed = IPAddress(address) else { return String(address.utf8.prefix(64)) ?? "unknown" }
        return parsed.isV4 ? parsed.description : "\(parsed.masked(prefixLength: ipv6Prefix))/\(ipv6Prefix)"
    }

    /// The bucket key of the request's client (``addressKey(_:ipv6Prefix:)`` of its address).
    public func clientKey(_ request: Request) -> String {
        Self.addressKey(request.clientAddress(trustedProxies: config.trustedProxies), ipv6Prefix: config.rateLimitIPv6Prefix)
    }

    /// The routes the `api` class (`RATE_LIMIT_API`) covers: management, business and `/connection/rpc` (a call
    /// may hold a worker for `RPC_TIMEOUT`), not `/auth/verify` (one subrequest per page asset) nor health and
    /// metrics. The login-like routes have classes of their own.
    public static let apiPrefixes = [
        "/users", "/roles", "/permissions", "/policies", "/audit", "/v1/", "/connection/rpc", "/clients", "/sdk/",
    ]

    /// Middleware taking one `api` token per request, keyed by client address; the router applies it to
    /// ``apiPrefixes`` (`router.use(pathPrefixes: RateLimiter.apiPrefixes, rateLimiter.apiMiddleware)`).
    public func apiMiddleware(_ request: Request, _ context: RequestContext, _ next: Router.Handler) throws -> Response {
        try check("api", key: clientKey(request), now: context.receivedAt)
        return try next(request, context)
    }
}
