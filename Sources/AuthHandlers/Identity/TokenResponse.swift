import FCGIHost

/// The body of login, refresh, context switch and SDK session (API.md "Token response").
public struct TokenResponse: Encodable, Sendable {
    public struct UserSummary: Encodable, Sendable {
        public let id: String
        public let email: String
        public let name: String
        public let roles: [String]
        public let permissions: [String]
    }

    public let accessToken: String
    public let tokenType = "Bearer"
    public let expiresIn: Int
    /// Nil in browser (cookie) mode, where the token travels in `gh_refresh` instead.
    public var refreshToken: String?
    public let refreshExpiresIn: Int
    public let user: UserSummary

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token", tokenType = "token_type", expiresIn = "expires_in"
        case refreshToken = "refresh_token", refreshExpiresIn = "refresh_expires_in", user
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(accessToken, forKey: .accessToken)
        try container.encode(tokenType, forKey: .tokenType)
        try container.encode(expiresIn, forKey: .expiresIn)
        try container.encodeIfPresent(refreshToken, forKey: .refreshToken)
        try container.encode(refreshExpiresIn, forKey: .refreshExpiresIn)
        try container.encode(user, forKey: .user)
    }
}

extension TokenResponse {
    /// The body as `Response.json` would encode it (sorted keys, no `refresh_token` when nil), written straight
    /// into bytes.
    var json: [UInt8] {
        var out = JSONOutput(capacity: 1_024 + 64 * (user.roles.count + user.permissions.count))
        out.raw("{\"access_token\":")
        out.string(accessToken)
        out.raw(",\"expires_in\":")
        out.integer(Int64(expiresIn))
        out.raw(",\"refresh_expires_in\":")
        out.integer(Int64(refreshExpiresIn))
        if let refreshToken {
            out.raw(",\"refresh_token\":")
            out.string(refreshToken)
        }
        out.raw(",\"token_type\":")
        out.string(tokenType)
        out.raw(",\"user\":{\"email\":")
        out.string(user.email)
        out.raw(",\"id\":")
        out.string(user.id)
        out.raw(",\"name\":")
        out.string(user.name)
        out.raw(",\"permissions\":")
        out.strings(user.permissions)
        out.raw(",\"roles\":")
        out.strings(user.roles)
        out.raw("}}")
        return out.bytes
    }
}
