public import FCGIHost

/// Browser clients: the `gh_refresh` cookie (and with `ACCESS_COOKIE=true` the `gh_access` one), the `Origin`
/// rule for cookie-authenticated requests, CORS for `ALLOWED_ORIGINS`, and `Cache-Control: no-store` on
/// everything under `/auth/` (API.md "Tokens", "Errors", the auth_request contract).
public struct BrowserSupport {
    static let refreshCookie = "gh_refresh"
    static let accessCookie = "gh_access"
    let allowedOrigins: Set<String>
    let refreshLifetime: Int
    let accessCookieEnabled: Bool
    let accessLifetime: Int
    /// `; Domain=COOKIE_DOMAIN`, or empty for host-only cookies.
    let domainAttribute: String
    /// Counts refused origins (`gateway_origin_rejections_total`); nil where nothing is counted.
    let originRejections: Metrics.Counter?
    let metrics: Metrics?

    public init(config: Config, metrics: Metrics? = nil) {
        self.metrics = metrics
        originRejections = metrics?.counter(MetricNames.originRejections)
        allowedOrigins = Set(config.allowedOrigins)
        refreshLifetime = config.refreshTokenLifetime
        accessCookieEnabled = config.accessCookieEnabled
        accessLifetime = config.accessTokenLifetime
        domainAttribute = config.cookieDomain.isEmpty ? "" : "; Domain=\(config.cookieDomain)"
    }

    /// Whether a page of `origin` may send this request through `/auth/verify`: an origin in `ALLOWED_ORIGINS`, or
    /// the site's own (`https://` or `http://` followed by the request's `Host`), which a cross-site page cannot
    /// claim in a browser.
    ///
    ///     browser.allows("https://app.example.com", host: "app.example.com")  // true
    ///     browser.allows("https://evil.example", host: "app.example.com")     // false unless listed
    func allows(_ origin: String, host: String?) -> Bool {
        if allowedOrigins.contains(origin) { return true }
        guard let host, !host.isEmpty else { return false }
        let own = host.lowercased()
        let claimed = origin.lowercased()
        return claimed == "https://" + own || claimed == "http://" + own
    }

    /// Whether the client asked for the refresh token as a cookie.
    func wantsCookie(_ request: Request, bodyFlag: Bool?) -> Bool {
        bodyFlag == true || request.headers["X-Requested-With"]?.lowercased() == "fetch"
    }

    /// `Set-Cookie` for a refresh token (or, with nil, one that deletes it). The portal's are `SameSite=Lax`, so a
    /// top-level navigation from another site still carries them back to the portal (API.md "Browser sign-in portal").
    func cookieHeader(_ token: String?, sameSite: String = "Strict") -> String {
        let value = token ?? ""
        let maxAge = token == nil ? 0 : refreshLifetime
        return "\(Self.refreshCookie)=\(value); Max-Age=\(maxAge); Path=/auth\(domainAttribute); HttpOnly; Secure; SameSite=\(sameSite)"
    }

    /// The `Set-Cookie` values of a browser-mode token response: the refresh token, and the access token when
    /// `ACCESS_COOKIE` is on (for `/auth/verify`; it stays in the body too, for the page's own API calls).
    /// The token response as JSON, or in cookie mode (`inCookies`) with the refresh token moved out of the body
    /// into `gh_refresh` (and the access token into `gh_access` when enabled): login, refresh and context switch.
    func tokenResponse(_ tokens: TokenResponse, inCookies: Bool) throws -> Response {
        var tokens = tokens
        var cookies: [String] = []
        if inCookies {
            cookies = sessionCookies(tokens)
            tokens.refreshToken = nil
        }
        var response = Response(
            headers: Headers([("Content-Type", "application/json; charset=utf-8")]), body: tokens.json)
        for cookie in cookies { response.headers.add("Set-Cookie", cookie) }
        return response
    }

    func sessionCookies(_ tokens: TokenResponse) -> [String] {
        var cookies = [cookieHeader(tokens.refreshToken)]
        if accessCookieEnabled { cookies.append(accessCookieHeader(tokens.accessToken)) }
        return cookies
    }

    /// `Set-Cookie` for an access token (or, with nil, one that deletes it).
    func accessCookieHeader(_ token: String?, sameSite: String = "Strict") -> String {
        let maxAge = token == nil ? 0 : accessLifetime
        return "\(Self.accessCookie)=\(token ?? ""); Max-Age=\(maxAge); Path=/\(domainAttribute); HttpOnly; Secure; SameSite=\(sameSite)"
    }

    /// The portal's sign-in cookies: both tokens, `SameSite=Lax`.
    func portalCookies(_ tokens: TokenResponse) -> [String] {
        [cookieHeader(tokens.refreshToken, sameSite: "Lax"), accessCookieHeader(tokens.accessToken, sameSite: "Lax")]
    }

    /// The `Set-Cookie` values that delete both of the portal's cookies.
    func clearingPortalCookies() -> [String] {
        [cookieHeader(nil, sameSite: "Lax"), accessCookieHeader(nil, sameSite: "Lax")]
    }

    /// The `Set-Cookie` values that delete the cookies `request` carried (logout).
    func clearingCookies(_ request: Request) -> [String] {
        let cookies = request.cookies
        var clearing: [String] = []
        if cookies[Self.refreshCookie] != nil { clearing.append(cookieHeader(nil)) }
        if cookies[Self.accessCookie] != nil { clearing.append(accessCookieHeader(nil)) }
        return clearing
    }

    /// A cookie-authenticated request must come from an allowed origin (a CSRF defence beside SameSite).
    func requireAllowedOrigin(_ request: Request) throws {
        guard let origin = request.headers["Origin"], allowedOrigins.contains(origin) else {
            try rejectOrigin()
        }
    }

    /// Counts the refusal and throws 403 `origin_not_allowed`.
    func rejectOrigin() throws -> Never {
        if let metrics, let originRejections { metrics.increment(originRejections) }
        throw AuthError.originNotAllowed
    }

    /// CORS and no-store, around every route.
    public func middleware(_ request: Request, _ context: RequestContext, _ next: Router.Handler) throws -> Response {
        let origin = request.headers["Origin"].flatMap { allowedOrigins.contains($0) ? $0 : nil }
        var response: Response
        if request.method == "OPTIONS", request.headers["Access-Control-Request-Method"] != nil {
            // A preflight: answered here, whatever the route (only allowed origins get the grant headers).
            response = Response(status: 204)
            if origin != nil {
                response.headers.add("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS")
                response.headers.add(
                    "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, X-Requested-With, If-Match, X-API-Key")
                response.headers.add("Access-Control-Max-Age", "600")
            }
        } else {
            do {
                response = try next(request, context)
            } catch {
                response = Problem.response(for: error, logger: context.logger)
            }
        }
        if let origin {
            response.headers.add("Access-Control-Allow-Origin", origin)
            response.headers.add("Access-Control-Allow-Credentials", "true")
            response.headers.add("Access-Control-Expose-Headers", "ETag, Retry-After, WWW-Authenticate")
        }
        if !allowedOrigins.isEmpty { response.headers.add("Vary", "Origin") }
        // Decided on the route that matched, not the path as spelt: `//auth/login` and `/%61uth/login` reach the
        // login route too.
        let path = request.route.isEmpty ? request.path : request.route
        // The portal's stylesheet and script have content-hashed names and their own long-lived caching.
        if (path.hasPrefix("/auth/") || path == "/auth") && !path.hasPrefix(PortalAssets.pathPrefix) {
            response.headers.set("Cache-Control", "no-store")
            response.headers.set("Pragma", "no-cache")
        }
        return response
    }
}
