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
        if let required = request.headers["X-Required-Permission"] {
            for permission in required.split(separator: ",") {
                let wanted = permission.trimmingWhitespace()
                guard wanted.isEmpty || principal.has(wanted) else { throw AuthError.forbidden(missing: wanted) }
            }
        }
        let claims = principal.claims
        // Lower-case names (HTTP names are case-insensitive; nginx reads them as $upstream_http_x_user_id):
        // they need no lower-casing copy on the way into `Headers`, once per header per request.
        var headers = Headers([
            ("x-user-id", claims.sub), ("x-user-email", claims.email), ("x-user-roles", claims.roles.joined(separator: ",")),
            ("x-user-permissions", claims.permissions.joined(separator: ",")), ("x-session-id", claims.sid),
            ("x-zone", claims.ctx?.zone ?? ""), ("x-department", claims.ctx?.department ?? ""),
            ("x-auth-context", String(principal.contextSegment)),
        ])
        if let signature = principal.contextSignature {
            headers.add("x-auth-context-signature", signature)
        }
        return Response(status: 204, headers: headers)
    }
}
