public import FCGIHost

/// `GET /auth/verify`, nginx's `auth_request` target: 204 with identity headers, 401 or 403 (API.md).
public struct VerifyRoutes {
    let authenticator: Authenticator
    /// Copied out of the configuration once: copying `Config` itself on every request retains all its fields.
    let checkOrigin: Bool
    let trustedProxies: [CIDR]
    /// The allowed origins, the `gh_access` cookie and its `Origin` rule.
    let browser: BrowserSupport

    public init(authenticator: Authenticator, config: Config) {
        self.authenticator = authenticator
        checkOrigin = config.originValidationEnabled
        trustedProxies = config.trustedProxies
        browser = BrowserSupport(config: config, metrics: authenticator.metrics)
    }

    public func addRoutes(to router: Router) {
        router.get("/auth/verify", use: verify)
    }

    /// Errors carry their code in `X-Gatehouse-Error` too: nginx sees only the subrequest's headers, and
    /// gatehouse-protect.conf turns it into the problem+json answer the client gets.
    func verify(_ request: Request, context: RequestContext) throws -> Response {
        do {
            return try decide(request, context: context)
        } catch var error as HTTPError {
            error.headers.set("X-Gatehouse-Error", error.code)
            throw error
        }
    }

    func decide(_ request: Request, context: RequestContext) throws -> Response {
        if checkOrigin, let origin = request.headers["Origin"], !browser.allowedOrigins.contains(origin) {
            try browser.rejectOrigin()
        }
        let principal = try authenticator.verify(
            token: try token(of: request), now: context.receivedAt,
            address: request.clientAddress(trustedProxies: trustedProxies))
        if let required = request.headers["x-required-permission"] {
            for permission in required.split(separator: ",") {
                let wanted = permission.trimmingWhitespace()
                guard wanted.isEmpty || principal.has(wanted) else { throw AuthError.forbidden(missing: wanted) }
            }
        }
        return Response(status: 204, headers: principal.identityHeaders)
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
}
