/// The claims of a Gatehouse access token (API.md "Tokens").
public struct AccessClaims: Codable, Sendable, Equatable {
    /// The current zone/department context, from an assignment.
    public struct Context: Codable, Sendable, Equatable {
        public let zone: String
        public let department: String
        public let role: String
        public let primary: Bool
    }

    /// One of the user's assignments as listed in the token.
    public struct AssignmentClaim: Codable, Sendable, Equatable {
        public let zone: String
        public let department: String
        public let role: String
        public let primary: Bool
        public let active: Bool
    }

    public let iss: String
    public let aud: String
    public let sub: String
    public let sid: String
    public let jti: String
    public let iat: Int64
    public let nbf: Int64
    public let exp: Int64
    public let email: String
    public let name: String
    public let roles: [String]
    public let permissions: [String]
    public let ctx: Context?
    public let assignments: [AssignmentClaim]?
    /// The device id (`X-Device-Id`) the session logged in or switched with, checked by device rules.
    public var did: String? = nil
    /// The RFC 8176 methods of the session's login (`pwd`, `otp`, ...); absent where none applies (SDK sessions).
    public var amr: [String]? = nil
    /// SDK sessions: the id of the SaaS client whose end user this is.
    public var tenant: String? = nil
    /// SDK sessions: the end user's id in its client's system.
    public var ext: String? = nil
}
