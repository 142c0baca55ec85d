/// Who a verified access token speaks for; what handlers authorise against.
public struct Principal: Sendable {
    public let claims: AccessClaims
    /// The token's payload segment: the verified claims as base64url JSON (`X-Auth-Context`).
    public let contextSegment: Substring
    /// HMAC-SHA256 of `contextSegment` under `SERVICE_SECRET`, base64url (`X-Auth-Context-Signature`); nil
    /// without a secret. Computed once per token, when its signature is checked, and cached with it.
    public let contextSignature: String?

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
