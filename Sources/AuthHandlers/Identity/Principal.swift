public import FCGIHost

/// Who a verified access token speaks for; what handlers authorise against.
public struct Principal: Sendable {
    public let claims: AccessClaims
    /// The token's payload segment: the verified claims as base64url JSON (`X-Auth-Context`).
    public let contextSegment: Substring
    /// HMAC-SHA256 of `contextSegment` under `SERVICE_SECRET`, base64url (`X-Auth-Context-Signature`); nil
    /// without a secret. Computed once per token, when its signature is checked, and cached with it.
    public let contextSignature: String?
    /// The identity headers `/auth/verify` answers with (API.md), built once per token and cached with it.
    public let identityHeaders: Headers

    public init(claims: AccessClaims, contextSegment: Substring, contextSignature: String?) {
        self.claims = claims
        self.contextSegment = contextSegment
        self.contextSignature = contextSignature
        // Lower-case names (HTTP names are case-insensitive; nginx reads them as $upstream_http_x_user_id).
        var headers = Headers([
            ("x-user-id", claims.sub), ("x-user-email", claims.email), ("x-user-roles", claims.roles.joined(separator: ",")),
            ("x-user-permissions", claims.permissions.joined(separator: ",")), ("x-session-id", claims.sid),
            ("x-zone", claims.ctx?.zone ?? ""), ("x-department", claims.ctx?.department ?? ""),
            ("x-auth-context", String(contextSegment)),
        ])
        if let contextSignature { headers.add("x-auth-context-signature", contextSignature) }
        identityHeaders = headers
    }

    public var userID: String { claims.sub }
    public var sessionID: String { claims.sid }
    public var permissions: [String] { claims.permissions }
    public var roles: [String] { claims.roles }
    /// The zone the caller works in; nil for callers without an assignment (global administrators).
    public var zone: String? { claims.ctx?.zone }

    public func has(_ permission: String) -> Bool {
        Permissions.allows(claims.permissions, permission)
    }
}
