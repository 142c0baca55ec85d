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
    /// The routes the `api` class (`RATE_LIMIT_API`) covers: management and business, not `/auth/verify` (one
    /// subrequest per page asset) nor health and metrics. The login-like routes have classes of their own.
    public static let apiPrefixes = ["/users", "/roles", "/permissions", "/audit", "/v1/"]

    /// Middleware taking one `api` token per request, keyed by client address; the router applies it to
    /// ``apiPrefixes`` (`router.use(pathPrefixes: RateLimiter.apiPrefixes, rateLimiter.apiMiddleware)`).
    public func apiMiddleware(_ request: Request, _ context: RequestContext, _ next: Router.Handler) throws -> Response {
        try check("api", key: request.clientAddress(trustedProxies: config.trustedProxies), now: context.receivedAt)
        return try next(request, context)
    }
}
