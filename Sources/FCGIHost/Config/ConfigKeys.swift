/// Every configuration key Gatehouse reads, with its default and whether it is secret.
/// The order here is the order of `gatehouse check-config` and of the shipped env file.
public struct ConfigKey: Sendable {
    public let name: String
    public let defaultValue: String
    public let isSecret: Bool
    public let help: String

    init(_ name: String, _ defaultValue: String, secret: Bool = false, _ help: String) {
        self.name = name
        self.defaultValue = defaultValue
        self.isSecret = secret
        self.help = help
    }

    public static let all: [ConfigKey] = [
        ConfigKey("DATABASE_URL", "sqlite:///var/lib/gatehouse/gatehouse.db", "sqlite:///absolute/path (one file, the default) or postgresql://user:password@host:port/db?sslmode=… (several nodes; a unix socket as ?host=/dir)."),
        ConfigKey("KEYS_DIR", "/var/lib/gatehouse/keys", "Directory of signing keys (private keys mode 0600)."),
        ConfigKey("JWT_ALG", "EdDSA", "Access-token algorithm: EdDSA, ES256, RS256 or HS256."),
        ConfigKey("JWT_SECRET", "", secret: true, "HS256 only: comma-separated secrets of 32+ bytes; the first signs, all verify."),
        ConfigKey("JWT_EXPIRES_IN", "15m", "Access-token lifetime (s, m, h, d)."),
        ConfigKey("JWT_REFRESH_EXPIRES_IN", "7d", "Refresh-token lifetime."),
        ConfigKey("JWT_ISSUER", "gatehouse", "The iss claim; usually this server's public URL."),
        ConfigKey("JWT_AUDIENCE", "gatehouse", "The aud claim."),
        ConfigKey("JWT_LEEWAY", "60s", "Clock leeway when checking exp, nbf and iat."),
        ConfigKey("REFRESH_GRACE", "10s", "Window in which a rotated refresh token returns the same successor."),
        ConfigKey("SERVICE_SECRET", "", secret: true, "Signs X-Auth-Context and authenticates /internal calls (32+ bytes)."),
        ConfigKey("SERVICE_SECRET_FILE", "", "A file holding SERVICE_SECRET (used when SERVICE_SECRET is empty)."),
        ConfigKey("REGISTRATION_OPEN", "false", "Whether POST /auth/register is open to anyone."),
        ConfigKey("IP_WHITELIST_ENABLED", "true", "Enforce SaaS clients' IP allowlists (an empty allowlist allows no address); false only for development."),
        ConfigKey("ORIGIN_VALIDATION_ENABLED", "true", "Check Origin at /auth/verify: against ALLOWED_ORIGINS, and for SDK-session tokens against their client's origin allowlist."),
        ConfigKey("API_KEY_PEPPER_FILE", "", "File of the secret (32+ bytes, mode 0600) under which API-key secrets are hashed; empty means KEYS_DIR/api-key.pepper. `gatehouse serve` creates it when missing."),
        ConfigKey("MFA_KEY_FILE", "", "File of the key (32+ random bytes, mode 0600) that seals TOTP secrets (AES-256-GCM) and keys recovery-code hashes; empty means KEYS_DIR/mfa.key. `gatehouse serve` creates it when missing; without it the MFA routes answer 503. Back it up with the signing keys: TOTP secrets cannot be opened without it."),
        ConfigKey("MFA_ISSUER", "", "The issuer authenticator apps show for TOTP; empty means the host of JWT_ISSUER."),
        ConfigKey("MFA_TOKEN_TTL", "5m", "Lifetime of the mfa_token a correct password returns when a second factor is on."),
        ConfigKey("OTP_LOCKOUT_THRESHOLD", "5", "Wrong second-factor codes per user within LOCKOUT_WINDOW before /auth/mfa/verify is locked for LOCKOUT_DURATION (doubling like the login lockout)."),
        ConfigKey("ACCESS_COOKIE", "false", "Browser mode also sets the access token as cookie gh_access (HttpOnly, Secure, SameSite=Strict, Path=/), which /auth/verify accepts without an Authorization header; a state-changing request it authenticates needs an allowed Origin."),
        ConfigKey("COOKIE_DOMAIN", "", "Domain attribute of the gh_access and gh_refresh cookies (e.g. example.com), so sibling hosts share a sign-in; empty: host-only cookies."),
        ConfigKey("PORTAL_REDIRECT_DOMAINS", "", "Comma-separated domains the sign-in portal may send a browser back to (rd=): https URLs on these hosts or their subdomains; anything else lands on the account page."),
        ConfigKey("ALLOWED_ORIGINS", "", "Comma-separated origins allowed for browsers (CORS and cookie requests)."),
        ConfigKey("TRUSTED_PROXIES", "", "Comma-separated CIDRs whose X-Forwarded-For is believed."),
        ConfigKey("LISTEN", "unix:/run/gatehouse/gatehouse.sock", "unix:/path.sock or host:port (ignored under socket activation)."),
        ConfigKey("LISTEN_ALLOW_REMOTE", "false", "Allow LISTEN on a TCP address other than loopback (FastCGI has no authentication: only on a network you trust)."),
        ConfigKey("SOCKET_MODE", "0660", "Mode of the unix socket file (octal)."),
        ConfigKey("SOCKET_GROUP", "", "Group of the unix socket file (e.g. www-data); empty keeps the process group."),
        ConfigKey("RUNTIME_DIR", "/run/gatehouse", "Runtime files: the worker scoreboard."),
        ConfigKey("WORKERS", "0", "Worker processes; 0 means 4 per CPU core."),
        ConfigKey("MAX_REQUESTS", "0", "A worker is replaced after this many requests; 0 (the default) never replaces it (docs/PERFORMANCE.md, Worker recycling)."),
        ConfigKey("SHUTDOWN_TIMEOUT", "30s", "How long SIGTERM waits for in-flight requests."),
        ConfigKey("MAX_BODY_BYTES", "65536", "Largest request body; larger ones get 413."),
        ConfigKey("METRICS_ALLOW", "127.0.0.0/8,::1/128", "CIDRs allowed to read /metrics."),
        ConfigKey("LOCKOUT_THRESHOLD", "5", "Failed logins per identifier before a lock."),
        ConfigKey("LOCKOUT_WINDOW", "15m", "Window in which failures are counted."),
        ConfigKey("LOCKOUT_DURATION", "15m", "First lock; doubles on each repeat lock."),
        ConfigKey("LOCKOUT_MAX_DURATION", "24h", "Longest lock."),
        ConfigKey("RATE_LIMIT_LOGIN", "20/1m", "Login attempts per client IP (count/period, token bucket)."),
        ConfigKey("RATE_LIMIT_LOGIN_IDENTIFIER", "10/1m", "Login attempts per identifier."),
        ConfigKey("RATE_LIMIT_LOGIN_GLOBAL", "1200/1m", "Login attempts across all identifiers and addresses (a ceiling on what a spray from many addresses costs; 0/1m turns it off)."),
        ConfigKey("RATE_LIMIT_MFA", "20/1m", "Second-factor attempts (POST /auth/mfa/verify) per client IP."),
        ConfigKey("RATE_LIMIT_REGISTER", "5/1m", "Registrations per client IP."),
        ConfigKey("RATE_LIMIT_RESET", "5/15m", "Password-reset requests per client IP and per identifier."),
        ConfigKey("RATE_LIMIT_REFRESH", "60/1m", "Refreshes per client IP."),
        ConfigKey("RATE_LIMIT_API", "600/1m", "Other requests per client IP (0/1m turns it off)."),
        ConfigKey("RATE_LIMIT_IPV6_PREFIX", "64", "IPv6 clients share rate-limit buckets per prefix of this length (one subscriber holds a whole /64)."),
        ConfigKey("AUDIT_RETENTION", "180d", "Audit and activity rows older than this are deleted."),
        ConfigKey("PRUNE_INTERVAL", "5m", "How often the supervisor deletes expired lockouts, rate-limit buckets, sessions, tokens and old audit rows."),
        ConfigKey("ARGON2_MEMORY_KIB", "19456", "argon2id memory cost in KiB."),
        ConfigKey("ARGON2_ITERATIONS", "2", "argon2id time cost."),
        ConfigKey("ARGON2_PARALLELISM", "1", "argon2id lanes."),
        ConfigKey("ARGON2_MAX_MEMORY_KIB", "262144", "Stored hashes asking for more memory than this are refused."),
        ConfigKey("ARGON2_CONCURRENCY", "0", "Password hashes computed at once across all workers (the rest wait their turn); 0 means one per CPU core. When the process may run on at least that many CPUs, the holder of each slot runs on a CPU of its own while it hashes (sched_setaffinity)."),
        ConfigKey("RPC_DIR", "/etc/gatehouse/rpc", "SQLite: the folder of read-only query files POST /connection/rpc may call, one SELECT per NAME.sql (docs/RPC.md); read when workers start, so reload after changing it. Missing or empty: no functions."),
        ConfigKey("RPC_SCHEMA", "gatehouse_rpc", "PostgreSQL: the schema whose functions POST /connection/rpc may call (docs/RPC.md); not public, pg_catalog or another system schema."),
        ConfigKey("RPC_TIMEOUT", "2s", "How long one POST /connection/rpc call may run before it is cancelled with 503 (ms or s, at most 30s)."),
        ConfigKey("WEBAUTHN_RP_ID", "", "WebAuthn relying party id (a domain, no scheme or port); empty means the host of JWT_ISSUER. Passkeys are bound to it: changing it strands every registered passkey."),
        ConfigKey("WEBAUTHN_ORIGINS", "", "Comma-separated origins whose pages may run WebAuthn ceremonies (https://auth.example.com); empty means the origin of JWT_ISSUER."),
        ConfigKey("WEBAUTHN_RP_NAME", "Gatehouse", "The relying party name authenticators show when a passkey is created."),
        ConfigKey("MAILER_COMMAND", "", "Shell command that reads one RFC 5322 message on stdin (e.g. /usr/sbin/sendmail -t); empty keeps mail queued."),
        ConfigKey("MAIL_FROM", "gatehouse@localhost", "From address of password-reset mail."),
        ConfigKey("PASSWORD_RESET_URL", "", "Reset link; {token} is replaced. Empty: JWT_ISSUER + /reset-password?token={token}."),
        ConfigKey("WEBHOOK_RETRY_SCHEDULE", "5s,5m,30m,2h,5h,10h,14h,20h,24h", "Delays between a webhook delivery's attempts (each with ±10% jitter); after the last one it is given up."),
        ConfigKey("WEBHOOK_ALLOW_PRIVATE", "false", "Allow webhook targets on loopback, private, link-local and multicast addresses (development and tests only)."),
        ConfigKey("WEBHOOK_CONCURRENCY", "32", "Webhook deliveries in flight at once in the delivery process; 0 keeps them queued (delivery paused)."),
        ConfigKey("LOG_LEVEL", "info", "trace, debug, info, notice, warning, error or critical."),
        ConfigKey("LOG_FORMAT", "logfmt", "logfmt or json."),
    ]

    static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
