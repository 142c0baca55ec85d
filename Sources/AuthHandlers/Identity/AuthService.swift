#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
public import FCGIHost
public import Store
public import Webhooks

/// The auth services of one worker, built once from the configuration and handed to the routes: the database's
/// repositories, and the parts the routes use — the ``Authenticator`` (tokens in), the ``TokenIssuer`` (tokens
/// out), the ``PasswordHasher``, the ``Authorizer`` and the ``AuditTrail``. Routes that need only some of them take
/// only those; the account routes, which use most, take this.
public final class AuthService {
    public let config: Config
    public let database: Database
    public let metrics: Metrics?
    public let users: Users
    public let roles: Roles
    public let sessions: Sessions
    public let refreshTokens: RefreshTokens
    public let assignments: Assignments
    public let rateLimiter: RateLimiter
    /// Every authorization question: token permissions, `/permissions/*`, grant checks, context rules.
    public let authorizer: Authorizer
    public let authenticator: Authenticator
    public let tokens: TokenIssuer
    public let passwords: PasswordHasher
    public let auditTrail: AuditTrail
    /// Events, written inside the unit of work of the change they describe.
    public let events: EventLog
    /// SaaS clients and their keys.
    public let clients: Clients
    /// API keys on the way in: format, per-worker cache, allowlist.
    public let apiKeys: APIKeyValidator
    /// TOTP, recovery codes and the second step of a login (``SecondFactors``).
    public let secondFactors: SecondFactors
    let lockouts: Lockouts
    let passwordResets: PasswordResets
    /// WebAuthn ceremonies: challenges, options, assertion checks.
    let passkeys: Passkeys

    public init(
        config: Config, database: Database, keys: SigningKeys, refreshSecret: [UInt8], metrics: Metrics?,
        passwordGate: ConcurrencyGate? = nil, apiKeyPepper: [UInt8]? = nil, mfaKey: SealingKey? = nil
    ) {
        self.config = config
        self.database = database
        self.metrics = metrics
        users = Users(db: database)
        roles = Roles(db: database)
        sessions = Sessions(db: database)
        refreshTokens = RefreshTokens(db: database)
        assignments = Assignments(db: database)
        lockouts = Lockouts(db: database)
        passwordResets = PasswordResets(db: database)
        passkeys = Passkeys(
            config: config, database: database,
            decoyKey: HMAC.sha256(key: refreshSecret, data: Array("gatehouse webauthn decoy credential ids".utf8)))
        secondFactors = SecondFactors(config: config, database: database, sealingKey: mfaKey, passkeys: passkeys)
        rateLimiter = RateLimiter(database: database, config: config, metrics: metrics)
        // Another node's writes never move this node's write generation: on a shared database the counters are read
        // on every check instead (nil: no local signal).
        let shared = database.isSharedAcrossNodes
        let authorizer = Authorizer(database: database) { [weak metrics] in
            shared ? nil : metrics?.scoreboard.writeGeneration
        }
        self.authorizer = authorizer
        authenticator = Authenticator(
            config: config, keys: keys, sessions: sessions, authorizer: authorizer, metrics: metrics)
        tokens = TokenIssuer(
            config: config, database: database, keys: keys, authorizer: authorizer, refreshSecret: refreshSecret,
            metrics: metrics)
        passwords = PasswordHasher(config: config, gate: passwordGate, metrics: metrics)
        auditTrail = AuditTrail(database: database, config: config)
        events = EventLog(database: database)
        clients = Clients(db: database)
        let apiKeys = APIKeyValidator(
            database: database, pepper: apiKeyPepper, allowlistEnabled: config.ipAllowlistEnabled, metrics: metrics
        ) { [weak metrics] in
            shared ? nil : metrics?.scoreboard.writeGeneration
        }
        self.apiKeys = apiKeys
        if config.originValidationEnabled {
            authenticator.sdkOriginCheck = { principal, origin in
                try SDKOrigin.require(origin, for: principal, apiKeys: apiKeys)
            }
        }
    }
}

@available(*, unavailable)
extension AuthService: Sendable {}
