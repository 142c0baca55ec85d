// The router's path matching, over the patterns Gatehouse serves: method and target from the input (NUL between).
import FuzzSupport
@testable import FCGIHost

let patterns = [
    "/.well-known/jwks.json", "/.well-known/openid-configuration", "/audit", "/auth/context/switch", "/auth/login",
    "/auth/logout", "/auth/me", "/auth/password", "/auth/password/forgot", "/auth/password/reset",
    "/auth/permissions", "/auth/refresh", "/auth/register", "/auth/sessions", "/auth/sessions/{id}", "/auth/verify",
    "/clients", "/clients/{id}", "/clients/{id}/keys/rotate", "/clients/{id}/keys/{kid}", "/connection/rpc",
    "/connection/stats", "/connection/test", "/health", "/internal/validate", "/internal/validate-api-key",
    "/metrics", "/permissions/check", "/permissions/context/{zone}/{department}", "/permissions/user/{id}",
    "/policies", "/roles", "/roles/{name}", "/sdk/logout", "/sdk/refresh", "/sdk/session", "/users",
    "/users/me/password", "/users/{id}", "/users/{id}/assignments", "/users/{id}/assignments/{aid}", "/v1/assets",
    "/v1/assets/{id}", "/v1/branches", "/v1/branches/{id}", "/v1/dashboard", "/v1/settings", "/v1/settings/{key}",
]
let router = Router()
for pattern in patterns {
    for method in ["GET", "POST", "PUT", "DELETE"] {
        router.add(method, pattern) { request, _ in
            // Every parameter the pattern names is filled in.
            for segment in pattern.split(separator: "/") where segment.hasPrefix("{") {
                _ = try request.parameters.require(String(segment.dropFirst().dropLast()))
            }
            return Response(status: 204)
        }
    }
}
let context = RequestContext(logger: Logger(label: "fuzz", level: .critical, sink: { _ in }))

runFuzzer { bytes in
    let p = parts(of: bytes, count: 2)
    guard let request = try? Request(method: text(p[0]), target: text(p[1])) else { return }
    let response = router.respond(to: request, context: context)
    precondition(response.status != 500, "the router answered 500 for \(request)")
}
