import Crypto
import FCGIHost

/// CSRF protection of the portal's forms: a random value in the cookie `__Host-gh_csrf` (HttpOnly, Secure, Path=/,
/// no Domain, so a sibling host cannot plant one) and, in each form, an HMAC of that value that only Gatehouse can
/// compute. A POST needs both to match, and an `Origin` of the site itself or of `ALLOWED_ORIGINS`.
struct PortalCSRF {
    static let cookie = "__Host-gh_csrf"
    static let field = "csrf"
    let key: [UInt8]

    /// The cookie value of `request` if it has a well-formed one.
    func cookieValue(_ request: Request) -> String? {
        guard let value = request.cookies[Self.cookie], value.utf8.count == 43,
            (try? Base64URL.decode(value))?.count == 32
        else { return nil }
        return value
    }

    /// The request's cookie value, or a new one with the `Set-Cookie` that plants it.
    func ensureCookie(_ request: Request) -> (value: String, setCookie: String?) {
        if let value = cookieValue(request) { return (value, nil) }
        let value = Base64URL.encode(Random.bytes(count: 32))
        return (value, "\(Self.cookie)=\(value); Path=/; HttpOnly; Secure; SameSite=Strict")
    }

    /// The form token bound to a cookie value.
    func token(for cookieValue: String) -> String {
        Base64URL.encode(HMAC.sha256(key: key, data: Array("gatehouse-portal-csrf:\(cookieValue)".utf8)))
    }

    /// Whether the form's token matches the request's cookie.
    func isValid(_ request: Request, form: QueryParameters) -> Bool {
        guard let cookie = cookieValue(request), let presented = form[Self.field] else { return false }
        return constantTimeEqual(Array(presented.utf8), Array(token(for: cookie).utf8))
    }
}
