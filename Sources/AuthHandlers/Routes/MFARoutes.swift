#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
public import FCGIHost
import Store
import Webhooks

/// Second factors (API.md "MFA"): the user's own TOTP enrolment and recovery codes under `/auth/mfa`, the second
/// step of a login (`POST /auth/mfa/verify`), and an administrator's reset (`DELETE /users/{id}/mfa`).
public struct MFARoutes {
    let auth: AuthService
    let factors: SecondFactors
    let browser: BrowserSupport

    public init(auth: AuthService) {
        self.auth = auth
        factors = auth.secondFactors
        browser = BrowserSupport(config: auth.config, metrics: auth.metrics)
    }

    public func addRoutes(to router: Router) {
        router.get("/auth/mfa", use: status)
        router.post("/auth/mfa/totp/enroll", use: enroll)
        router.post("/auth/mfa/totp/confirm", use: confirm)
        router.delete("/auth/mfa/totp", use: disable)
        router.post("/auth/mfa/recovery-codes", use: regenerate)
        router.post("/auth/mfa/verify", use: verify)
        router.delete("/users/{id}/mfa", use: reset)
    }

    // MARK: Status

    struct StatusBody: Encodable {
        let totp: Bool
        let recoveryCodesLeft: Int
        /// Each passkey as `GET /auth/webauthn/credentials` lists it (`last_used_at` null until first used).
        let webauthn: [WebAuthnRoutes.CredentialBody]
        enum CodingKeys: String, CodingKey {
            case totp, webauthn
            case recoveryCodesLeft = "recovery_codes_left"
        }
    }

    /// `GET /auth/mfa`: which factors the caller has on.
    func status(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        let totpOn = try factors.totp.find(userId: principal.userID)?.confirmedAt != nil
        return try .json(
            StatusBody(
                totp: totpOn,
                recoveryCodesLeft: totpOn ? try factors.totp.remainingRecoveryCodes(userId: principal.userID) : 0,
                webauthn: try auth.passkeys.credentials.list(userId: principal.userID).map(WebAuthnRoutes.CredentialBody.init)))
    }

    /// Whether TOTP is on for the user, and how many recovery codes are left (the portal's account page).
    func totpStatus(userId: String) throws -> (on: Bool, recoveryCodesLeft: Int) {
        let on = try factors.totp.find(userId: userId)?.confirmedAt != nil
        return (on, on ? try factors.totp.remainingRecoveryCodes(userId: userId) : 0)
    }

    /// The secret and URI of an enrolment not yet confirmed (the portal shows its QR code again after a wrong code).
    func pendingEnrolment(userId: String) throws -> EnrollBody? {
        guard let enrolment = try factors.totp.find(userId: userId), enrolment.confirmedAt == nil,
            let user = try auth.users.find(id: userId)
        else { return nil }
        let totp = try factors.requireKey().openTOTP(enrolment.sealedSecret, binding: userId)
        return EnrollBody(secret: totp.base32Secret, otpauthURI: totp.uri(account: user.email, issuer: auth.config.mfaIssuer))
    }

    /// The methods of an unused, unexpired `mfa_token` (the portal shows the second step again after a wrong code).
    func methods(mfaToken: String, now: Date) throws -> [String] {
        guard MFAToken.isWellFormed(mfaToken), let challenge = try factors.challenges.find(hash: MFAToken.hash(mfaToken)),
            challenge.usedAt == nil, challenge.expiresAt > now
        else { return [] }
        return try factors.methods(userId: challenge.userId)
    }

    // MARK: TOTP enrolment

    struct EnrollBody: Encodable {
        let secret: String
        let otpauthURI: String
        enum CodingKeys: String, CodingKey {
            case secret
            case otpauthURI = "otpauth_uri"
        }
    }

    /// `POST /auth/mfa/totp/enroll` → the new secret (base32) and its `otpauth://` URI, not active until confirmed;
    /// a new enrolment replaces one not yet confirmed; 409 when TOTP is already on.
    func enroll(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        return try .json(enroll(principal: principal, request: request, context: context))
    }

    /// The enrolment itself, shared with the portal's account page.
    func enroll(principal: Principal, request: Request, context: RequestContext) throws -> EnrollBody {
        let key = try factors.requireKey()
        guard let user = try auth.users.find(id: principal.userID) else { throw AuthError.tokenRevoked }
        let totp = TOTP.generate()
        do {
            try factors.totp.enroll(
                userId: user.id, sealedSecret: try key.seal(totp, binding: user.id), now: context.receivedAt)
        } catch let error as StoreError where error == .duplicate {
            throw HTTPError(
                .conflict, code: "conflict", detail: "TOTP is already on; turn it off first to enrol a new secret.")
        }
        auth.auditTrail.record("mfa.totp_enrolled", actor: user.id, user: user.id, request: request, context: context)
        return EnrollBody(
            secret: totp.base32Secret, otpauthURI: totp.uri(account: user.email, issuer: auth.config.mfaIssuer))
    }

    struct CodeBody: Decodable {
        let code: String
    }

    struct RecoveryCodesBody: Encodable {
        let recoveryCodes: [String]
        enum CodingKeys: String, CodingKey {
            case recoveryCodes = "recovery_codes"
        }
    }

    /// `POST /auth/mfa/totp/confirm` `{code}` → the recovery codes, shown once; from now on TOTP is required at
    /// login. The confirming code counts as used.
    func confirm(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        let body = try request.decode(CodeBody.self)
        return try .json(
            RecoveryCodesBody(recoveryCodes: confirm(principal: principal, code: body.code, request: request, context: context)))
    }

    /// The confirmation itself, shared with the portal: the recovery codes, to be shown once.
    func confirm(principal: Principal, code: String, request: Request, context: RequestContext) throws -> [String] {
        let key = try factors.requireKey()
        let userId = principal.userID
        guard let enrolment = try factors.totp.find(userId: userId) else {
            throw HTTPError(.conflict, code: "conflict", detail: "There is no TOTP enrolment to confirm; enrol first.")
        }
        guard enrolment.confirmedAt == nil else {
            throw HTTPError(.conflict, code: "conflict", detail: "TOTP is already on.")
        }
        let generator = try key.openTOTP(enrolment.sealedSecret, binding: userId)
        guard let step = generator.verify(code, at: context.receivedAt, window: 1) else {
            throw HTTPError.validation(field: "code", "is not the current code of this secret")
        }
        let codes = RecoveryCode.generateSet()
        let hashes = codes.map { key.recoveryCodeHash(RecoveryCode.normalize($0) ?? $0, owner: userId) }
        let confirmed = try auth.database.perform(.changeSecondFactor) {
            guard
                try factors.totp.confirm(
                    userId: userId, step: Int64(step), recoveryCodeHashes: hashes, now: context.receivedAt)
            else { return false }
            try auth.events.record(
                .mfaEnabled, actor: userId, subject: .user(userId), data: ["method": .string("totp")],
                at: context.receivedAt)
            return true
        }
        guard confirmed else { throw HTTPError(.conflict, code: "conflict", detail: "TOTP is already on.") }
        auth.auditTrail.record("mfa.totp_confirmed", actor: userId, user: userId, request: request, context: context)
        return codes
    }

    // MARK: Turning off, new recovery codes

    /// `{code}` (a TOTP code) or `{password}`: what turning TOTP off and a new set of recovery codes ask for.
    struct ProofBody: Decodable {
        let code: String?
        let password: String?
    }

    /// Checks the proof of a signed-in user (a TOTP code through the OTP lockout, a password through the login
    /// lockout); a wrong one is 422 on the field given. `alongside` runs in the unit of work that uses up the code.
    private func requireProof<T>(
        _ body: ProofBody, user: User, request: Request, context: RequestContext, work: UnitOfWork,
        alongside: () throws -> T
    ) throws -> T {
        let now = context.receivedAt
        switch (body.code, body.password) {
        case (let code?, nil):
            try factors.beginAttempt(userId: user.id, now: now)
            if let accepted = try factors.check(.totp(code), userId: user.id, now: now) {
                let result: T? = try auth.database.perform(work) {
                    guard try accepted.consume() else { return nil }
                    try factors.recordSuccess(userId: user.id)
                    return try alongside()
                }
                if let result { return result }
            }
            recordOTPFailure(userId: user.id, request: request, context: context)
            throw HTTPError.validation(field: "code", "is not a current code, or was used already")
        case (nil, let password?):
            let identifier = user.email
            if case .locked(let retryAfter) = try auth.lockouts.begin(
                identifier: identifier, now: now, threshold: auth.config.lockoutThreshold,
                window: TimeInterval(auth.config.lockoutWindow))
            {
                throw AuthError.accountLocked(retryAfter: retryAfter)
            }
            guard let hash = user.passwordHash, auth.passwords.verify(password, hash: hash) else {
                _ = try auth.lockouts.fail(
                    identifier: identifier, now: now, threshold: auth.config.lockoutThreshold,
                    baseDuration: TimeInterval(auth.config.lockoutDuration),
                    maxDuration: TimeInterval(auth.config.lockoutMaxDuration))
                throw HTTPError.validation(field: "password", "is not the current password")
            }
            return try auth.database.perform(work) {
                try auth.lockouts.succeed(identifier: identifier)
                return try alongside()
            }
        case (nil, nil):
            throw HTTPError.validation([
                .init(field: "code", message: "give code or password"),
                .init(field: "password", message: "give code or password"),
            ])
        default:
            throw HTTPError.validation(field: "password", "give either code or password, not both")
        }
    }

    /// `DELETE /auth/mfa/totp` with `{code}` or `{password}` → 204: TOTP off, recovery codes gone.
    func disable(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        try disable(principal: principal, proof: try request.decode(ProofBody.self), request: request, context: context)
        return .noContent
    }

    /// Turning TOTP off, shared with the portal.
    func disable(principal: Principal, proof body: ProofBody, request: Request, context: RequestContext) throws {
        _ = try factors.requireKey()
        guard let user = try auth.users.find(id: principal.userID) else { throw AuthError.tokenRevoked }
        guard try factors.totp.find(userId: user.id) != nil else {
            throw HTTPError(.conflict, code: "conflict", detail: "TOTP is not on.")
        }
        try requireProof(body, user: user, request: request, context: context, work: .changeSecondFactor) {
            try factors.totp.disable(userId: user.id)
            try auth.events.record(
                .mfaDisabled, actor: user.id, subject: .user(user.id), data: ["method": .string("totp")],
                at: context.receivedAt)
        }
        auth.auditTrail.record(
            "mfa.totp_disabled", actor: user.id, user: user.id, request: request, context: context,
            details: ["proof": body.code != nil ? "code" : "password"])
    }

    /// `POST /auth/mfa/recovery-codes` with `{code}` or `{password}` → a new set of ten; the old set stops working.
    func regenerate(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        let body = try request.decode(ProofBody.self)
        return try .json(
            RecoveryCodesBody(recoveryCodes: regenerate(principal: principal, proof: body, request: request, context: context)))
    }

    /// A new set of recovery codes, shared with the portal.
    func regenerate(principal: Principal, proof body: ProofBody, request: Request, context: RequestContext) throws -> [String] {
        let key = try factors.requireKey()
        guard let user = try auth.users.find(id: principal.userID) else { throw AuthError.tokenRevoked }
        guard try factors.totp.find(userId: user.id)?.confirmedAt != nil else {
            throw HTTPError(.conflict, code: "conflict", detail: "Recovery codes come with TOTP, which is not on.")
        }
        let codes = RecoveryCode.generateSet()
        let hashes = codes.map { key.recoveryCodeHash(RecoveryCode.normalize($0) ?? $0, owner: user.id) }
        let replaced = try requireProof(body, user: user, request: request, context: context, work: .changeSecondFactor) {
            try factors.totp.replaceRecoveryCodes(userId: user.id, hashes: hashes)
        }
        guard replaced else {
            throw HTTPError(.conflict, code: "conflict", detail: "Recovery codes come with TOTP, which is not on.")
        }
        auth.auditTrail.record(
            "mfa.recovery_codes_regenerated", actor: user.id, user: user.id, request: request, context: context)
        return codes
    }

    // MARK: The second step of a login

    struct VerifyBody: Decodable {
        let mfaToken: String
        let code: String?
        let recoveryCode: String?
        let webauthn: PasskeyResponse?
        let useCookies: Bool?
        enum CodingKeys: String, CodingKey {
            case mfaToken = "mfa_token", code, webauthn
            case recoveryCode = "recovery_code", useCookies = "use_cookies"
        }
    }

    /// A proof another request used first, inside the unit of work: the unit rolls back and the attempt fails.
    private struct ProofAlreadyUsed: Error {}

    /// `POST /auth/mfa/verify` `{mfa_token, code}` or `{mfa_token, recovery_code}` → the token response a login
    /// gives (session, cookies, context), with `amr` naming both factors. A wrong proof is 401
    /// `invalid_credentials` and leaves the mfa_token usable; a right one uses it up.
    func verify(_ request: Request, context: RequestContext) throws -> Response {
        try auth.rateLimiter.check("mfa", key: auth.rateLimiter.clientKey(request), now: context.receivedAt)
        let body = try request.decode(VerifyBody.self)
        let proof = try SecondFactors.proof(code: body.code, recoveryCode: body.recoveryCode, webauthn: body.webauthn)
        let (tokens, useCookies) = try verify(mfaToken: body.mfaToken, proof: proof, request: request, context: context)
        return try browser.tokenResponse(tokens, inCookies: useCookies || browser.wantsCookie(request, bodyFlag: body.useCookies))
    }

    /// The second step itself, shared with the portal (whose caller checks the `mfa` rate limit first): the tokens,
    /// and whether the password step asked for cookies.
    func verify(
        mfaToken: String, proof: SecondFactors.Proof, request: Request, context: RequestContext
    ) throws -> (tokens: TokenResponse, useCookies: Bool) {
        let now = context.receivedAt
        if case .webauthn = proof {} else { _ = try factors.requireKey() }
        let tokenHash = MFAToken.hash(mfaToken)
        guard MFAToken.isWellFormed(mfaToken), let challenge = try factors.challenges.find(hash: tokenHash) else {
            throw AuthError.tokenInvalid("Unknown mfa_token.")
        }
        guard challenge.usedAt == nil else { throw AuthError.tokenInvalid("This mfa_token was used already.") }
        guard challenge.expiresAt > now else { throw AuthError.tokenExpired }
        guard let user = try auth.users.find(id: challenge.userId) else {
            throw AuthError.tokenInvalid("Unknown mfa_token.")
        }
        guard user.isActive else { throw AuthError.accountDisabled }
        try factors.beginAttempt(userId: user.id, now: now)
        let refused = { (failure: PasskeyFailure) in
            if failure.reason == "counter_regressed" {
                auth.auditTrail.record(
                    "webauthn.counter_regressed", user: user.id, request: request, context: context,
                    details: ["detail": failure.detail])
            }
        }
        if let accepted = try factors.check(proof, userId: user.id, now: now, refused: refused) {
            let amr = ["pwd"] + accepted.amr
            do {
                let (_, tokens) = try auth.tokens.startSession(user: user, request: request, amr: amr, now: now) {
                    session in
                    guard try factors.challenges.consume(hash: tokenHash, now: now) else {
                        throw AuthError.tokenInvalid("This mfa_token was used already.")
                    }
                    guard try accepted.consume() else { throw ProofAlreadyUsed() }
                    try factors.recordSuccess(userId: user.id)
                    if case .recoveryCode = proof {
                        auth.auditTrail.record(
                            "mfa.recovery_code_used", actor: user.id, user: user.id, request: request,
                            context: context,
                            details: ["remaining": "\(try factors.totp.remainingRecoveryCodes(userId: user.id))"])
                    }
                    auth.auditTrail.record(
                        "login.success", actor: user.id, user: user.id, request: request, context: context,
                        details: ["session_id": session.id, "amr": amr.joined(separator: " "), "method": proof.method])
                }
                return (tokens, challenge.useCookies)
            } catch is ProofAlreadyUsed {
                // Falls through to the failure below: a replayed code or an already used recovery code.
            }
        }
        auth.metrics?.increment("auth_login_failures_total")
        recordOTPFailure(userId: user.id, request: request, context: context, method: proof.method)
        context.logger.notice("Second factor failed", metadata: ["auth.reason": "bad_\(proof.method)"])
        throw AuthError.invalidCredentials
    }

    /// Counts a wrong second-factor proof, audits it, and audits the lock it may start.
    private func recordOTPFailure(userId: String, request: Request, context: RequestContext, method: String = "totp") {
        do {
            let locked = try factors.recordFailure(userId: userId, now: context.receivedAt)
            auth.auditTrail.record(
                "mfa.otp_failure", user: userId, request: request, context: context, details: ["method": method])
            if locked {
                auth.metrics?.increment("auth_lockouts_total")
                auth.auditTrail.record("mfa.otp_locked", user: userId, request: request, context: context)
            }
        } catch {
            context.logger.error("OTP failure not recorded", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Administrator's reset

    /// `DELETE /users/{id}/mfa` (users:write, and the caller covers the user) → 204: every second factor of a user
    /// who lost them is removed. Not for the caller's own account (that takes a code or the password at
    /// `DELETE /auth/mfa/totp`), so a stolen administrator token cannot strip the administrator's own factor.
    func reset(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("users:write", request, now: context.receivedAt)
        let id = try request.parameters.require("id")
        guard let user = try auth.users.find(id: id) else { throw HTTPError.notFound("There is no user with this id.") }
        try Escalation(authorizer: auth.authorizer).requireCovers(user: user, principal: principal)
        if id == principal.userID {
            throw HTTPError(
                .conflict, code: "conflict",
                detail: "Turn off your own second factor with a code or your password; another administrator can reset it.")
        }
        let removed = try auth.database.perform(.resetSecondFactors) {
            let removed = try factors.removeAll(userId: id, now: context.receivedAt)
            if !removed.isEmpty {
                try auth.events.record(
                    .mfaDisabled, actor: principal.userID, subject: .user(id),
                    data: ["methods": .array(removed.map(JSONValue.string)), "reason": .string("admin reset")],
                    at: context.receivedAt)
            }
            return removed
        }
        auth.auditTrail.record(
            "mfa.admin_reset", actor: principal.userID, user: id, request: request, context: context,
            details: ["removed": removed.joined(separator: " ")])
        return .noContent
    }
}
