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

    /// The lockout counter is taken before the password is checked (DESIGN.md), unknown accounts cost the same
    /// argon2 work, and both wrong email and wrong password answer the same 401. The body is checked before
    /// anything is written, so an identifier over 254 bytes never becomes a lockout, bucket or audit key.
    func login(_ request: Request, context: RequestContext) throws -> Response {
        let config = auth.config
        let now = context.receivedAt
        let body = try request.decode(LoginBody.self)
        let field = body.email == nil && body.username != nil ? "username" : "email"
        let identifier = try Identifier.required(body.email ?? body.username, field: field)
        try auth.rateLimiter.check("login", key: auth.rateLimiter.clientKey(request), now: now)
        try auth.rateLimiter.check("login_identifier", key: identifier, now: now)
        try auth.rateLimiter.check("login_global", key: "all", now: now)

        switch try auth.lockouts.begin(identifier: identifier, now: now, threshold: config.lockoutThreshold,
                                       window: TimeInterval(config.lockoutWindow)) {
        case .locked(let retryAfter):
            auth.auditTrail.record("login.locked_out", request: request, context: context, details: ["identifier": identifier])
            throw AuthError.accountLocked(retryAfter: retryAfter)
        case .proceed:
            break
        }

        let user = try auth.users.find(email: identifier)
        let passwordMatches: Bool
        if let user, let hash = user.passwordHash {
            passwordMatches = auth.passwords.verify(body.password, hash: hash)
        } else {
            auth.passwords.verifyAgainstDummy(body.password)
            passwordMatches = false
        }
        guard let user, passwordMatches else {
            auth.metrics?.increment("auth_login_failures_total")
            let reason = user == nil ? "unknown_account" : "bad_password"
            let subject = user.map { EventSubject.user($0.id) } ?? EventLog.identifierSubject(identifier)
            var data: [String: JSONValue] = ["reason": .string(reason)]
            if let user { data["email"] = .string(user.email) }
            let locked = try auth.database.perform(.recordLoginFailure) {
                let locked = try auth.lockouts.fail(
                    identifier: identifier, now: now, threshold: config.lockoutThreshold,
                    baseDuration: TimeInterval(config.lockoutDuration),
                    maxDuration: TimeInterval(config.lockoutMaxDuration))
                try auth.events.record(.loginFailed, subject: subject, data: data, at: now)
                if locked { try auth.events.record(.lockoutStarted, subject: subject, data: data, at: now) }
                return locked
            }
            auth.auditTrail.record(
                "login.failure", user: user?.id, request: request, context: context,
                details: ["identifier": identifier, "reason": user == nil ? "unknown_account" : "bad_password"])
            if locked {
                auth.metrics?.increment("auth_lockouts_total")
                auth.auditTrail.record("account.locked", user: user?.id, request: request, context: context, details: ["identifier": identifier])
            }
            context.logger.notice("Login failed", metadata: ["auth.reason": user == nil ? "unknown_account" : "bad_password"])
            throw AuthError.invalidCredentials
        }
        guard user.isActive else {
            try auth.database.perform(.recordLoginFailure) {
                try auth.lockouts.succeed(identifier: identifier)
                try auth.events.record(
                    .loginFailed, subject: .user(user.id),
                    data: ["reason": .string("disabled"), "email": .string(user.email)], at: now)
            }
            auth.auditTrail.record("login.failure", user: user.id, request: request, context: context, details: ["reason": "disabled"])
            throw AuthError.accountDisabled
        }
        // A new hash is computed before the transaction, so the write lock is never held across argon2.
        let rehashed = try user.passwordHash.flatMap { auth.passwords.needsRehash($0) ? try auth.passwords.hash(body.password) : nil }
        let inCookies = browser.wantsCookie(request, bodyFlag: body.useCookies)
        let methods = try auth.secondFactors.methods(userId: user.id)
        if !methods.isEmpty {
            throw try secondStep(
                user: user, methods: methods, identifier: identifier, rehashed: rehashed, inCookies: inCookies,
                request: request, context: context)
        }
        let (_, tokens) = try auth.tokens.startSession(user: user, request: request, amr: ["pwd"], now: now) { session in
            try auth.lockouts.succeed(identifier: identifier)
            if let rehashed { try auth.users.rehashPassword(rehashed, forUser: user.id, now: now) }
            auth.auditTrail.record(
                "login.success", actor: user.id, user: user.id, request: request, context: context,
                details: ["session_id": session.id, "amr": "pwd"])
        }
        return try browser.tokenResponse(tokens, inCookies: inCookies)
    }

    /// The answer to a right password when a second factor is on: 401 `mfa_required` with a new single-use
    /// `mfa_token` and the `methods` the user can answer with (API.md "MFA"). The password lockout is cleared (the
    /// password was right; OTP failures have their own counter), and no session exists until the second step.
    func secondStep(
        user: User, methods: [String], identifier: String, rehashed: String?, inCookies: Bool, request: Request,
        context: RequestContext
    ) throws -> HTTPError {
        let now = context.receivedAt
        let token = MFAToken.generate()
        try auth.database.perform(.startSecondStep) {
            try auth.lockouts.succeed(identifier: identifier)
            if let rehashed { try auth.users.rehashPassword(rehashed, forUser: user.id, now: now) }
            try auth.secondFactors.challenges.create(
                hash: MFAToken.hash(token), userId: user.id,
                expiresAt: now.addingTimeInterval(TimeInterval(auth.config.mfaTokenLifetime)), useCookies: inCookies,
                now: now)
            auth.auditTrail.record(
                "login.mfa_required", actor: user.id, user: user.id, request: request, context: context,
                details: ["methods": methods.joined(separator: " ")])
        }
        return HTTPError(
            .unauthorized, code: "mfa_required", detail: "The password is right; a second factor is required.",
            extra: [
                "mfa_token": .string(token), "methods": .array(methods.map(JSONValue.string)),
                "expires_in": .number(Double(auth.config.mfaTokenLifetime)),
            ])
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
        if body?.all == true {
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
        var response = Response.noContent
        for cookie in browser.clearingCookies(request) { response.headers.add("Set-Cookie", cookie) }
        return response
    }
}
