#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store
import Webhooks

/// SDK sessions (API.md "SaaS clients"): `POST /sdk/session` with a client's `X-API-Key` (and the caller's address in
/// its allowlist) starts a session for one of the client's end users, created on first use and unique per (client,
/// external id); `POST /sdk/refresh` and `POST /sdk/logout` work as `/auth/refresh` and `/auth/logout`.
///
/// The token carries `tenant` (the client id) and `ext` (the external id). The roles a client asks for must all be in
/// its `roles_allowed` (else 403 `forbidden`); the roles a client may hold were checked against whoever set them.
public struct SDKRoutes {
    let auth: AuthService
    let tokens: TokenRoutes
    let login: LoginRoutes
    let browser: BrowserSupport

    public init(auth: AuthService) {
        self.auth = auth
        tokens = TokenRoutes(auth: auth)
        login = LoginRoutes(auth: auth)
        browser = BrowserSupport(config: auth.config)
    }

    public func addRoutes(to router: Router) {
        router.post("/sdk/session", use: session)
        router.post("/sdk/refresh", use: tokens.refresh)
        router.post("/sdk/logout", use: login.logout)
    }

    /// Longest external user id, in bytes.
    static let maxExternalIdBytes = 128

    struct SessionBody: Decodable {
        let externalUserId: String
        let email: String?
        let name: String?
        let roles: [String]?

        enum CodingKeys: String, CodingKey {
            case externalUserId = "external_user_id", email, name, roles
        }
    }

    /// `POST /sdk/session` → 200 token response for that end user of that client.
    func session(_ request: Request, context: RequestContext) throws -> Response {
        guard let key = request.headers["X-API-Key"] else {
            throw HTTPError(
                .unauthorized, code: "token_missing", detail: "This needs the client's API key (X-API-Key).",
                headers: Headers([("WWW-Authenticate", AuthError.challenge)]))
        }
        let now = context.receivedAt
        let client = try auth.apiKeys.validate(
            key, address: request.clientAddress(trustedProxies: auth.config.trustedProxies), now: now
        ).client
        let body = try request.decode(SessionBody.self)
        var errors: [HTTPError.FieldError] = []
        let externalId = body.externalUserId.trimmingWhitespace()
        if externalId.isEmpty || externalId.utf8.count > Self.maxExternalIdBytes
            || externalId.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            errors.append(
                .init(field: "external_user_id", message: "must be 1 to \(Self.maxExternalIdBytes) bytes without control characters"))
        }
        let email = body.email.map(Identifier.normalize)
        if let email, !Identifier.isPlausibleEmail(email) {
            errors.append(.init(field: "email", message: "must be an email address"))
        }
        var name: String?
        if let raw = body.name {
            let (value, problem) = FieldRules.name(raw)
            if let problem { errors.append(.init(field: "name", message: problem)) }
            name = value
        }
        if let roles = body.roles, roles.count > ClientRoutes.maxEntries {
            errors.append(.init(field: "roles", message: "must hold at most \(ClientRoutes.maxEntries) roles"))
        }
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        let roles = body.roles.map { Array(Set($0)).sorted() }
        if let roles {
            let outside = roles.filter { !client.rolesAllowed.contains($0) }
            guard outside.isEmpty else {
                throw HTTPError.forbidden(
                    "This client may not give the role\(outside.count == 1 ? "" : "s") \(outside.joined(separator: ", ")).")
            }
        }
        let (user, created) = try auth.database.perform(.saveEndUser) {
            let found = try auth.users.endUser(
                tenant: client.id, externalId: externalId, name: name, profile: EndUser.profile(email: email), now: now)
            if let roles { try auth.roles.setRoles(roles, forUser: found.user.id) }
            if found.created {
                try auth.events.record(
                    .userCreated, subject: .user(found.user.id),
                    data: ["client_id": .string(client.id), "source": .string("sdk")], at: now)
            }
            return found
        }
        guard user.isActive else { throw AuthError.accountDisabled }
        let (session, response) = try auth.tokens.startSession(user: user, request: request, now: now)
        auth.auditTrail.record(
            created ? "sdk.user_created" : "sdk.session", actor: user.id, user: user.id, request: request,
            context: context, details: ["client_id": client.id, "session_id": session.id])
        return try browser.tokenResponse(response, inCookies: false)
    }
}
