public import FCGIHost
import Crypto

/// The `X-Service-Token` of the `/internal/*` routes: `SERVICE_SECRET` itself, sent by trusted backend services.
///
/// ```swift
/// let serviceToken = ServiceToken(config: config)
/// try serviceToken.require(request)    // 401 token_missing / token_invalid, 503 without a secret
/// ```
public struct ServiceToken: Sendable {
    /// SHA-256 of `SERVICE_SECRET`; nil when it is unset. Comparing digests keeps the comparison constant-time
    /// whatever the length of what a caller sends (``constantTimeEqual(_:_:)-([UInt8],_)`` returns early on a
    /// length difference).
    let secretDigest: [UInt8]?

    public init(config: Config) {
        secretDigest = config.serviceSecret.isEmpty ? nil : SHA256.hash(config.serviceSecret)
    }

    /// Returns when the request carries the service secret.
    /// - Throws: 401 `token_missing` (no header), 401 `token_invalid` (another value), or 503 `unavailable` when
    ///   `SERVICE_SECRET` is not configured: no caller can be right then, and the operator must fix it.
    public func require(_ request: Request) throws(HTTPError) {
        guard let secretDigest else { throw Self.notConfigured }
        guard let presented = request.headers["X-Service-Token"], !presented.isEmpty else { throw Self.missing }
        guard constantTimeEqual(SHA256.hash(presented), secretDigest) else { throw Self.invalid }
    }

    static let missing = HTTPError(
        .unauthorized, code: "token_missing", detail: "This needs the service token (X-Service-Token).")
    static let invalid = HTTPError(.unauthorized, code: "token_invalid", detail: "The service token is not valid.")
    static let notConfigured = HTTPError(
        .serviceUnavailable, code: "unavailable", detail: "Internal routes are off: SERVICE_SECRET is not configured.",
        headers: Headers([("Retry-After", "60")]))
}
