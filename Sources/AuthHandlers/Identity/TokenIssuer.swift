#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Crypto
public import FCGIHost
public import Store
import Webhooks

/// Access tokens on the way out: the claims of a session's token as the ``Authorizer`` computes them (login,
/// refresh, context switch), the signed token response, and new sessions with their first refresh token.
public final class TokenIssuer {
    let config: Config
    let database: Database
    let keys: SigningKeys
    let sessions: Sessions
    let refreshTokens: RefreshTokens
    let events: EventLog
    let authorizer: Authorizer
    let metrics: Metrics?
    /// Keys the deterministic refresh-token successor (so two tabs refreshing at once get the same one).
    let refreshSecret: [UInt8]

    public init(
        config: Config, database: Database, keys: SigningKeys, authorizer: Authorizer, refreshSecret: [UInt8],
        metrics: Metrics?
    ) {
        self.config = config
        self.database = database
        self.keys = keys
        sessions = Sessions(db: database)
        refreshTokens = RefreshTokens(db: database)
        events = EventLog(database: database)
        self.authorizer = authorizer
        self.refreshSecret = refreshSecret
        self.metrics = metrics
    }

    /// The claims of a new access token for `subject` in a session: the permissions of `context`'s domain (or of
    /// `*` without one), as the Authorizer computes them.
    public func makeClaims(
        subject: Authorizer.Subject, sessionID: String, context: Assignment?, deviceId: String?, amr: [String],
        now: Date = Date()
    ) throws -> AccessClaims {
        let user = subject.user
        let grants = try authorizer.grants(
            subject, in: context.map(Authorizer.domain(of:)) ?? PolicyLine.anyDomain)
        let issued = Int64(now.timeIntervalSince1970)
        var claims = AccessClaims(
            iss: config.issuer, aud: config.audience, sub: user.id, sid: sessionID,
            jti: Random.uuid(), iat: issued, nbf: issued,
            exp: issued + Int64(config.accessTokenLifetime), email: EndUser.email(of: user), name: user.name, roles: grants.roles,
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
        claims.amr = amr.isEmpty ? nil : amr
        claims.tenant = user.tenant
        claims.ext = user.externalId
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
            subject: subject, sessionID: session.id, context: context, deviceId: session.deviceId, amr: session.amr,
            now: now)
    }

    /// Signs `claims` and builds the token response around them.
    func tokenResponse(user: User, claims: AccessClaims, refreshToken: String) throws -> TokenResponse {
        let token = try keys.sign(claimsJSON: claims.json)
        return TokenResponse(
            accessToken: token, expiresIn: config.accessTokenLifetime, refreshToken: refreshToken,
            refreshExpiresIn: config.refreshTokenLifetime,
            user: .init(id: user.id, email: claims.email, name: user.name, roles: claims.roles, permissions: claims.permissions))
    }

    /// Starts a session: its row, its first refresh token, and the token response. `alongside` runs in the same
    /// transaction once the session exists (login clears the lockout counter and writes its audit row there,
    /// one commit instead of three); the token is signed after the commit, outside the write lock. `amr` lists the
    /// RFC 8176 methods the login used; the session keeps them for its later tokens.
    public func startSession(
        user: User, request: Request, amr: [String] = [], now: Date = Date(),
        alongside: (Session) throws -> Void = { _ in }
    ) throws -> (session: Session, response: TokenResponse) {
        let refresh = RefreshToken.generate()
        let address = request.clientAddress(trustedProxies: config.trustedProxies)
        let deviceId = Self.deviceId(request)
        let (session, claims) = try database.perform(.startSession) {
            let session = try sessions.create(
                id: Random.uuid(), userId: user.id,
                expiresAt: now.addingTimeInterval(TimeInterval(config.refreshTokenLifetime)),
                ip: address, userAgent: request.userAgent, deviceId: deviceId, amr: amr, now: now)
            try refreshTokens.issue(
                hash: RefreshToken.hash(refresh), sessionId: session.id,
                expiresAt: session.expiresAt, now: now)
            try alongside(session)
            try events.record(
                .sessionCreated, actor: user.id, subject: .session(session.id),
                data: ["user_id": .string(user.id), "ip": .string(address)], at: now)
            // Read here, the roles and assignments come from the transaction's snapshot: no read transaction of
            // their own, and they are the ones the session starts with.
            let subject = try authorizer.subject(user: user)
            let context = authorizer.loginContext(subject, at: now, address: address, deviceId: deviceId)
            return (
                session,
                try makeClaims(
                    subject: subject, sessionID: session.id, context: context, deviceId: deviceId, amr: amr, now: now)
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
}

@available(*, unavailable)
extension TokenIssuer: Sendable {}
