public import FCGIHost

/// The 401s and 403s of token handling, with RFC 6750's `WWW-Authenticate` (API.md "Errors").
public enum AuthError {
    static let challenge = #"Bearer realm="gatehouse""#
    static let invalidTokenChallenge = #"Bearer realm="gatehouse", error="invalid_token""#

    public static let tokenMissing = HTTPError(
        .unauthorized, code: "token_missing", detail: "This needs an access token (Authorization: Bearer ...).",
        headers: Headers([("WWW-Authenticate", challenge)]))

    public static func tokenInvalid(_ detail: String = "The token is not valid.") -> HTTPError {
        HTTPError(.unauthorized, code: "token_invalid", detail: detail, headers: Headers([("WWW-Authenticate", invalidTokenChallenge)]))
    }

    public static let tokenExpired = HTTPError(
        .unauthorized, code: "token_expired", detail: "The token has expired.",
        headers: Headers([("WWW-Authenticate", invalidTokenChallenge)]))

    public static let tokenRevoked = HTTPError(
        .unauthorized, code: "token_revoked", detail: "The session of this token has been revoked.",
        headers: Headers([("WWW-Authenticate", invalidTokenChallenge)]))

    public static let invalidCredentials = HTTPError(
        .unauthorized, code: "invalid_credentials", detail: "Email or password is wrong.")

    public static let accountDisabled = HTTPError(
        .forbidden, code: "account_disabled", detail: "This account is disabled.")

    /// 403 `rule_denied`: a business rule of the token's (or the chosen) assignment refuses this time, address or
    /// device; `detail` names the rule.
    static func ruleDenied(_ denial: RuleDenial) -> HTTPError {
        HTTPError(.forbidden, code: "rule_denied", detail: "\(denial.rule.rawValue): \(denial.detail)")
    }

    public static func forbidden(missing permission: String) -> HTTPError {
        HTTPError(.forbidden, code: "forbidden", detail: "This needs the \(permission) permission.")
    }

    public static func accountLocked(retryAfter: Int) -> HTTPError {
        HTTPError(
            .tooManyRequests, code: "account_locked",
            detail: "Too many failed attempts; try again later.",
            headers: Headers([("Retry-After", "\(max(1, retryAfter))")]))
    }

    public static let ipNotAllowed = HTTPError(
        .forbidden, code: "ip_not_allowed", detail: "Requests from this address are not allowed for this API key.")

    public static let originNotAllowed = HTTPError(
        .forbidden, code: "origin_not_allowed", detail: "Requests from this origin are not allowed.")
}
