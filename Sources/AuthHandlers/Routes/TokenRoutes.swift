#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store

/// `POST /auth/refresh`: rotation with reuse detection and a grace window (API.md).
public struct TokenRoutes {
    let auth: AuthService
    let browser: BrowserSupport

    public init(auth: AuthService) {
        self.auth = auth
        browser = BrowserSupport(config: auth.config, metrics: auth.metrics)
    }

    public func addRoutes(to router: Router) {
        router.post("/auth/refresh", use: refresh)
    }

    struct RefreshBody: Decodable {
        let refreshToken: String?
        let useCookies: Bool?
        enum CodingKeys: String, CodingKey {
            case refreshToken = "refresh_token", useCookies = "use_cookies"
        }
    }

    func refresh(_ request: Request, context: RequestContext) throws -> Response {
        try auth.rateLimiter.check("refresh", key: auth.rateLimiter.clientKey(request), now: context.receivedAt)
        let body: RefreshBody? = request.body.isEmpty ? nil : try request.decode(RefreshBody.self)
        let cookie = request.cookies[BrowserSupport.refreshCookie]
        guard let presented = body?.refreshToken ?? cookie else { throw AuthError.tokenMissing }
        let fromCookie = body?.refreshToken == nil
        if fromCookie { try browser.requireAllowedOrigin(request) }

        let tokens = try RefreshRotation(auth: auth).rotate(presented, request: request, context: context)
        return try browser.tokenResponse(
            tokens, inCookies: fromCookie || browser.wantsCookie(request, bodyFlag: body?.useCookies))
    }
}
