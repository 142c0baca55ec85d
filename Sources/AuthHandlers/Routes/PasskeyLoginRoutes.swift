#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
public import FCGIHost
import Store

/// Passwordless sign-in with a passkey: `POST /auth/webauthn/login/options`, `POST /auth/webauthn/login`.
///
/// Both are rate limited like `/auth/login` (per address and the global ceiling), which also bounds the challenge
/// rows an unauthenticated caller can make: one per allowed request, each gone after five minutes. The options
/// look the same whether or not the email has an account or passkeys (decoy credential ids otherwise, the same
/// queries either way). A failed login counts toward the password lockout of the account (the named email, else
/// the credential's owner) and is audited; user verification is required.
public struct PasskeyLoginRoutes {
    let auth: AuthService
    let browser: BrowserSupport

    public init(auth: AuthService) {
        self.auth = auth
        browser = BrowserSupport(config: auth.config, metrics: auth.metrics)
    }

    public func addRoutes(to router: Router) {
        router.post("/auth/webauthn/login/options", use: options)
        router.post("/auth/webauthn/login", use: login)
    }

    struct OptionsBody: Decodable {
        let email: String?
    }

    struct OptionsResponse: Encodable {
        let challengeToken: String
        let options: Passkeys.RequestOptions
        enum CodingKeys: String, CodingKey {
            case challengeToken = "challenge_token", options
        }
    }

    func options(_ request: Request, context: RequestContext) throws -> Response {
        let now = context.receivedAt
        let body: OptionsBody? = request.body.isEmpty ? nil : try request.decode(OptionsBody.self)
        let identifier = try body?.email.map { email throws in try Identifier.required(email, field: "email") }
        try auth.rateLimiter.check("login", key: auth.rateLimiter.clientKey(request), now: now)
        try auth.rateLimiter.check("login_global", key: "all", now: now)
        var userId: String?
        var allow: [[UInt8]] = []
        if let identifier {
            let user = try auth.users.find(email: identifier)
            userId = user?.id
            let listed = try auth.passkeys.credentials.list(userId: user?.id ?? "")
            allow = listed.isEmpty ? auth.passkeys.decoyCredentialIDs(for: identifier) : listed.map(\.credentialID)
        }
        let token = Random.bytes(count: 32)
        let challenge = Random.bytes(count: 32)
        try auth.passkeys.challenges.issue(
            tokenHash: SHA256.hash(token), challengeHash: SHA256.hash(challenge), purpose: .login, userId: userId,
            identifier: identifier, expiresAt: now.addingTimeInterval(Passkeys.challengeLifetime))
        return try .json(
            OptionsResponse(
                challengeToken: Base64URL.encode(token),
                options: auth.passkeys.requestOptions(challenge: challenge, allow: allow, userVerification: "required")))
    }

    struct LoginBody: Decodable {
        let challengeToken: String
        let credential: PasskeyResponse
        let useCookies: Bool?
        enum CodingKeys: String, CodingKey {
            case challengeToken = "challenge_token", credential
            case useCookies = "use_cookies"
        }
    }

    func login(_ request: Request, context: RequestContext) throws -> Response {
        let body = try request.decode(LoginBody.self)
        let tokens = try signIn(
            challengeToken: body.challengeToken, credential: body.credential, request: request, context: context)
        return try browser.tokenResponse(tokens, inCookies: browser.wantsCookie(request, bodyFlag: body.useCookies))
    }

    /// The passwordless sign-in itself, shared with the portal: the assertion `credential` for the challenge of
    /// `challengeToken` → a new session's tokens. Rate limits, lockout and audit rows as the route's.
    func signIn(
        challengeToken: String, credential json: PasskeyResponse, request: Request, context: RequestContext
    ) throws -> TokenResponse {
        let now = context.receivedAt
        let config = auth.config
        let response = try json.decoded(field: "credential")
        guard response.authenticatorData != nil, response.signature != nil else {
            throw HTTPError.validation(field: "credential.response", "an assertion needs authenticatorData and signature")
        }
        try auth.rateLimiter.check("login", key: auth.rateLimiter.clientKey(request), now: now)
        try auth.rateLimiter.check("login_global", key: "all", now: now)
        guard let token = try? Base64URL.decode(challengeToken), token.count == 32,
            let issued = try auth.passkeys.challenges.consume(tokenHash: SHA256.hash(token), purpose: .login, now: now)
        else { throw AuthError.tokenInvalid("The challenge token is unknown, used or expired.") }

        let credential = try auth.passkeys.credentials.find(credentialID: response.credentialID)
        let owner = try credential.flatMap { try auth.users.find(id: $0.userId) }
        let identifier = issued.identifier ?? owner?.email
        if let identifier {
            try auth.rateLimiter.check("login_identifier", key: identifier, now: now)
            if case .locked(let retryAfter) = try auth.lockouts.begin(
                identifier: identifier, now: now, threshold: config.lockoutThreshold,
                window: TimeInterval(config.lockoutWindow))
            {
                auth.auditTrail.record(
                    "login.locked_out", user: owner?.id, request: request, context: context,
                    details: ["identifier": identifier, "method": "webauthn"])
                throw AuthError.accountLocked(retryAfter: retryAfter)
            }
        }
        do {
            guard let clientData = try? ClientData(json: response.clientDataJSON),
                constantTimeEqual(SHA256.hash(clientData.challenge), issued.challengeHash)
            else { throw PasskeyFailure("challenge_mismatch") }
            guard let credential, let owner else { throw PasskeyFailure("unknown_credential") }
            if issued.identifier != nil, issued.userId != credential.userId {
                throw PasskeyFailure("credential_of_another_account")
            }
            _ = try auth.passkeys.verifyAssertion(
                response, credential: credential, challenge: clientData.challenge, requireUserVerification: true, now: now)
            guard owner.isActive else {
                auth.auditTrail.record(
                    "login.failure", user: owner.id, request: request, context: context,
                    details: ["reason": "disabled", "method": "webauthn"])
                throw AuthError.accountDisabled
            }
            let amr = [credential.backupEligible ? "swk" : "hwk"]
            let (_, tokens) = try auth.tokens.startSession(user: owner, request: request, amr: amr, now: now) { session in
                try auth.lockouts.succeed(identifier: owner.email)
                auth.auditTrail.record(
                    "login.success", actor: owner.id, user: owner.id, request: request, context: context,
                    details: ["session_id": session.id, "method": "webauthn", "credential_id": credential.id])
            }
            return tokens
        } catch let failure as PasskeyFailure {
            try refuse(failure, identifier: identifier, owner: owner, credential: credential, request: request, context: context)
        }
    }

    /// Counts and audits a refused passkey login, then throws 401 `invalid_credentials`.
    private func refuse(
        _ failure: PasskeyFailure, identifier: String?, owner: User?, credential: PasskeyCredential?, request: Request,
        context: RequestContext
    ) throws -> Never {
        let config = auth.config
        auth.metrics?.increment("auth_login_failures_total")
        if failure.reason == "counter_regressed" {
            auth.auditTrail.record(
                "webauthn.counter_regressed", user: owner?.id, request: request, context: context,
                details: ["credential_id": credential?.id ?? "", "detail": failure.detail])
        }
        auth.auditTrail.record(
            "login.failure", user: owner?.id, request: request, context: context,
            details: ["identifier": identifier ?? "", "reason": failure.reason, "method": "webauthn"])
        if let identifier {
            let locked = try auth.lockouts.fail(
                identifier: identifier, now: context.receivedAt, threshold: config.lockoutThreshold,
                baseDuration: TimeInterval(config.lockoutDuration), maxDuration: TimeInterval(config.lockoutMaxDuration))
            if locked {
                auth.metrics?.increment("auth_lockouts_total")
                auth.auditTrail.record(
                    "account.locked", user: owner?.id, request: request, context: context, details: ["identifier": identifier])
            }
        }
        context.logger.notice("Passkey login failed", metadata: ["auth.reason": failure.reason])
        throw HTTPError(.unauthorized, code: "invalid_credentials", detail: "The passkey was not accepted.")
    }
}
