#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost

extension PortalRoutes {
    enum FormCheck {
        case form(QueryParameters)
        case refused(Response)
    }

    /// A POSTed form that came from a page of this site: an `Origin` of the site itself (or `ALLOWED_ORIGINS`), a
    /// urlencoded body, and the CSRF token that matches the `__Host-gh_csrf` cookie. Anything else is a 403 page.
    ///
    /// Under `Referrer-Policy: no-referrer` (the shipped security headers) browsers send `Origin: null` even for a
    /// form of the same origin (Fetch, "serializing a request origin"); such a request passes only with the
    /// browser's own `Sec-Fetch-Site: same-origin`, which no page can set.
    func checkedForm(_ request: Request) -> FormCheck {
        let origin = request.headers["Origin"]
        let sameOrigin =
            if let origin, origin != "null" {
                browser.allows(origin, host: request.headers["Host"])
            } else {
                request.headers["Sec-Fetch-Site"] == "same-origin"
            }
        guard sameOrigin else {
            if let metrics = browser.metrics, let counter = browser.originRejections { metrics.increment(counter) }
            return .refused(refusal("This form was sent from another site, so it was not accepted."))
        }
        guard request.mediaType == "application/x-www-form-urlencoded",
            let form = try? QueryParameters(parsing: String(decoding: request.body, as: UTF8.self)),
            csrf.isValid(request, form: form)
        else {
            return .refused(refusal("This form has expired. Go back, reload the page and try again."))
        }
        return .form(form)
    }

    /// A handler for a POSTed form that ``checkedForm(_:)`` let through; a refused one never reaches it.
    func checked(
        _ handler: @escaping (QueryParameters, Request, RequestContext) throws -> Response
    ) -> Router.Handler {
        { request, context in
            switch checkedForm(request) {
            case .refused(let response): response
            case .form(let form): try handler(form, request, context)
            }
        }
    }

    /// ``checked(_:)`` for a form of a signed-in browser (a valid `gh_access` cookie); any other browser is sent
    /// to the sign-in page.
    func signedIn(
        _ handler: @escaping (QueryParameters, Principal, Request, RequestContext) throws -> Response
    ) -> Router.Handler {
        checked { form, request, context in
            guard let principal = principal(request, context: context) else {
                return PortalLayout.redirect(to: Self.loginPath)
            }
            return try handler(form, principal, request, context)
        }
    }

    func refusal(_ detail: String) -> Response {
        layout.page(
            title: "Not accepted",
            body: PortalPages.problem(
                title: "Not accepted", detail: detail, link: (href: Self.loginPath, text: "Go to the sign-in page")),
            status: 403)
    }

    /// The signed-in user of this browser, from a valid `gh_access` cookie.
    func principal(_ request: Request, context: RequestContext) -> Principal? {
        guard let token = request.cookies[BrowserSupport.accessCookie], !token.isEmpty else { return nil }
        return try? auth.authenticator.verify(token: token, now: context.receivedAt, address: address(request))
    }

    /// A silent refresh with the `gh_refresh` cookie, through ``RefreshRotation`` and the refresh rate limit.
    func refreshed(_ request: Request, context: RequestContext) -> TokenResponse? {
        guard let token = request.cookies[BrowserSupport.refreshCookie], !token.isEmpty else { return nil }
        do {
            try auth.rateLimiter.check("refresh", key: auth.rateLimiter.clientKey(request), now: context.receivedAt)
            return try RefreshRotation(auth: auth).rotate(token, request: request, context: context)
        } catch {
            return nil
        }
    }

    func address(_ request: Request) -> String {
        request.clientAddress(trustedProxies: auth.config.trustedProxies)
    }

    /// `rd` when ``RedirectTarget`` accepts it, else nil (the caller falls back to the account page).
    func redirectTarget(_ rd: String?) -> String? {
        rd.flatMap { RedirectTarget.check($0, allowedDomains: auth.config.portalRedirectDomains) }
    }

    /// The sentence a form shows for an error of the shared services.
    static func message(_ error: HTTPError) -> String {
        switch error.code {
        case "invalid_credentials": "Email or password is wrong."
        case "account_locked":
            "Too many failed attempts. Try again in \(minutes(error.headers["Retry-After"])) or later."
        case "rate_limited": "Too many attempts from here. Try again in \(minutes(error.headers["Retry-After"]))."
        case "account_disabled": "This account is disabled."
        case "validation_failed":
            error.errors.map { "\(fieldName($0.field)) \($0.message)." }.joined(separator: " ")
        default: error.detail
        }
    }

    static func fieldName(_ field: String) -> String {
        switch field {
        case "email": "Email"
        case "current_password": "The current password"
        case "new_password": "The new password"
        case "code": "The code"
        case "password": "The password"
        case "recovery_code": "The recovery code"
        default: field
        }
    }

    static func minutes(_ retryAfter: String?) -> String {
        let seconds = retryAfter.flatMap { Int($0) } ?? 60
        let minutes = max(1, (seconds + 59) / 60)
        return minutes == 1 ? "a minute" : "\(minutes) minutes"
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (a URL as one query value).
    static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out = ""
        for byte in text.utf8 {
            if (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 15)]], as: UTF8.self)
            }
        }
        return out
    }
}
