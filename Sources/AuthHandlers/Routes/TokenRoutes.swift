#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store

/// `POST /auth/refresh`: rotation with reuse detection and a grace window (API.md).
public struct TokenRoutes {
    let auth: AuthService
    let browser: BrowserSupport

    public init(auth: AuthService) {
        self.auth = auth
        browser = BrowserSupport(config: auth.config, metrics: auth.metrics)
    }

    public func addRoutes(to router: Router) {
        router.post("/auth/refresh", use: refresh)
    }

    struct RefreshBody: Decodable {
        let refreshToken: String?
        let useCookies: Bool?
        enum CodingKeys: String, CodingKey {
            case refreshToken = "refresh_token", useCookies = "use_cookies"
        }
    }

    func refresh(_ request: Request, context: RequestContext) throws -> Response {
        let now = context.receivedAt
        try auth.rateLimiter.check(
            "refresh", key: auth.rateLimiter.clientKey(request), now: now)
        let body: RefreshBody? = request.body.isEmpty ? nil : try request.decode(RefreshBody.self)
        let cookie = request.cookies[BrowserSupport.refreshCookie]
        guard let presented = body?.refreshToken ?? cookie else { throw AuthError.tokenMissing }
        let fromCookie = body?.refreshToken == nil
        if fromCookie { try browser.requireAllowedOrigin(request) }
        guard RefreshToken.isWellFormed(presented) else { throw AuthError.tokenInvalid("Unknown refresh token.") }

        let successor = RefreshToken.successor(of: presented, secret: auth.tokens.refreshSecret)
        let outcome = try auth.refreshTokens.rotate(
            presentedHash: RefreshToken.hash(presented), successorHash: RefreshToken.hash(successor), now: now,
            graceSeconds: auth.config.refreshGrace,
            successorExpiresAt: now.addingTimeInterval(Double(auth.config.refreshTokenLifetime)))
        let session: Session
        switch outcome {
        case .rotated(let rotated), .graceReplay(let rotated):
            session = rotated
        case .reused(let sessionID):
            let owner = try auth.sessions.find(id: sessionID)?.userId
            auth.auditTrail.record(
                "refresh.reuse_detected", user: owner, request: request, context: context,
                details: ["session_id": sessionID])
            context.logger.warning("Refresh token reused; session revoked", metadata: ["session.id": sessionID])
            throw AuthError.tokenRevoked
        case .revoked:
            throw AuthError.tokenRevoked
        case .expired:
            throw AuthError.tokenExpired
        case .unknown:
            throw AuthError.tokenInvalid("Unknown refresh token.")
        }
        guard let user = try auth.users.find(id: session.userId), user.isActive else {
            try auth.sessions.revoke(id: session.id, reason: "account disabled", now: now)
            throw AuthError.tokenRevoked
        }
        // A rotation touched the session in its own transaction; a grace replay did not.
        if case .graceReplay = outcome { try auth.sessions.touch(id: session.id, at: now) }
        let claims = try auth.tokens.makeClaims(
            user: user, session: session, address: request.clientAddress(trustedProxies: auth.config.trustedProxies),
            now: now)
        let tokens = try auth.tokens.tokenResponse(user: user, claims: claims, refreshToken: successor)
        if case .rotated = outcome {
            auth.auditTrail.record("refresh", actor: user.id, user: user.id, request: request, context: context, details: ["session_id": session.id])
        }
        return try browser.tokenResponse(
            tokens, inCookies: fromCookie || browser.wantsCookie(request, bodyFlag: body?.useCookies))
    }
}
