#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Crypto
import Store

/// `POST /auth/password/forgot` (always 202, nothing to enumerate) and `POST /auth/password/reset`.
public struct PasswordResetRoutes {
    let auth: AuthService
    static let lifetime: TimeInterval = 30 * 60

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.post("/auth/password/forgot", use: forgot)
        router.post("/auth/password/reset", use: reset)
    }

    struct ForgotBody: Decodable {
        let email: String
    }

    func forgot(_ request: Request, context: RequestContext) throws -> Response {
        let now = context.receivedAt
        let client = request.clientAddress(trustedProxies: auth.config.trustedProxies)
        try auth.rateLimiter.check("reset", key: "ip:\(client)", now: now)
        let body = try request.decode(ForgotBody.self)
        let email = Identifier.normalize(body.email)
        try auth.rateLimiter.check("reset", key: "id:\(email)", now: now)
        if let user = try auth.users.find(email: email), user.isActive {
            let token = Base64URL.encode(Random.bytes(count: 32))
            let link = auth.config.passwordResetURL.replacing("{token}", with: token)
            try auth.database.transaction {
                try auth.passwordResets.create(
                    hash: SHA256.hash(token), userId: user.id, expiresAt: now.addingTimeInterval(Self.lifetime), now: now)
                try auth.outbox.enqueue(
                    recipient: user.email, subject: "Reset your password",
                    body: """
                        Someone asked to reset the password of \(user.email).
                        To choose a new password, open this link within 30 minutes:

                        \(link)

                        If it was not you, ignore this message; your password stays as it is.
                        """, now: now)
            }
            auth.record("password.reset_requested", user: user.id, request: request, context: context)
        } else {
            // The same work as the branch above, minus the mail, so timing says nothing either.
            _ = SHA256.hash(Base64URL.encode(Random.bytes(count: 32)))
        }
        return try .json(["status": "accepted"], status: 202)
    }

    struct ResetBody: Decodable {
        let token: String
        let newPassword: String
        enum CodingKeys: String, CodingKey {
            case token
            case newPassword = "new_password"
        }
    }

    /// Validates the new password first (so a weak one does not burn the token), then consumes the token once.
    func reset(_ request: Request, context: RequestContext) throws -> Response {
        let now = context.receivedAt
        try auth.rateLimiter.check(
            "reset", key: "ip:\(request.clientAddress(trustedProxies: auth.config.trustedProxies))", now: now)
        let body = try request.decode(ResetBody.self)
        let invalidToken = HTTPError.validation(field: "token", "is invalid, used or expired")
        guard RefreshToken.isWellFormed(body.token) else { throw invalidToken }
        let problems = PasswordPolicy.problems(body.newPassword, email: nil, field: "new_password")
        guard problems.isEmpty else { throw HTTPError.validation(problems.map { .init(field: "new_password", message: $0) }) }
        let hash = try auth.hashPassword(body.newPassword)
        let userID: String = try auth.database.transaction {
            guard let userID = try auth.passwordResets.consume(hash: SHA256.hash(body.token), now: now),
                let user = try auth.users.find(id: userID)
            else { throw invalidToken }
            let emailProblems = PasswordPolicy.problems(body.newPassword, email: user.email)
            guard emailProblems.isEmpty else {
                throw HTTPError.validation(emailProblems.map { .init(field: "new_password", message: $0) })
            }
            try auth.users.setPasswordHash(hash, forUser: userID, keepingSession: nil, now: now)
            try auth.lockouts.succeed(identifier: user.email)
            return userID
        }
        auth.record("password.reset", actor: userID, user: userID, request: request, context: context)
        return .noContent
    }
}
