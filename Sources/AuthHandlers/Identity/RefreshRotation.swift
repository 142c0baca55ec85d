#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost
import Store
import Webhooks

/// One refresh-token rotation with reuse detection and the grace window (API.md `POST /auth/refresh`), the one
/// implementation behind `/auth/refresh` and the portal's silent refresh. The caller checks the rate limit.
struct RefreshRotation {
    let auth: AuthService

    /// Rotates `presented` and returns the new tokens.
    /// - Throws: 401 `token_invalid` (unknown), `token_expired`, `token_revoked` (revoked, or reused after the
    ///   grace window, which revokes the session).
    func rotate(_ presented: String, request: Request, context: RequestContext) throws -> TokenResponse {
        let now = context.receivedAt
        guard RefreshToken.isWellFormed(presented) else { throw AuthError.tokenInvalid("Unknown refresh token.") }
        let successor = RefreshToken.successor(of: presented, secret: auth.tokens.refreshSecret)
        let outcome = try auth.refreshTokens.rotate(
            presentedHash: RefreshToken.hash(presented), successorHash: RefreshToken.hash(successor), now: now,
            graceSeconds: auth.config.refreshGrace,
            successorExpiresAt: now.addingTimeInterval(Double(auth.config.refreshTokenLifetime))
        ) { session in
            try recordRevocation(of: session, reason: "refresh token reuse", now: now)
        }
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
            try auth.database.perform(.revokeSessions) {
                if try auth.sessions.revoke(id: session.id, reason: "account disabled", now: now) {
                    try recordRevocation(of: session, reason: "account disabled", now: now)
                }
            }
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
        return tokens
    }

    /// The `session.revoked` event of a revocation no person asked for (the system is the actor), in the caller's
    /// unit of work.
    private func recordRevocation(of session: Session, reason: String, now: Date) throws {
        try auth.events.record(
            .sessionRevoked, subject: .session(session.id),
            data: ["user_id": .string(session.userId), "reason": .string(reason)], at: now)
    }
}
