import AuthHandlers
import FCGIHost

/// Registers business routes together with the permission each one needs, so a route's permission is written
/// once, on the line that registers it:
///
///     let routes = GuardedRoutes(router, authenticator: authenticator)
///     routes.get("/v1/assets", permission: "assets:read", use: list)
///
/// Before the handler runs, the access token is verified (signature, expiry, revocation: 401) and the permission
/// checked (403); the handler gets the verified ``Principal`` and trusts it.
struct GuardedRoutes {
    typealias Handler = (Request, RequestContext, Principal) throws -> Response

    let router: Router
    let authenticator: Authenticator

    init(_ router: Router, authenticator: Authenticator) {
        self.router = router
        self.authenticator = authenticator
    }

    func get(_ path: String, permission: String, use handler: @escaping Handler) {
        add("GET", path, permission, handler)
    }

    func post(_ path: String, permission: String, use handler: @escaping Handler) {
        add("POST", path, permission, handler)
    }

    func put(_ path: String, permission: String, use handler: @escaping Handler) {
        add("PUT", path, permission, handler)
    }

    func delete(_ path: String, permission: String, use handler: @escaping Handler) {
        add("DELETE", path, permission, handler)
    }

    private func add(_ method: String, _ path: String, _ permission: String, _ handler: @escaping Handler) {
        let authenticator = authenticator
        router.add(method, path) { request, context in
            let principal = try authenticator.require(permission, request, now: context.receivedAt)
            return try handler(request, context, principal)
        }
    }
}
