#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store

/// The browser sign-in portal under `/auth/portal/` (API.md "Browser sign-in portal"): server-rendered pages for
/// apps a browser navigates to. Every step reuses the JSON routes' services — ``PasswordLogin``,
/// ``RefreshRotation``, the account and logout routes' own methods — so limits, lockouts and audit rows are the
/// same whichever door a user comes through. The portal needs `ACCESS_COOKIE=true` (`/auth/verify` must accept the
/// `gh_access` cookie it sets); without it every portal page answers 404.
public struct PortalRoutes {
    let auth: AuthService
    let browser: BrowserSupport
    let csrf: PortalCSRF
    let assets: PortalAssets
    let layout: PortalLayout
    let enabled: Bool
    static let accountPath = "/auth/portal/account"
    static let loginPath = "/auth/portal/login"

    public init(auth: AuthService) {
        self.auth = auth
        browser = BrowserSupport(config: auth.config, metrics: auth.metrics)
        csrf = PortalCSRF(key: auth.tokens.refreshSecret)
        assets = PortalAssets()
        layout = PortalLayout(assets: assets, redirectDomains: auth.config.portalRedirectDomains)
        enabled = auth.config.accessCookieEnabled
    }

    public func addRoutes(to router: Router) {
        router.get("/auth/portal/start", use: start)
        router.get(Self.loginPath, use: gated(loginPage))
        router.post(Self.loginPath, use: gated(checked(login)))
        router.post("/auth/portal/login/mfa", use: gated(checked(secondFactor)))
        router.get("/auth/portal/logout", use: gated(logoutPage))
        router.post("/auth/portal/logout", use: gated(checked(logout)))
        router.get(Self.accountPath, use: gated(account))
        router.post("/auth/portal/account/password", use: gated(signedIn(changePassword)))
        router.post("/auth/portal/account/sessions/revoke", use: gated(signedIn(revokeSession)))
        router.post("/auth/portal/account/totp/enroll", use: gated(signedIn(enrollTOTP)))
        router.post("/auth/portal/account/totp/confirm", use: gated(signedIn(confirmTOTP)))
        router.post("/auth/portal/account/totp/disable", use: gated(signedIn(disableTOTP)))
        router.post("/auth/portal/account/recovery-codes", use: gated(signedIn(regenerateRecoveryCodes)))
        router.post("/auth/portal/login/passkey", use: gated(checked(passkeyLogin)))
        router.post("/auth/portal/account/passkeys/options", use: gated(checked(passkeyCreationOptions)))
        router.post("/auth/portal/account/passkeys/register", use: gated(signedIn(registerPasskey)))
        router.post("/auth/portal/account/passkeys/delete", use: gated(signedIn(deletePasskey)))
        router.get("/auth/portal/assets/{name}", use: assets.serve)
    }

    func gated(_ handler: @escaping Router.Handler) -> Router.Handler {
        { request, context in
            guard enabled else { throw HTTPError.notFound("The sign-in portal is off (ACCESS_COOKIE=false).") }
            return try handler(request, context)
        }
    }

    // MARK: The way in

    /// nginx's 401 handler of a location protected with `gatehouse-portal.conf` (`X-Original-URL` is set by
    /// nginx): a page load goes to the sign-in page with `rd` = the URL it asked for; anything else (an API call, a
    /// script's fetch) keeps the 401 problem+json it would have had, and so does everything while the portal is off.
    func start(_ request: Request, context: RequestContext) throws -> Response {
        let accept = request.headers["Accept"]?.lowercased() ?? ""
        guard enabled, accept.contains("text/html") else {
            let known = ["token_missing", "token_invalid", "token_expired", "token_revoked"]
            let code = request.headers["X-Gatehouse-Error"].flatMap { known.contains($0) ? $0 : nil } ?? "token_missing"
            return Problem.response(
                for: HTTPError(.unauthorized, code: code, detail: "This needs a valid access token."))
        }
        let original = request.headers["X-Original-URL"] ?? ""
        let location = original.isEmpty ? Self.loginPath : Self.loginPath + "?rd=" + Self.percentEncode(original)
        return Response(status: 302, headers: Headers([("Location", location)]))
    }

    /// The sign-in page. A browser whose access cookie is still good goes straight on; one whose refresh cookie is
    /// good is refreshed silently and goes on; any other sees the form.
    func loginPage(_ request: Request, context: RequestContext) throws -> Response {
        let target = redirectTarget(request.query["rd"])
        if principal(request, context: context) != nil {
            return PortalLayout.redirect(to: target ?? Self.accountPath)
        }
        var cookies: [String] = []
        if request.cookies[BrowserSupport.refreshCookie] != nil {
            if let tokens = refreshed(request, context: context) {
                return PortalLayout.redirect(to: target ?? Self.accountPath, cookies: browser.portalCookies(tokens))
            }
            cookies = browser.clearingPortalCookies()
        }
        let notice = request.query["signed_out"] != nil ? "You have signed out." : nil
        return loginForm(request, rd: target, email: "", error: nil, notice: notice, cookies: cookies)
    }

    func loginForm(
        _ request: Request, rd: String?, email: String, error: HTTPError?, notice: String?, cookies: [String] = []
    ) -> Response {
        let (value, plant) = csrf.ensureCookie(request)
        let passkey = passkeysOffered(request)
        let body = PortalPages.login(
            csrf: csrf.token(for: value), rd: rd, email: email, error: error.map(Self.message), notice: notice,
            passkey: passkey)
        let retry = error?.headers["Retry-After"].map { [("Retry-After", $0)] } ?? []
        return layout.page(
            title: "Sign in", body: body, status: error?.status.rawValue ?? 200, script: passkey,
            cookies: cookies + [plant].compactMap { $0 }, headers: retry)
    }

    /// The password step, through ``PasswordLogin`` (the JSON login's own implementation).
    func login(_ form: QueryParameters, request: Request, context: RequestContext) throws -> Response {
        let target = redirectTarget(form["rd"])
        let email = form["email"] ?? ""
        do {
            let identifier = try Identifier.required(form["email"], field: "email")
            let tokens = try PasswordLogin(auth: auth).signIn(
                identifier: identifier, password: form["password"] ?? "", inCookies: true, request: request,
                context: context)
            return PortalLayout.redirect(to: target ?? Self.accountPath, cookies: browser.portalCookies(tokens))
        } catch let error as HTTPError where error.code == "mfa_required" {
            guard case .string(let mfaToken)? = error.extra["mfa_token"], case .array(let list)? = error.extra["methods"]
            else { throw error }
            let methods = list.compactMap { if case .string(let method) = $0 { method } else { nil } }
            return secondFactorPage(request, mfaToken: mfaToken, methods: methods, rd: target, error: nil)
        } catch let error as HTTPError {
            return loginForm(request, rd: target, email: String(email.prefix(254)), error: error, notice: nil)
        }
    }

    // MARK: Signing out

    func logoutPage(_ request: Request, context: RequestContext) throws -> Response {
        let (value, plant) = csrf.ensureCookie(request)
        let email = try principal(request, context: context).flatMap { try auth.users.find(id: $0.userID)?.email }
        return layout.page(
            title: "Sign out", body: PortalPages.logout(csrf: csrf.token(for: value), email: email),
            cookies: [plant].compactMap { $0 })
    }

    /// Revokes this browser's session (found from either cookie) through the JSON logout's own method, and clears
    /// the cookies.
    func logout(_ form: QueryParameters, request: Request, context: RequestContext) throws -> Response {
        var session: Session?
        if let principal = principal(request, context: context) {
            session = try auth.sessions.find(id: principal.sessionID)
        } else if let token = request.cookies[BrowserSupport.refreshCookie], RefreshToken.isWellFormed(token) {
            session = try auth.refreshTokens.session(forHash: RefreshToken.hash(token))
        }
        if let session, session.isLive(at: context.receivedAt) {
            try LoginRoutes(auth: auth).end(session, all: false, request: request, context: context)
        }
        return PortalLayout.redirect(to: Self.loginPath + "?signed_out=1", cookies: browser.clearingPortalCookies())
    }

    // MARK: The account page

    func account(_ request: Request, context: RequestContext) throws -> Response {
        var cookies: [String] = []
        let principal: Principal
        if let current = self.principal(request, context: context) {
            principal = current
        } else if let tokens = refreshed(request, context: context),
            let current = try? auth.authenticator.verify(
                token: tokens.accessToken, now: context.receivedAt, address: address(request))
        {
            principal = current
            cookies = browser.portalCookies(tokens)
        } else {
            return PortalLayout.redirect(to: Self.loginPath)
        }
        let notice: String? =
            switch request.query["done"] {
            case "password": "Your password has been changed; your other sessions have ended."
            case "revoked": "The session has been revoked."
            case "totp_off": "Two-step sign-in is off."
            case "passkey_added": "Your passkey has been added."
            case "passkey_removed": "The passkey has been removed."
            default: nil
            }
        return try accountPage(request, principal: principal, context: context, notice: notice, cookies: cookies)
    }

    func accountPage(
        _ request: Request, principal: Principal, context: RequestContext, error: HTTPError? = nil,
        notice: String? = nil, cookies: [String] = []
    ) throws -> Response {
        guard let user = try auth.users.find(id: principal.userID) else { return PortalLayout.redirect(to: Self.loginPath) }
        let (value, plant) = csrf.ensureCookie(request)
        let token = csrf.token(for: value)
        let passkey = passkeysOffered(request)
        let body = PortalPages.account(
            user: user, sessions: try auth.sessions.list(userId: user.id, now: context.receivedAt),
            currentSession: principal.sessionID, csrf: token, error: error.map(Self.message), notice: notice,
            sections: [
                try totpSection(userId: user.id, csrf: token),
                try passkeySection(userId: user.id, csrf: token, offered: passkey),
            ])
        return layout.page(
            title: "Your account", body: body, status: error?.status.rawValue ?? 200, script: passkey,
            cookies: cookies + [plant].compactMap { $0 })
    }

    /// Through ``AccountRoutes/changePassword(of:current:new:request:context:)``, as `PUT /auth/password`.
    func changePassword(
        _ form: QueryParameters, principal: Principal, request: Request, context: RequestContext
    ) throws -> Response {
        do {
            try AccountRoutes(auth: auth).changePassword(
                of: principal, current: form["current_password"] ?? "", new: form["new_password"] ?? "",
                request: request, context: context)
        } catch let error as HTTPError {
            return try accountPage(request, principal: principal, context: context, error: error)
        }
        return PortalLayout.redirect(to: Self.accountPath + "?done=password")
    }

    /// Through ``AccountRoutes/revokeSession(_:of:request:context:)``; revoking this browser's own session signs it
    /// out.
    func revokeSession(
        _ form: QueryParameters, principal: Principal, request: Request, context: RequestContext
    ) throws -> Response {
        let id = form["session"] ?? ""
        do {
            try AccountRoutes(auth: auth).revokeSession(id, of: principal, request: request, context: context)
        } catch let error as HTTPError {
            return try accountPage(request, principal: principal, context: context, error: error)
        }
        if id == principal.sessionID {
            return PortalLayout.redirect(to: Self.loginPath + "?signed_out=1", cookies: browser.clearingPortalCookies())
        }
        return PortalLayout.redirect(to: Self.accountPath + "?done=revoked")
    }
}
