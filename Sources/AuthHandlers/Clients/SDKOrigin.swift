import FCGIHost
import Store

/// The origin rule of SDK sessions (API.md "SaaS clients"): with `ORIGIN_VALIDATION_ENABLED`, a request carrying a
/// token from an SDK session and an `Origin` header is refused with 403 `origin_not_allowed` unless the origin is in
/// that client's `origin_allowlist`. A token whose client is gone is refused too.
enum SDKOrigin {
    static func require(_ origin: String, for principal: Principal, apiKeys: APIKeyValidator) throws {
        guard let tenant = principal.claims.tenant else { return }
        guard let client = try apiKeys.client(id: tenant), client.client.originAllowlist.contains(origin) else {
            throw AuthError.originNotAllowed
        }
    }
}
