public import FCGIHost

/// The counters and histograms every worker registers, in one fixed order (the scoreboard layout).
public enum MetricNames {
    public static let counters: [(name: String, help: String)] = [
        ("auth_token_validations_total", "Access tokens checked (verify, internal validate, protected routes)."),
        ("auth_session_creations_total", "Sessions created by login, MFA and SDK sessions."),
        (apiKeyValidations, "API keys checked (verify, SDK sessions, internal validation), valid or not."),
        ("auth_login_failures_total", "Logins refused for wrong credentials."),
        ("auth_lockouts_total", "Identifiers locked after too many failures."),
        ("auth_rate_limited_total", "Requests refused by a rate limit."),
        ("auth_verify_cache_hits_total", "Verifications answered from the per-worker cache."),
        ("auth_verify_cache_misses_total", "Verifications that needed a signature check."),
        ("auth_password_hash_waits_total", "Password hashes that waited for a free ARGON2_CONCURRENCY slot."),
        (ipAllowlistRejections, "API-key requests refused: address outside the client's IP allowlist."),
        (originRejections, "Requests refused with origin_not_allowed (verify, cookie auth, SDK tokens)."),
    ]

    /// `auth_api_key_validations_total`: count every API key checked, valid or not, with ``Metrics/increment(_:by:)``.
    public static let apiKeyValidations = "auth_api_key_validations_total"
    /// `gateway_ip_whitelist_rejections_total` (the name API.md's metrics list uses).
    public static let ipAllowlistRejections = "gateway_ip_whitelist_rejections_total"
    /// `gateway_origin_rejections_total`.
    public static let originRejections = "gateway_origin_rejections_total"

    public static let histograms: [(name: String, help: String)] = [
        ("auth_token_validation_duration_seconds", "Time to validate an access token.")
    ]

    /// The scoreboard layout of these names.
    public static let layout = Scoreboard.Layout(counters: counters, histograms: histograms)
}
