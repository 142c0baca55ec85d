public import FCGIHost

/// `GET /auth/verify`, nginx's `auth_request` target: 204 with identity headers, 401 or 403 (API.md).
public struct VerifyRoutes {
    let auth: AuthService
    /// Copied out of the configuration once: copying `Config` itself on every request retains all its fields.
    let checkOrigin: Bool
    let allowedOrigins: Set<String>

    public init(auth: AuthService) {
        self.auth = auth
        checkOrigin = auth.config.originValidationEnabled
        allowedOrigins = Set(auth.config.allowedOrigins)
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
        if checkOrigin, let origin = request.headers["Origin"], !allowedOrigins.contains(origin) {
            throw AuthError.originNotAllowed
        }
        let principal = try auth.authenticate(request, now: context.receivedAt)
        if let required = request.headers["x-required-permission"] {
            for permission in required.split(separator: ",") {
                let wanted = permission.trimmingWhitespace()
                guard wanted.isEmpty || principal.has(wanted) else { throw AuthError.forbidden(missing: wanted) }
            }
        }
        return Response(status: 204, headers: principal.identityHeaders)
    }
}
