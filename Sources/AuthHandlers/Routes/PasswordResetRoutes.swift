#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Crypto
import Store
import Webhooks

/// `POST /auth/password/forgot` (always 202, nothing to enumerate) and `POST /auth/password/reset`.
public struct PasswordResetRoutes {
    let auth: AuthService

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

    /// Queues the request and answers 202 at once: the one write here is the same whether the account exists or
    /// not, so neither the answer nor its timing tells. The supervisor takes the request up within a second
    /// (``PasswordResetMailer``): it looks the account up, makes the token and queues the mail.
    func forgot(_ request: Request, context: RequestContext) throws -> Response {
        let now = context.receivedAt
        let body = try request.decode(ForgotBody.self)
        let email = try Identifier.required(body.email, field: "email")
        try auth.rateLimiter.check("reset", key: "ip:\(auth.rateLimiter.clientKey(request))", now: now)
        try auth.rateLimiter.check("reset", key: "id:\(email)", now: now)
        try auth.passwordResets.request(
            identifier: email, ip: request.clientAddress(trustedProxies: auth.config.trustedProxies),
            userAgent: request.userAgent, now: now)
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
            "reset", key: "ip:\(auth.rateLimiter.clientKey(request))", now: now)
        let body = try request.decode(ResetBody.self)
        let invalidToken = HTTPError.validation(field: "token", "is invalid, used or expired")
        guard RefreshToken.isWellFormed(body.token) else { throw invalidToken }
        let problems = PasswordPolicy.problems(body.newPassword, email: nil, field: "new_password")
        guard problems.isEmpty else { throw HTTPError.validation(problems.map { .init(field: "new_password", message: $0) }) }
        let hash = try auth.passwords.hash(body.newPassword)
        let userID: String = try auth.database.perform(.resetPassword) {
            guard let userID = try auth.passwordResets.consume(hash: SHA256.hash(body.token), now: now),
                let user = try auth.users.find(id: userID)
            else { throw invalidToken }
            let emailProblems = PasswordPolicy.problems(body.newPassword, email: user.email)
            guard emailProblems.isEmpty else {
                throw HTTPError.validation(emailProblems.map { .init(field: "new_password", message: $0) })
            }
            try auth.users.setPasswordHash(hash, forUser: userID, keepingSession: nil, now: now)
            try auth.lockouts.succeed(identifier: user.email)
            try auth.events.record(
                .passwordReset, actor: userID, subject: .user(userID), data: ["email": .string(user.email)], at: now)
            return userID
        }
        auth.auditTrail.record("password.reset", actor: userID, user: userID, request: request, context: context)
        return .noContent
    }
}
