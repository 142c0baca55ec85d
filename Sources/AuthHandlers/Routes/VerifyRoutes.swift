#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store

/// `GET /auth/verify`, nginx's `auth_request` target: 204 with identity headers, 401 or 403 (API.md).
public struct VerifyRoutes {
    let authenticator: Authenticator
    /// Copied out of the configuration once: copying `Config` itself on every request retains all its fields.
    let checkOrigin: Bool
    let trustedProxies: [CIDR]
    /// The allowed origins, the `gh_access` cookie and its `Origin` rule. It counts no refusals itself: ``verify``
    /// counts every `origin_not_allowed` of this route once, whichever check made it.
    let browser: BrowserSupport
    /// `gateway_origin_rejections_total`.
    let originRejections: Metrics.Counter?
    /// `X-API-Key` checks, and the origin allowlists of SDK sessions' clients; nil: no API keys here.
    let apiKeys: APIKeyValidator?

    public init(authenticator: Authenticator, config: Config, apiKeys: APIKeyValidator? = nil) {
        self.authenticator = authenticator
        self.apiKeys = apiKeys
        checkOrigin = config.originValidationEnabled
        trustedProxies = config.trustedProxies
        browser = BrowserSupport(config: config)
        originRejections = authenticator.metrics?.counter(MetricNames.originRejections)
    }

    public func addRoutes(to router: Router) {
        router.get("/auth/verify", use: verify)
        router.setFastLane(VerifyFastLane(routes: self), for: "/auth/verify")
    }

    /// Errors carry their code in `X-Gatehouse-Error` too: nginx sees only the subrequest's headers, and
    /// gatehouse-protect.conf turns it into the problem+json answer the client gets.
    func verify(_ request: Request, context: RequestContext) throws -> Response {
        do {
            return try decide(request, context: context)
        } catch var error as HTTPError {
            if error.code == AuthError.originNotAllowed.code, let metrics = authenticator.metrics, let originRejections {
                metrics.increment(originRejections)
            }
            error.headers.set("X-Gatehouse-Error", error.code)
            throw error
        }
    }

    func decide(_ request: Request, context: RequestContext) throws -> Response {
        let address = request.clientAddress(trustedProxies: trustedProxies)
        if let apiKeys, let key = request.headers["X-API-Key"] {
            return try verifyKey(
                key, apiKeys: apiKeys, address: address, now: context.receivedAt,
                required: request.headers["x-required-permission"])
        }
        let origin = checkOrigin ? request.headers["Origin"] : nil
        let principal: Principal
        do {
            principal = try authenticator.verify(token: try token(of: request), now: context.receivedAt, address: address)
        } catch {
            // A foreign origin is refused whatever the token (as before SDK sessions existed).
            if let origin, !browser.allows(origin, host: request.headers["Host"]) { throw AuthError.originNotAllowed }
            throw error
        }
        if let origin {
            // An SDK session's token is bound to its client's origins; every other token to ALLOWED_ORIGINS and
            // the site's own origin.
            if principal.claims.tenant != nil, let apiKeys {
                try SDKOrigin.require(origin, for: principal, apiKeys: apiKeys)
            } else if !browser.allows(origin, host: request.headers["Host"]) {
                throw AuthError.originNotAllowed
            }
        }
        if let required = request.headers["x-required-permission"] {
            try Self.require(required, of: principal)
        }
        return Response(status: 204, headers: principal.identityHeaders)
    }

    /// Every permission of `X-Required-Permission` (comma-separated; empty pieces ask for nothing), or 403
    /// `forbidden` naming the first one missing.
    static func require(_ required: String, of principal: Principal) throws(HTTPError) {
        for permission in required.split(separator: ",") {
            let wanted = permission.trimmingWhitespace()
            guard wanted.isEmpty || principal.has(wanted) else { throw AuthError.forbidden(missing: wanted) }
        }
    }

    /// `X-API-Key` (server-to-server upstreams): 204 with `X-Client-Id` and `X-Client-Name`; 401 `token_invalid`, 403
    /// `ip_not_allowed` (the allowlist is checked on every request, cached key or not). A key carries no permissions:
    /// a location that requires one (`X-Required-Permission`) is 403 `forbidden` for every key.
    func verifyKey(
        _ key: String, apiKeys: APIKeyValidator, address: String, now: Date, required: String?
    ) throws -> Response {
        let client = try apiKeys.validate(key, address: address, now: now)
        if let wanted = required?.split(separator: ",").map({ $0.trimmingWhitespace() }).first(where: { !$0.isEmpty }) {
            throw AuthError.forbidden(missing: wanted)
        }
        return Response(
            status: 204, headers: Headers([("x-client-id", client.client.id), ("x-client-name", client.client.name)]))
    }

    /// The bearer token, or with `ACCESS_COOKIE=true` the `gh_access` cookie. A browser sends that cookie with
    /// every request to the site, whichever page started it, so a request authenticated by it that changes
    /// state (`X-Original-Method`, set by the shipped snippet, other than GET, HEAD or OPTIONS; unknown counts
    /// as changing) must come from an allowed `Origin`, as cookie-authenticated requests to Gatehouse must.
    func token(of request: Request) throws -> String {
        if let bearer = authenticator.bearerToken(request) { return bearer }
        guard browser.accessCookieEnabled, let cookie = request.cookies[BrowserSupport.accessCookie], !cookie.isEmpty else {
            throw AuthError.tokenMissing
        }
        let method = request.headers["x-original-method"]?.uppercased() ?? ""
        if !["GET", "HEAD", "OPTIONS"].contains(method) { try browser.requireAllowedOrigin(request) }
        return cookie
    }

    /// What the fast lane needs of a request, when it carries nothing the lane leaves to ``decide(_:context:)``:
    /// a `GET` with a bearer token, no `Origin` (no origin check, no CORS headers), no `X-API-Key`, and no
    /// `X-Forwarded-For` when proxies are trusted (the client address is then `REMOTE_ADDR`, as
    /// ``Request/clientAddress(trustedProxies:)`` finds it). The token is the bytes after `Bearer `: when they
    /// equal a cached token's, they are valid UTF-8 without surrounding whitespace, so they are the token the
    /// ordinary way reads; when they do not (whitespace to trim, bytes `String` would repair), nothing is found.
    func laneInputs(
        _ parameters: RawParameters
    ) -> (token: VerifyCache.TokenKey, address: String, required: String?)? {
        guard RawParameters.value(parameters.cgi("REQUEST_METHOD"), is: "GET"),
            parameters.header("origin") == nil, parameters.header("x-api-key") == nil,
            trustedProxies.isEmpty || parameters.header("x-forwarded-for") == nil,
            let authorization = parameters.header("authorization"),
            let space = authorization.firstIndex(of: UInt8(ascii: " ")),
            authorization[..<space].elementsEqual("bearer".utf8, by: { $0 | 0x20 == $1 })
        else { return nil }
        let token = authorization[(space + 1)...]
        guard !token.isEmpty else { return nil }
        let address = parameters.cgi("REMOTE_ADDR").map { String(decoding: $0, as: UTF8.self) } ?? ""
        let required = parameters.header("x-required-permission").map { String(decoding: $0, as: UTF8.self) }
        return (VerifyCache.TokenKey(bytes: token), address, required)
    }
}

/// `/auth/verify` without building a ``Request`` (``FastLane``): a request ``VerifyRoutes/laneInputs(_:)`` accepts,
/// whose token is cached and was answered 204 before, gets that answer again — the same bytes, headers of the
/// middleware included — once its expiry, session, context rules and required permissions pass again, each
/// checked as ``VerifyRoutes/decide(_:context:)`` checks it. Anything else goes the ordinary way, and a 204 there
/// is remembered with the cached token.
struct VerifyFastLane: FastLane {
    let routes: VerifyRoutes

    func answer(_ parameters: RawParameters, receivedAt now: Date, into out: inout [UInt8]) -> Int? {
        guard let inputs = routes.laneInputs(parameters),
            let answer = routes.authenticator.verifyAnswered(
                token: inputs.token, now: now, address: inputs.address,
                accepts: { entry in
                    guard let required = inputs.required else { return true }
                    return (try? VerifyRoutes.require(required, of: entry.principal)) != nil
                })
        else { return nil }
        out.append(contentsOf: answer)
        return 204
    }

    func learn(_ parameters: RawParameters, status: Int, response: [UInt8]) {
        guard status == 204, let inputs = routes.laneInputs(parameters) else { return }
        routes.authenticator.rememberAnswer(token: inputs.token, response)
    }
}
