#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
public import FCGIHost
public import Store

/// Everything the auth routes share inside one worker: the database's repositories, the signing keys, the
/// configuration, and the per-process caches of verified tokens and session status (DESIGN.md "Tokens").
public final class AuthService {
    public let config: Config
    public let database: Database
    public let keys: SigningKeys
    public let metrics: Metrics?
    public let users: Users
    public let roles: Roles
    public let sessions: Sessions
    public let refreshTokens: RefreshTokens
    public let assignments: Assignments
    public let audit: Audit
    public let rateLimiter: RateLimiter
    /// Every authorization question: token permissions, `/permissions/*`, grant checks, context rules.
    public let authorizer: Authorizer
    let lockouts: Lockouts
    let passwordResets: PasswordResets
    let outbox: Outbox
    let argon2: Argon2id.Parameters
    let argon2Cap: Argon2id.Parameters
    /// Keys the deterministic refresh-token successor (so two tabs refreshing at once get the same one).
    let refreshSecret: [UInt8]
    let verifyCache: VerifyCache
    /// `SERVICE_SECRET`, the key of `X-Auth-Context-Signature`.
    let serviceKey: [UInt8]
    /// At most `ARGON2_CONCURRENCY` argon2id computations at once across the workers; nil outside a worker.
    let passwordGate: ConcurrencyGate?
    /// The metrics every token validation moves, looked up once.
    private let validationMetrics: ValidationMetrics?

    private struct ValidationMetrics {
        let validations: Metrics.Counter
        let duration: Metrics.Histogram
        let cacheHits: Metrics.Counter
        let cacheMisses: Metrics.Counter

        init(_ metrics: Metrics) {
            validations = metrics.counter("auth_token_validations_total")
            duration = metrics.histogram("auth_token_validation_duration_seconds")
            cacheHits = metrics.counter("auth_verify_cache_hits_total")
            cacheMisses = metrics.counter("auth_verify_cache_misses_total")
        }
    }

    public init(
        config: Config, database: Database, keys: SigningKeys, refreshSecret: [UInt8], metrics: Metrics?,
        passwordGate: ConcurrencyGate? = nil
    ) {
        self.passwordGate = passwordGate
        self.config = config
        self.database = database
        self.keys = keys
        self.metrics = metrics
        self.refreshSecret = refreshSecret
        users = Users(db: database)
        roles = Roles(db: database)
        sessions = Sessions(db: database)
        refreshTokens = RefreshTokens(db: database)
        assignments = Assignments(db: database)
        audit = Audit(db: database)
        lockouts = Lockouts(db: database)
        passwordResets = PasswordResets(db: database)
        outbox = Outbox(db: database)
        rateLimiter = RateLimiter(database: database, config: config, metrics: metrics)
        serviceKey = Array(config.serviceSecret.utf8)
        argon2 = Argon2id.Parameters(
            memoryKiB: config.argon2MemoryKiB, iterations: config.argon2Iterations,
            parallelism: config.argon2Parallelism)
        argon2Cap = Argon2id.Parameters(
            memoryKiB: config.argon2MaxMemoryKiB, iterations: max(8, config.argon2Iterations),
            parallelism: max(8, config.argon2Parallelism), saltLength: 64, tagLength: 64)
        validationMetrics = metrics.map(ValidationMetrics.init)
        verifyCache = VerifyCache(capacity: 10_000, sessions: sessions) { [weak metrics] in
            metrics?.scoreboard.writeGeneration
        }
        authorizer = Authorizer(database: database) { [weak metrics] in metrics?.scoreboard.writeGeneration }
    }

    // MARK: Access tokens

    /// The bearer token of `request`, if it sent one.
    public func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers["Authorization"] else { return nil }
        guard let space = header.utf8.firstIndex(of: UInt8(ascii: " ")),
            header[..<space].equalsIgnoringASCIICase("bearer")
        else { return nil }
        let token = header[header.utf8.index(after: space)...].trimmingWhitespace()
        return token.isEmpty ? nil : token
    }

    /// The principal of the request's access token: signature, `exp`/`nbf`/`iss`/`aud`, then the session.
    /// - Throws: 401 `token_missing`, `token_invalid`, `token_expired` or `token_revoked`.
    public func authenticate(_ request: Request, now: Date = Date()) throws -> Principal {
        guard let token = bearerToken(request) else { throw AuthError.tokenMissing }
        return try verify(token: token, now: now, address: request.clientAddress(trustedProxies: config.trustedProxies))
    }

    /// ``authenticate(_:now:)`` plus a permission check (403 `forbidden`).
    public func require(_ permission: String, _ request: Request, now: Date = Date()) throws -> Principal {
        let principal = try authenticate(request, now: now)
        guard principal.has(permission) else { throw AuthError.forbidden(missing: permission) }
        return principal
    }

    /// Verifies an access token, from the per-worker cache when it was verified before, then its session, then the
    /// business rules of its context at `now` for a request from `address` (403 `rule_denied`; a token issued at
    /// 17:59 for a window that closes at 18:00 stops working at 18:00).
    public func verify(token: String, now: Date = Date(), address: String) throws -> Principal {
        let started = ContinuousClock.now
        defer {
            if let metrics, let handles = validationMetrics {
                metrics.increment(handles.validations)
                let elapsed = started.duration(to: .now)
                metrics.observe(
                    handles.duration,
                    seconds: Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
            }
        }
        let principal: Principal
        if let cached = verifyCache.lookup(token, now: now, leeway: config.leeway) {
            if let handles = validationMetrics { metrics?.increment(handles.cacheHits) }
            principal = cached
        } else {
            if let handles = validationMetrics { metrics?.increment(handles.cacheMisses) }
            principal = try verifySignature(token, now: now)
            verifyCache.insert(token, principal)
        }
        guard try verifyCache.sessionIsLive(principal.sessionID, now: now) else { throw AuthError.tokenRevoked }
        if let ctx = principal.claims.ctx {
            guard let assignment = try authorizer.contextAssignment(
                userId: principal.userID, zone: ctx.zone, department: ctx.department)
            else {
                throw HTTPError.forbidden(
                    "The assignment of this token's context (\(ctx.zone)/\(ctx.department)) is no longer active; "
                        + "switch context or sign in again.")
            }
            if let denial = authorizer.denial(assignment, at: now, address: address, deviceId: principal.claims.did) {
                throw AuthError.ruleDenied(denial)
            }
        }
        return principal
    }

    private func verifySignature(_ token: String, now: Date) throws -> Principal {
        let verified: VerifiedClaims
        do {
            verified = try keys.verify(
                token: token, at: now, leeway: TimeInterval(config.leeway), issuer: config.issuer,
                audience: config.audience)
        } catch let error where error == .tokenExpired {
            throw AuthError.tokenExpired
        } catch {
            throw AuthError.tokenInvalid()
        }
        let claims: AccessClaims
        do {
            claims = try verified.decode(AccessClaims.self)
        } catch {
            throw AuthError.tokenInvalid("The token is not a Gatehouse access token.")
        }
        // No token of ours lives longer than the configured lifetime: a longer one was not issued by this
        // configuration (or comes from whoever else holds an HS256 secret), and its exp is not to be trusted.
        let (lifetime, overflow) = claims.exp.subtractingReportingOverflow(claims.iat)
        guard !overflow, lifetime <= Int64(config.accessTokenLifetime) + Int64(config.leeway) else {
            throw AuthError.tokenInvalid("The token's lifetime exceeds the configured access-token lifetime.")
        }
        let segment = token.split(separator: ".", omittingEmptySubsequences: false)[1]
        let signature = serviceKey.isEmpty
            ? nil : Base64URL.encode(HMAC.sha256(key: serviceKey, data: Array(segment.utf8)))
        return Principal(claims: claims, contextSegment: segment, contextSignature: signature)
    }

    // MARK: Issuing

    /// The claims of a new access token for `subject` in a session: the permissions of `context`'s domain (or of
    /// `*` without one), as the Authorizer computes them.
    public func makeClaims(
        subject: Authorizer.Subject, sessionID: String, context: Assignment?, deviceId: String?, now: Date = Date()
    ) throws -> AccessClaims {
        let user = subject.user
        let grants = try authorizer.grants(
            subject, in: context.map(Authorizer.domain(of:)) ?? PolicyLine.anyDomain)
        let issued = Int64(now.timeIntervalSince1970)
        var claims = AccessClaims(
            iss: config.issuer, aud: config.audience, sub: user.id, sid: sessionID,
            jti: Random.uuid(), iat: issued, nbf: issued,
            exp: issued + Int64(config.accessTokenLifetime), email: user.email, name: user.name, roles: grants.roles,
            permissions: grants.permissions,
            ctx: context.map {
                AccessClaims.Context(zone: $0.zone, department: $0.department, role: $0.role, primary: $0.isPrimary)
            },
            assignments: subject.assignments.isEmpty
                ? nil
                : subject.assignments.map {
                    AccessClaims.AssignmentClaim(
                        zone: $0.zone, department: $0.department, role: $0.role, primary: $0.isPrimary,
                        active: $0.active)
                })
        claims.did = deviceId
        return claims
    }

    /// The claims of a session's next token (a refresh): the context it switched to while that assignment is
    /// active, else the context a login would get now.
    public func makeClaims(user: User, session: Session, address: String, now: Date = Date()) throws -> AccessClaims {
        let subject = try authorizer.subject(user: user)
        var context: Assignment?
        if let zone = session.contextZone, let department = session.contextDepartment {
            context = subject.activeAssignment(in: Authorizer.domain(zone: zone, department: department))
        }
        context = context
            ?? authorizer.loginContext(subject, at: now, address: address, deviceId: session.deviceId)
        return try makeClaims(
            subject: subject, sessionID: session.id, context: context, deviceId: session.deviceId, now: now)
    }

    /// Signs `claims` and builds the token response around them.
    func tokenResponse(user: User, claims: AccessClaims, refreshToken: String) throws -> TokenResponse {
        let token = try keys.sign(claims)
        return TokenResponse(
            accessToken: token, expiresIn: config.accessTokenLifetime, refreshToken: refreshToken,
            refreshExpiresIn: config.refreshTokenLifetime,
            user: .init(id: user.id, email: user.email, name: user.name, roles: claims.roles, permissions: claims.permissions))
    }

    /// Starts a session: its row, its first refresh token, and the token response. `alongside` runs in the same
    /// transaction once the session exists (login clears the lockout counter and writes its audit row there,
    /// one commit instead of three); the token is signed after the commit, outside the write lock.
    public func startSession(
        user: User, request: Request, now: Date = Date(), alongside: (Session) throws -> Void = { _ in }
    ) throws -> (session: Session, response: TokenResponse) {
        let refresh = RefreshToken.generate()
        let address = request.clientAddress(trustedProxies: config.trustedProxies)
        let deviceId = Self.deviceId(request)
        let (session, claims) = try database.transaction {
            let session = try sessions.create(
                id: Random.uuid(), userId: user.id,
                expiresAt: now.addingTimeInterval(TimeInterval(config.refreshTokenLifetime)),
                ip: address, userAgent: request.userAgent, deviceId: deviceId, now: now)
            try refreshTokens.issue(
                hash: RefreshToken.hash(refresh), sessionId: session.id,
                expiresAt: session.expiresAt, now: now)
            try alongside(session)
            // Read here, the roles and assignments come from the transaction's snapshot: no read transaction of
            // their own, and they are the ones the session starts with.
            let subject = try authorizer.subject(user: user)
            let context = authorizer.loginContext(subject, at: now, address: address, deviceId: deviceId)
            return (
                session,
                try makeClaims(subject: subject, sessionID: session.id, context: context, deviceId: deviceId, now: now)
            )
        }
        metrics?.increment("auth_session_creations_total")
        return (session, try tokenResponse(user: user, claims: claims, refreshToken: refresh))
    }

    /// The client's `X-Device-Id` (API.md "Assignments"), at most 128 bytes of printable ASCII; else none.
    public static func deviceId(_ request: Request) -> String? {
        guard let value = request.headers["X-Device-Id"]?.trimmingWhitespace(), !value.isEmpty,
            value.utf8.count <= AssignmentRules.maxDeviceIdBytes, value.utf8.allSatisfy({ (0x21...0x7E).contains($0) })
        else { return nil }
        return value
    }

    // MARK: Passwords

    /// Hashes a password with the configured argon2id parameters (behind the password gate in a worker).
    public func hashPassword(_ password: String) throws -> String {
        try passwordWork { try Argon2id.hash(password, parameters: argon2) }
    }

    /// Checks a password against a stored PHC string, refusing strings that would cost more than the cap.
    public func verifyPassword(_ password: String, hash: String) -> Bool {
        passwordWork { (try? Argon2id.verify(password, encoded: hash, cap: argon2Cap)) ?? false }
    }

    /// argon2id work, through the gate that keeps it to `ARGON2_CONCURRENCY` at once across the workers.
    private func passwordWork<T>(_ work: () throws -> T) rethrows -> T {
        guard let passwordGate else { return try work() }
        return try passwordGate.run(onWait: { metrics?.increment("auth_password_hash_waits_total") }) {
            () throws(any Error) -> T in try work()
        }
    }

    /// The same work as a real check, for an unknown account, so timing does not tell whether it exists.
    func verifyAgainstDummy(_ password: String) {
        if dummyHash == nil { dummyHash = try? hashPassword(String(decoding: Random.bytes(count: 16), as: UTF8.self)) }
        if let dummyHash { _ = verifyPassword(password, hash: dummyHash) }
    }
    private var dummyHash: String?

    func needsRehash(_ hash: String) -> Bool {
        Argon2id.needsRehash(hash, parameters: argon2)
    }

    // MARK: Audit

    /// Appends an audit row; a failure to write it is logged, never turned into the request's failure.
    public func record(
        _ event: String, actor: String? = nil, user: String? = nil, request: Request, context: RequestContext,
        details: [String: String] = [:]
    ) {
        do {
            try audit.append(
                event: event, actorId: actor, userId: user,
                ip: request.clientAddress(trustedProxies: config.trustedProxies), userAgent: request.userAgent,
                details: JSONText.object(details), at: context.receivedAt)
        } catch {
            context.logger.error("Audit write failed", metadata: ["audit.event": event, "error": "\(error)"])
        }
    }
}

@available(*, unavailable)
extension AuthService: Sendable {}
