public import FCGIHost

/// The counters and histograms every worker registers, in one fixed order (the scoreboard layout).
public enum MetricNames {
    public static let counters: [(name: String, help: String)] = [
        ("auth_token_validations_total", "Access tokens checked (verify, internal validate, protected routes)."),
        ("auth_session_creations_total", "Sessions created by login, MFA and SDK sessions."),
        ("auth_api_key_validations_total", "API keys checked."),
        ("auth_login_failures_total", "Logins refused for wrong credentials."),
        ("auth_lockouts_total", "Identifiers locked after too many failures."),
        ("auth_rate_limited_total", "Requests refused by a rate limit."),
        ("auth_verify_cache_hits_total", "Verifications answered from the per-worker cache."),
        ("auth_verify_cache_misses_total", "Verifications that needed a signature check."),
        ("auth_password_hash_waits_total", "Password hashes that waited for a free ARGON2_CONCURRENCY slot."),
    ]

    public static let histograms: [(name: String, help: String)] = [
        ("auth_token_validation_duration_seconds", "Time to validate an access token.")
    ]

    /// The scoreboard layout of these names.
    public static let layout = Scoreboard.Layout(counters: counters, histograms: histograms)
}
