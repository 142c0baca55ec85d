#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The validated configuration: the env file overlaid by the environment, every key of ``ConfigKey/all``.
public struct Config: Sendable {
    /// The effective raw values, for `check-config`.
    public let values: [String: String]

    public let databaseURL: String
    public let keysDirectory: String
    public let jwtAlgorithm: String
    public let jwtSecrets: [String]
    public let accessTokenLifetime: Int
    public let refreshTokenLifetime: Int
    public let issuer: String
    public let audience: String
    public let leeway: Int
    public let refreshGrace: Int
    public let serviceSecret: String
    public let registrationOpen: Bool
    public let ipAllowlistEnabled: Bool
    public let originValidationEnabled: Bool
    /// `API_KEY_PEPPER_FILE`, or `KEYS_DIR/api-key.pepper` when that is empty.
    public let apiKeyPepperFile: String
    /// `MFA_KEY_FILE`, or `KEYS_DIR/mfa.key` when that is empty.
    public let mfaKeyFile: String
    /// `MFA_ISSUER`, or the host of `JWT_ISSUER` (the whole value when it is not a URL) when that is empty.
    public let mfaIssuer: String
    /// `MFA_TOKEN_TTL` in seconds.
    public let mfaTokenLifetime: Int
    /// `OTP_LOCKOUT_THRESHOLD`: wrong second-factor codes per user before a lock.
    public let otpLockoutThreshold: Int
    /// Browser mode also sets the access token as cookie `gh_access`, which `/auth/verify` accepts.
    public let accessCookieEnabled: Bool
    public let allowedOrigins: [String]
    /// `COOKIE_DOMAIN`: the `Domain` of the session cookies; empty for host-only cookies.
    public let cookieDomain: String
    /// `PORTAL_REDIRECT_DOMAINS`: hosts (and their subdomains) the portal may redirect to, lower case.
    public let portalRedirectDomains: [String]
    public let trustedProxies: [CIDR]
    public let listen: ListenAddress
    /// `LISTEN_ALLOW_REMOTE`: a TCP `LISTEN` address outside loopback is refused unless this is set.
    public let listenAllowRemote: Bool
    public let socketMode: Int
    public let socketGroup: String
    public let runtimeDirectory: String
    public let workers: Int
    public let maxRequests: Int
    public let shutdownTimeout: Int
    public let maxBodyBytes: Int
    public let metricsAllow: [CIDR]
    public let lockoutThreshold: Int
    public let lockoutWindow: Int
    public let lockoutDuration: Int
    public let lockoutMaxDuration: Int
    public let rateLimits: [String: RateLimit]
    /// `RATE_LIMIT_IPV6_PREFIX`: IPv6 clients are keyed by this prefix of their address.
    public let rateLimitIPv6Prefix: Int
    /// `AUDIT_RETENTION` in seconds.
    public let auditRetention: Int
    /// `PRUNE_INTERVAL` in seconds.
    public let pruneInterval: Int
    public let argon2MemoryKiB: Int
    public let argon2Iterations: Int
    public let argon2Parallelism: Int
    public let argon2MaxMemoryKiB: Int
    /// How many argon2id computations may run at once across the workers (``ConcurrencyGate``).
    public let argon2Concurrency: Int
    /// `RPC_DIR`: SQLite's query files for `/connection/rpc` (may not exist: then there are none).
    public let rpcDirectory: String
    /// `RPC_SCHEMA`: the PostgreSQL schema whose functions `/connection/rpc` calls.
    public let rpcSchema: String
    /// `RPC_TIMEOUT`: how long one `/connection/rpc` call may run.
    public let rpcTimeout: Duration
    /// `WEBAUTHN_RP_ID`, or the host of `JWT_ISSUER`.
    public let webAuthnRPID: String
    /// `WEBAUTHN_ORIGINS`, or the origin of `JWT_ISSUER`.
    public let webAuthnOrigins: [String]
    public let webAuthnRPName: String
    public let mailerCommand: String
    /// Seconds between a webhook delivery's attempts.
    public let webhookRetrySchedule: [Int]
    public let webhookAllowPrivate: Bool
    public let webhookConcurrency: Int
    public let mailFrom: String
    public let passwordResetURL: String
    public let logLevel: Logger.Level
    public let logFormat: Logger.Format

    /// Reads `path` (if it exists, or if `required`) and overlays known keys from `environment`.
    public static func load(path: String?, environment: [String: String], required: Bool = false) throws(ConfigError) -> Config {
        var values: [String: String] = [:]
        if let path {
            if FileManager.default.fileExists(atPath: path) {
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ConfigError(key: path, message: "cannot read the configuration file")
                }
                for (key, value) in try EnvFile.parse(String(decoding: data, as: UTF8.self), source: path) {
                    values[key] = value
                }
            } else if required {
                throw ConfigError(key: path, message: "the configuration file does not exist")
            }
        }
        for key in ConfigKey.all {
            if let value = environment[key.name] { values[key.name] = value }
        }
        return try Config(values: values)
    }

    /// Validates raw values; the first bad one stops with its key named.
    public init(values: [String: String]) throws(ConfigError) {
        for key in values.keys where ConfigKey.byName[key] == nil {
            throw ConfigError(key: key, message: "unknown key")
        }
        let values = Dictionary(uniqueKeysWithValues: ConfigKey.all.map { ($0.name, $0.defaultValue) })
            .merging(values) { _, given in given }
        let reader = Reader(values: values)
        self.values = values
        databaseURL = try reader.nonEmpty("DATABASE_URL")
        keysDirectory = try reader.nonEmpty("KEYS_DIR")
        jwtAlgorithm = try reader.oneOf("JWT_ALG", ["EdDSA", "ES256", "RS256", "HS256"])
        jwtSecrets = ConfigParsing.list(reader.string("JWT_SECRET"))
        if jwtAlgorithm == "HS256" {
            guard !jwtSecrets.isEmpty else { throw ConfigError(key: "JWT_SECRET", message: "required when JWT_ALG=HS256") }
        }
        if let short = jwtSecrets.first(where: { $0.utf8.count < 32 }) {
            throw ConfigError(key: "JWT_SECRET", message: "each secret needs at least 32 bytes (one has \(short.utf8.count))")
        }
        accessTokenLifetime = try reader.duration("JWT_EXPIRES_IN", min: 10)
        refreshTokenLifetime = try reader.duration("JWT_REFRESH_EXPIRES_IN", min: 60)
        issuer = try reader.nonEmpty("JWT_ISSUER")
        audience = try reader.nonEmpty("JWT_AUDIENCE")
        leeway = try reader.duration("JWT_LEEWAY", min: 0)
        refreshGrace = try reader.duration("REFRESH_GRACE", min: 0)
        var serviceSecret = reader.string("SERVICE_SECRET")
        let secretFile = reader.string("SERVICE_SECRET_FILE")
        if serviceSecret.isEmpty, !secretFile.isEmpty {
            guard let data = FileManager.default.contents(atPath: secretFile) else {
                throw ConfigError(key: "SERVICE_SECRET_FILE", message: "cannot read \(secretFile)")
            }
            serviceSecret = String(decoding: data, as: UTF8.self).trimmingWhitespace()
        }
        if !serviceSecret.isEmpty, serviceSecret.utf8.count < 32 {
            throw ConfigError(
                key: secretFile.isEmpty ? "SERVICE_SECRET" : "SERVICE_SECRET_FILE", message: "needs at least 32 bytes")
        }
        self.serviceSecret = serviceSecret
        registrationOpen = try reader.bool("REGISTRATION_OPEN")
        ipAllowlistEnabled = try reader.bool("IP_WHITELIST_ENABLED")
        originValidationEnabled = try reader.bool("ORIGIN_VALIDATION_ENABLED")
        let pepperFile = reader.string("API_KEY_PEPPER_FILE")
        apiKeyPepperFile = pepperFile.isEmpty ? keysDirectory + "/api-key.pepper" : pepperFile
        let mfaKeyFile = reader.string("MFA_KEY_FILE")
        self.mfaKeyFile = mfaKeyFile.isEmpty ? keysDirectory + "/mfa.key" : mfaKeyFile
        let mfaIssuer = reader.string("MFA_ISSUER").trimmingWhitespace()
        self.mfaIssuer = mfaIssuer.isEmpty ? Self.host(of: issuer) : mfaIssuer
        mfaTokenLifetime = try reader.duration("MFA_TOKEN_TTL", min: 1)
        otpLockoutThreshold = try reader.integer("OTP_LOCKOUT_THRESHOLD", 1...1000)
        accessCookieEnabled = try reader.bool("ACCESS_COOKIE")
        allowedOrigins = try reader.origins("ALLOWED_ORIGINS")
        cookieDomain = try reader.domainOrEmpty("COOKIE_DOMAIN")
        var redirectDomains: [String] = []
        for item in ConfigParsing.list(reader.string("PORTAL_REDIRECT_DOMAINS")) {
            redirectDomains.append(try reader.domain("PORTAL_REDIRECT_DOMAINS", item))
        }
        portalRedirectDomains = redirectDomains
        trustedProxies = try reader.cidrs("TRUSTED_PROXIES")
        listen = try reader.listen("LISTEN")
        listenAllowRemote = try reader.bool("LISTEN_ALLOW_REMOTE")
        if case .tcp(let host, _) = listen, !listenAllowRemote, !(IPAddress(host)?.isLoopback ?? false) {
            throw ConfigError(
                key: "LISTEN",
                message: "\(host) is not a loopback address, and FastCGI has no authentication: anyone who reaches "
                    + "the port could send requests as nginx (set LISTEN_ALLOW_REMOTE=true on a trusted network)")
        }
        socketMode = try reader.octalMode("SOCKET_MODE")
        socketGroup = reader.string("SOCKET_GROUP")
        runtimeDirectory = try reader.nonEmpty("RUNTIME_DIR")
        let workers = try reader.integer("WORKERS", 0...128)
        self.workers = workers == 0 ? min(128, 4 * max(1, ProcessInfo.processInfo.activeProcessorCount)) : workers
        maxRequests = try reader.integer("MAX_REQUESTS", 0...Int(Int32.max))
        shutdownTimeout = try reader.duration("SHUTDOWN_TIMEOUT", min: 1)
        maxBodyBytes = try reader.integer("MAX_BODY_BYTES", 1024...(64 << 20))
        metricsAllow = try reader.cidrs("METRICS_ALLOW")
        lockoutThreshold = try reader.integer("LOCKOUT_THRESHOLD", 1...1000)
        lockoutWindow = try reader.duration("LOCKOUT_WINDOW", min: 1)
        lockoutDuration = try reader.duration("LOCKOUT_DURATION", min: 1)
        lockoutMaxDuration = try reader.duration("LOCKOUT_MAX_DURATION", min: lockoutDuration)
        var rates: [String: RateLimit] = [:]
        for name in ["LOGIN", "LOGIN_IDENTIFIER", "LOGIN_GLOBAL", "MFA", "REGISTER", "RESET", "REFRESH", "API"] {
            rates[name.lowercased()] = try reader.rate("RATE_LIMIT_\(name)")
        }
        rateLimits = rates
        rateLimitIPv6Prefix = try reader.integer("RATE_LIMIT_IPV6_PREFIX", 16...128)
        auditRetention = try reader.duration("AUDIT_RETENTION", min: 1)
        pruneInterval = try reader.duration("PRUNE_INTERVAL", min: 1)
        argon2MemoryKiB = try reader.integer("ARGON2_MEMORY_KIB", 8...(4 << 20))
        argon2Iterations = try reader.integer("ARGON2_ITERATIONS", 1...64)
        argon2Parallelism = try reader.integer("ARGON2_PARALLELISM", 1...64)
        argon2MaxMemoryKiB = try reader.integer("ARGON2_MAX_MEMORY_KIB", 8...(4 << 20))
        let argon2Concurrency = try reader.integer("ARGON2_CONCURRENCY", 0...64)
        self.argon2Concurrency =
            argon2Concurrency == 0 ? min(64, max(1, ProcessInfo.processInfo.activeProcessorCount)) : argon2Concurrency
        if argon2MaxMemoryKiB < argon2MemoryKiB {
            throw ConfigError(key: "ARGON2_MAX_MEMORY_KIB", message: "must not be below ARGON2_MEMORY_KIB")
        }
        rpcDirectory = try reader.absolutePathOrEmpty("RPC_DIR")
        rpcSchema = try reader.schemaName("RPC_SCHEMA")
        rpcTimeout = .milliseconds(try reader.milliseconds("RPC_TIMEOUT", 1...30_000))
        let issuerOrigin = Self.origin(ofURL: issuer)
        let rpID = reader.string("WEBAUTHN_RP_ID").lowercased()
        if !rpID.isEmpty, rpID.contains(where: { $0 == "/" || $0 == ":" || $0 == " " }) {
            throw ConfigError(key: "WEBAUTHN_RP_ID", message: "a domain such as auth.example.com (no scheme, port or path)")
        }
        webAuthnRPID = rpID.isEmpty ? (issuerOrigin?.host ?? issuer.lowercased()) : rpID
        let webAuthnOrigins = try reader.origins("WEBAUTHN_ORIGINS")
        self.webAuthnOrigins = webAuthnOrigins.isEmpty ? issuerOrigin.map { [$0.origin] } ?? [] : webAuthnOrigins
        webAuthnRPName = try reader.nonEmpty("WEBAUTHN_RP_NAME")
        mailerCommand = reader.string("MAILER_COMMAND")
        let schedule = ConfigParsing.list(reader.string("WEBHOOK_RETRY_SCHEDULE")).map(ConfigParsing.duration)
        guard !schedule.isEmpty, schedule.count <= 50, schedule.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 86_400 })
        else {
            throw ConfigError(
                key: "WEBHOOK_RETRY_SCHEDULE", message: "expected 1 to 50 comma-separated durations from 1s to 24h")
        }
        webhookRetrySchedule = schedule.compactMap { $0 }
        webhookAllowPrivate = try reader.bool("WEBHOOK_ALLOW_PRIVATE")
        webhookConcurrency = try reader.integer("WEBHOOK_CONCURRENCY", 0...1024)
        mailFrom = try reader.nonEmpty("MAIL_FROM")
        let resetURL = reader.string("PASSWORD_RESET_URL")
        if !resetURL.isEmpty, !resetURL.contains("{token}") {
            throw ConfigError(key: "PASSWORD_RESET_URL", message: "must contain {token}")
        }
        passwordResetURL = resetURL.isEmpty ? issuer + "/reset-password?token={token}" : resetURL
        guard let level = Logger.Level(name: reader.string("LOG_LEVEL")) else {
            throw ConfigError(key: "LOG_LEVEL", message: "expected one of \(Logger.Level.allCases.map(\.name))")
        }
        logLevel = level
        guard let format = Logger.Format(rawValue: reader.string("LOG_FORMAT")) else {
            throw ConfigError(key: "LOG_FORMAT", message: "expected logfmt or json")
        }
        logFormat = format
    }

    /// `KEY=value` lines of the effective configuration, secrets masked.
    public var maskedDescription: String {
        ConfigKey.all.map { key in
            let value = values[key.name] ?? ""
            var shown = key.isSecret && !value.isEmpty ? "******** (set, \(value.utf8.count) bytes)" : value
            if key.name == "DATABASE_URL" { shown = Self.redactingPassword(value) }
            return "\(key.name)=\(shown)"
        }.joined(separator: "\n")
    }

    /// A database URL with its password shown as `***`, in the user part (`postgresql://user:secret@host`) and in a
    /// `password=` query parameter: for `check-config` and messages.
    public static func redactingPassword(_ url: String) -> String {
        var result = url
        if let schemeEnd = url.firstRange(of: "://") {
            let rest = url[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                result = String(url[...colon]) + "***" + String(url[at...])
            }
        }
        if let query = result.firstIndex(of: "?") {
            let parameters = result[result.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
                .map { $0.lowercased().hasPrefix("password=") ? "password=***" : String($0) }
            result = String(result[...query]) + parameters.joined(separator: "&")
        }
        return result
    }

    /// The host of a URL (`https://auth.example.com:8443/x` → `auth.example.com`), or `value` itself when it is not
    /// one (`JWT_ISSUER=gatehouse`).
    static func host(of value: String) -> String {
        guard let scheme = value.firstRange(of: "://") else { return value }
        let rest = value[scheme.upperBound...]
        let end = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority: Substring = rest[..<end]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[...close])
        }
        if let colon = authority.lastIndex(of: ":") { authority = authority[..<colon] }
        return authority.isEmpty ? value : String(authority)
    }

    /// The origin (`scheme://host[:port]`, lower case) and host of an http(s) URL, or nil for anything else (a
    /// `JWT_ISSUER` that is not a URL).
    static func origin(ofURL url: String) -> (origin: String, host: String)? {
        let lower = url.lowercased()
        guard let schemeEnd = lower.firstRange(of: "://"), ["https", "http"].contains(lower[..<schemeEnd.lowerBound])
        else { return nil }
        let rest = lower[schemeEnd.upperBound...]
        let authority = rest[..<(rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex)]
        guard !authority.isEmpty, !authority.contains("@") else { return nil }
        var host = authority
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") { host = authority[..<colon] }
        guard !host.isEmpty else { return nil }
        return (String(lower[..<schemeEnd.upperBound]) + authority, String(host))
    }

    /// The logger every process of this configuration uses.
    public func makeLogger(label: String) -> Logger {
        Logger(label: label, level: logLevel, format: logFormat)
    }
}

/// Where the supervisor listens.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    case unix(path: String)
    case tcp(host: String, port: Int)

    public var description: String {
        switch self {
        case .unix(let path): "unix:\(path)"
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
