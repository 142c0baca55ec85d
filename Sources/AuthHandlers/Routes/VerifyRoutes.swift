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
        var headers = Headers([
            ("X-User-Id", claims.sub), ("X-User-Email", claims.email), ("X-User-Roles", claims.roles.joined(separator: ",")),
            ("X-User-Permissions", claims.permissions.joined(separator: ",")), ("X-Session-Id", claims.sid),
            ("X-Zone", claims.ctx?.zone ?? ""), ("X-Department", claims.ctx?.department ?? ""),
            ("X-Auth-Context", String(principal.contextSegment)),
        ])
        if let signature = principal.contextSignature {
            headers.add("X-Auth-Context-Signature", signature)
        }
        return Response(status: 204, headers: headers)
    }
}
