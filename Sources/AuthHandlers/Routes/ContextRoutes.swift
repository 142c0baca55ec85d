#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store

/// `POST /auth/context/switch` (API.md "Context switch"): a token response for another of the caller's active
/// assignments, in the same session. The session remembers the context, so its refreshes keep it, and the switch
/// rotates the session's refresh chain: the old refresh token follows the rotation rules (inside the grace window
/// it returns the switch's successor; later it is reuse and revokes the session).
public struct ContextRoutes {
    let auth: AuthService
    let browser: BrowserSupport

    public init(auth: AuthService) {
        self.auth = auth
        browser = BrowserSupport(config: auth.config, metrics: auth.metrics)
    }

    public func addRoutes(to router: Router) {
        router.post("/auth/context/switch", use: switchContext)
    }

    struct SwitchBody: Decodable {
        let zone: String?
        let department: String?
        let useCookies: Bool?
        enum CodingKeys: String, CodingKey {
            case zone, department
            case useCookies = "use_cookies"
        }
    }

    func switchContext(_ request: Request, context: RequestContext) throws -> Response {
        let now = context.receivedAt
        let principal = try auth.authenticator.authenticate(request, now: now)
        let body = try request.decode(SwitchBody.self)
        var errors: [HTTPError.FieldError] = []
        if body.zone?.isEmpty ?? true { errors.append(.init(field: "zone", message: "is required")) }
        if body.department?.isEmpty ?? true { errors.append(.init(field: "department", message: "is required")) }
        guard errors.isEmpty, let zone = body.zone, let department = body.department else {
            throw HTTPError.validation(errors)
        }
        guard let user = try auth.users.find(id: principal.userID), user.isActive else { throw AuthError.tokenRevoked }
        let subject = try auth.authorizer.subject(user: user)
        guard let target = subject.activeAssignment(in: Authorizer.domain(zone: zone, department: department)) else {
            throw HTTPError.forbidden("You have no active assignment in \(zone)/\(department).")
        }
        let deviceId = TokenIssuer.deviceId(request)
        let address = request.clientAddress(trustedProxies: auth.config.trustedProxies)
        if let denial = auth.authorizer.denial(target, at: now, address: address, deviceId: deviceId) {
            throw AuthError.ruleDenied(denial)
        }
        let lifetime = TimeInterval(auth.config.refreshTokenLifetime)
        let (refresh, claims) = try auth.database.perform(.switchContext) { () throws -> (String, AccessClaims) in
            let refresh: String
            if let tip = try auth.refreshTokens.tip(sessionId: principal.sessionID, now: now) {
                refresh = RefreshToken.successor(ofHash: tip, secret: auth.tokens.refreshSecret)
                let outcome = try auth.refreshTokens.rotate(
                    presentedHash: tip, successorHash: RefreshToken.hash(refresh), now: now,
                    graceSeconds: auth.config.refreshGrace, successorExpiresAt: now.addingTimeInterval(lifetime))
                guard case .rotated = outcome else { throw AuthError.tokenRevoked }
            } else {
                // Every token of the chain has expired (the session outlived them): start it again.
                refresh = RefreshToken.generate()
                try auth.refreshTokens.issue(
                    hash: RefreshToken.hash(refresh), sessionId: principal.sessionID,
                    expiresAt: now.addingTimeInterval(lifetime), now: now)
            }
            try auth.sessions.setContext(
                id: principal.sessionID, zone: zone, department: department, deviceId: deviceId)
            return (
                refresh,
                try auth.tokens.makeClaims(
                    subject: subject, sessionID: principal.sessionID, context: target, deviceId: deviceId,
                    amr: principal.claims.amr ?? [], now: now)
            )
        }
        auth.auditTrail.record(
            "context.switched", actor: user.id, user: user.id, request: request, context: context,
            details: ["session_id": principal.sessionID, "zone": zone, "department": department, "role": target.role])
        let tokens = try auth.tokens.tokenResponse(user: user, claims: claims, refreshToken: refresh)
        return try browser.tokenResponse(tokens, inCookies: browser.wantsCookie(request, bodyFlag: body.useCookies))
    }
}
