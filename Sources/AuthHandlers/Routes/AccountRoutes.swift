#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store
import Webhooks

/// The caller's own account: `GET /auth/me`, `GET /auth/permissions`, `PUT /auth/password` (and
/// `PUT /users/me/password`), `GET /auth/sessions`, `DELETE /auth/sessions/{id}`.
public struct AccountRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.get("/auth/me", use: me)
        router.get("/auth/permissions", use: permissions)
        router.put("/auth/password", use: changePassword)
        router.put("/users/me/password", use: changePassword)
        router.get("/auth/sessions", use: listSessions)
        router.delete("/auth/sessions/{id}", use: revokeSession)
    }

    struct MeBody: Encodable {
        let id: String
        let email: String
        let name: String
        let roles: [String]
        let permissions: [String]
        let isActive: Bool
        let profile: JSONValue
        let createdAt: String
        let updatedAt: String
        let assignments: [AssignmentBody]
        let ctx: AccessClaims.Context?
        enum CodingKeys: String, CodingKey {
            case id, email, name, roles, permissions, profile, assignments, ctx
            case isActive = "is_active", createdAt = "created_at", updatedAt = "updated_at"
        }
    }

    func me(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        guard let user = try auth.users.find(id: principal.userID) else { throw AuthError.tokenRevoked }
        let base = UserBody(user, roles: principal.roles)
        return try .json(
            MeBody(
                id: user.id, email: user.email, name: user.name, roles: principal.roles,
                permissions: principal.permissions, isActive: user.isActive, profile: base.profile,
                createdAt: base.createdAt, updatedAt: base.updatedAt,
                assignments: try auth.assignments.list(userId: user.id).map(AssignmentBody.init),
                ctx: principal.claims.ctx))
    }

    struct PermissionsBody: Encodable {
        let permissions: [String]
        let roles: [String]
        let ctx: AccessClaims.Context?
    }

    func permissions(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        return try .json(PermissionsBody(permissions: principal.permissions, roles: principal.roles, ctx: principal.claims.ctx))
    }

    struct PasswordChange: Decodable {
        let currentPassword: String
        let newPassword: String
        enum CodingKeys: String, CodingKey {
            case currentPassword = "current_password", newPassword = "new_password"
        }
    }

    /// A wrong current password is a 422 on `current_password`, not a 401 (clients read 401 as "log in again").
    func changePassword(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        let body = try request.decode(PasswordChange.self)
        try changePassword(
            of: principal, current: body.currentPassword, new: body.newPassword, request: request, context: context)
        return .noContent
    }

    /// The password change itself, shared with the portal's account page: the lockout of the login form counts
    /// guesses here too; the user's other sessions are revoked.
    /// - Throws: 422 on `current_password` or `new_password`, 429 `account_locked`.
    func changePassword(
        of principal: Principal, current: String, new: String, request: Request, context: RequestContext
    ) throws {
        guard let user = try auth.users.find(id: principal.userID) else { throw AuthError.tokenRevoked }
        // Guessing through this route counts against the same lockout as the login form.
        let identifier = user.email
        if case .locked(let retryAfter) = try auth.lockouts.begin(
            identifier: identifier, now: context.receivedAt, threshold: auth.config.lockoutThreshold,
            window: TimeInterval(auth.config.lockoutWindow))
        {
            throw AuthError.accountLocked(retryAfter: retryAfter)
        }
        guard let hash = user.passwordHash, auth.passwords.verify(current, hash: hash) else {
            _ = try auth.lockouts.fail(
                identifier: identifier, now: context.receivedAt, threshold: auth.config.lockoutThreshold,
                baseDuration: TimeInterval(auth.config.lockoutDuration),
                maxDuration: TimeInterval(auth.config.lockoutMaxDuration))
            throw HTTPError.validation(field: "current_password", "is not the current password")
        }
        try auth.lockouts.succeed(identifier: identifier)
        let problems = PasswordPolicy.problems(new, email: user.email)
        guard problems.isEmpty else {
            throw HTTPError.validation(problems.map { .init(field: "new_password", message: $0) })
        }
        let newHash = try auth.passwords.hash(new)
        let revoked = try auth.database.perform(.changePassword) {
            let revoked = try auth.users.setPasswordHash(
                newHash, forUser: user.id, keepingSession: principal.sessionID, now: context.receivedAt)
            try auth.events.record(
                .passwordChanged, actor: user.id, subject: .user(user.id),
                data: ["email": .string(user.email), "sessions_revoked": .number(Double(revoked))], at: context.receivedAt)
            return revoked
        }
        auth.auditTrail.record(
            "password.changed", actor: user.id, user: user.id, request: request, context: context,
            details: ["sessions_revoked": "\(revoked)"])
    }

    struct SessionBody: Encodable {
        let id: String
        let createdAt: String
        let lastUsedAt: String
        let expiresAt: String
        let ip: String?
        let userAgent: String?
        let current: Bool
        enum CodingKeys: String, CodingKey {
            case id, ip, current
            case createdAt = "created_at", lastUsedAt = "last_used_at", expiresAt = "expires_at", userAgent = "user_agent"
        }
    }

    func listSessions(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        let items = try auth.sessions.list(userId: principal.userID, now: context.receivedAt).map {
            SessionBody(
                id: $0.id, createdAt: RFC3339.string($0.createdAt), lastUsedAt: RFC3339.string($0.lastUsedAt),
                expiresAt: RFC3339.string($0.expiresAt), ip: $0.ip, userAgent: $0.userAgent,
                current: $0.id == principal.sessionID)
        }
        return try .json(ListBody(items: items, nextCursor: nil))
    }

    func revokeSession(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        try revokeSession(try request.parameters.require("id"), of: principal, request: request, context: context)
        return .noContent
    }

    /// Revokes one of the principal's own live sessions (shared with the portal's account page).
    /// - Throws: 404 for an id that is not a live session of this user.
    func revokeSession(_ id: String, of principal: Principal, request: Request, context: RequestContext) throws {
        guard let session = try auth.sessions.find(id: id), session.userId == principal.userID,
            session.isLive(at: context.receivedAt)
        else { throw HTTPError.notFound("You have no live session with this id.") }
        try auth.database.perform(.revokeSessions) {
            try auth.sessions.revoke(id: id, reason: "revoked by user", now: context.receivedAt)
            try auth.events.record(
                .sessionRevoked, actor: principal.userID, subject: .session(id),
                data: ["user_id": .string(principal.userID), "reason": .string("revoked by user")], at: context.receivedAt)
        }
        auth.auditTrail.record(
            "session.revoked", actor: principal.userID, user: principal.userID, request: request, context: context,
            details: ["session_id": id])
    }
}
