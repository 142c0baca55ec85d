#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
public import FCGIHost
import Store

/// `POST /auth/mfa/webauthn/options` `{mfa_token}`: the request options for the second step of a login with a
/// passkey (API.md "MFA"); the answer goes to `POST /auth/mfa/verify` as `{mfa_token, webauthn}`.
///
/// Only the holder of a live `mfa_token` (a right password) gets a challenge, rate limited like `/auth/mfa/verify`,
/// so the challenge rows stay bounded.
public struct PasskeySecondFactorRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.post("/auth/mfa/webauthn/options", use: options)
    }

    struct OptionsBody: Decodable {
        let mfaToken: String
        enum CodingKeys: String, CodingKey {
            case mfaToken = "mfa_token"
        }
    }

    func options(_ request: Request, context: RequestContext) throws -> Response {
        let now = context.receivedAt
        try auth.rateLimiter.check("mfa", key: auth.rateLimiter.clientKey(request), now: now)
        let body = try request.decode(OptionsBody.self)
        guard MFAToken.isWellFormed(body.mfaToken),
            let challenge = try auth.secondFactors.challenges.find(hash: MFAToken.hash(body.mfaToken))
        else { throw AuthError.tokenInvalid("Unknown mfa_token.") }
        guard challenge.usedAt == nil else { throw AuthError.tokenInvalid("This mfa_token was used already.") }
        guard challenge.expiresAt > now else { throw AuthError.tokenExpired }
        let passkeys = try auth.passkeys.credentials.list(userId: challenge.userId)
        guard !passkeys.isEmpty else {
            throw HTTPError(.conflict, code: "conflict", detail: "This account has no passkey; use another method.")
        }
        let issued = try auth.passkeys.issueChallenge(purpose: .mfa, userId: challenge.userId, now: now)
        return try .json(
            auth.passkeys.requestOptions(
                challenge: issued, allow: passkeys.map(\.credentialID), userVerification: "preferred"))
    }
}
