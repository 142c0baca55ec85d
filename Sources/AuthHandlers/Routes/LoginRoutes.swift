#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store
import Webhooks

/// `POST /auth/register`, `POST /auth/login`, `POST /auth/logout`.
public struct LoginRoutes {
    let auth: AuthService
    let browser: BrowserSupport

    public init(auth: AuthService) {
        self.auth = auth
        browser = BrowserSupport(config: auth.config, metrics: auth.metrics)
    }

    public func addRoutes(to router: Router) {
        router.post("/auth/register", use: register)
        router.post("/auth/login", use: login)
        router.post("/auth/logout", use: logout)
    }

    struct RegisterBody: Decodable {
        let email: String
        let password: String
        let name: String
    }

    func register(_ request: Request, context: RequestContext) throws -> Response {
        guard auth.config.registrationOpen else {
            throw HTTPError(.forbidden, code: "registration_closed", detail: "Registration is closed.")
        }
        try auth.rateLimiter.check("register", key: auth.rateLimiter.clientKey(request), now: context.receivedAt)
        let body = try request.decode(RegisterBody.self)
        let email = Identifier.normalize(body.email)
        let name = body.name.trimmingWhitespace()
        var errors: [HTTPError.FieldError] = []
        if !Identifier.isPlausibleEmail(email) { errors.append(.init(field: "email", message: "must be an email address")) }
        if name.isEmpty || name.count > 200 { errors.append(.init(field: "name", message: "must be 1 to 200 characters")) }
        errors += PasswordPolicy.problems(body.password, email: email).map { .init(field: "password", message: $0) }
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        let hash = try auth.passwords.hash(body.password)
        let user: User
        do {
            user = try auth.database.perform(.createUser) {
                let user = try auth.users.insert(email: email, name: name, passwordHash: hash, now: context.receivedAt)
                try auth.events.record(
                    .userCreated, actor: user.id, subject: .user(user.id),
                    data: ["email": .string(user.email), "source": .string("registration")], at: context.receivedAt)
                return user
            }
        } catch let error as StoreError where error == .duplicate {
            throw HTTPError(.conflict, code: "conflict", detail: "An account with this email already exists.")
        }
        auth.auditTrail.record("user.registered", actor: user.id, user: user.id, request: request, context: context)
        return try .json(UserBody(user, roles: []), status: 201)
    }

    struct LoginBody: Decodable {
        let email: String?
        let username: String?
        let password: String
        let useCookies: Bool?

        enum CodingKeys: String, CodingKey {
            case email, username, password
            case useCookies = "use_cookies"
        }
    }

    /// The body is checked before anything is written, so an identifier over 254 bytes never becomes a lockout,
    /// bucket or audit key; the rest is ``PasswordLogin``, which the portal's sign-in form uses too.
    func login(_ request: Request, context: RequestContext) throws -> Response {
        let body = try request.decode(LoginBody.self)
        let field = body.email == nil && body.username != nil ? "username" : "email"
        let identifier = try Identifier.required(body.email ?? body.username, field: field)
        let inCookies = browser.wantsCookie(request, bodyFlag: body.useCookies)
        let tokens = try PasswordLogin(auth: auth).signIn(
            identifier: identifier, password: body.password, inCookies: inCookies, request: request, context: context)
        return try browser.tokenResponse(tokens, inCookies: inCookies)
    }

    struct LogoutBody: Decodable {
        let refreshToken: String?
        let all: Bool?
        enum CodingKeys: String, CodingKey {
            case refreshToken = "refresh_token", all
        }
    }

    /// Revokes the session of the access token, or of the refresh token (body or cookie); `all` revokes every
    /// session of the user.
    func logout(_ request: Request, context: RequestContext) throws -> Response {
        let body: LogoutBody? = request.body.isEmpty ? nil : try request.decode(LogoutBody.self)
        let now = context.receivedAt
        let session: Session
        if auth.authenticator.bearerToken(request) != nil {
            let principal = try auth.authenticator.authenticate(request, now: now)
            guard let found = try auth.sessions.find(id: principal.sessionID) else { throw AuthError.tokenRevoked }
            session = found
        } else {
            let cookie = request.cookies[BrowserSupport.refreshCookie]
            guard let token = body?.refreshToken ?? cookie else { throw AuthError.tokenMissing }
            if body?.refreshToken == nil { try browser.requireAllowedOrigin(request) }
            guard RefreshToken.isWellFormed(token),
                let found = try auth.refreshTokens.session(forHash: RefreshToken.hash(token))
            else { throw AuthError.tokenInvalid("Unknown refresh token.") }
            guard found.isLive(at: now) else { throw AuthError.tokenRevoked }
            session = found
        }
        try end(session, all: body?.all == true, request: request, context: context)
        var response = Response.noContent
        for cookie in browser.clearingCookies(request) { response.headers.add("Set-Cookie", cookie) }
        return response
    }

    /// Revokes `session` (or with `all` every session of its user), with its event and audit row: the logout of the
    /// JSON route and of the portal.
    func end(_ session: Session, all: Bool, request: Request, context: RequestContext) throws {
        let now = context.receivedAt
        if all {
            let count = try auth.database.perform(.revokeSessions) {
                let count = try auth.sessions.revokeAll(userId: session.userId, reason: "logout all", now: now)
                try auth.events.record(
                    .sessionRevoked, actor: session.userId, subject: .user(session.userId),
                    data: ["user_id": .string(session.userId), "reason": .string("logout all"), "sessions": .number(Double(count))],
                    at: now)
                return count
            }
            auth.auditTrail.record("logout.all", actor: session.userId, user: session.userId, request: request, context: context, details: ["sessions": "\(count)"])
        } else {
            try auth.database.perform(.revokeSessions) {
                try auth.sessions.revoke(id: session.id, reason: "logout", now: now)
                try auth.events.record(
                    .sessionRevoked, actor: session.userId, subject: .session(session.id),
                    data: ["user_id": .string(session.userId), "reason": .string("logout")], at: now)
            }
            auth.auditTrail.record("logout", actor: session.userId, user: session.userId, request: request, context: context, details: ["session_id": session.id])
        }
    }
}
