#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost
import Store
import Webhooks

/// The password step of a sign-in, the one implementation behind `POST /auth/login` and the portal's sign-in
/// form: rate limits (per address, per identifier, global), the lockout counter taken before the password is
/// checked (DESIGN.md), the same argon2 work for unknown accounts, the same 401 for a wrong email and a wrong
/// password, audit rows, and the session.
struct PasswordLogin {
    let auth: AuthService

    /// Signs in with a normalised identifier (``Identifier/required(_:field:)``) and returns the new session's
    /// tokens. With a second factor on, a right password throws 401 `mfa_required` (its `extra` holds `mfa_token`
    /// and `methods`); `inCookies` is remembered for the second step's answer.
    /// - Throws: 401 `invalid_credentials` or `mfa_required`, 403 `account_disabled`, 429 `account_locked` or
    ///   `rate_limited`.
    func signIn(
        identifier: String, password: String, inCookies: Bool, request: Request, context: RequestContext
    ) throws -> TokenResponse {
        let config = auth.config
        let now = context.receivedAt
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
            passwordMatches = auth.passwords.verify(password, hash: hash)
        } else {
            auth.passwords.verifyAgainstDummy(password)
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
        let rehashed = try user.passwordHash.flatMap { auth.passwords.needsRehash($0) ? try auth.passwords.hash(password) : nil }
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
        return tokens
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
}
