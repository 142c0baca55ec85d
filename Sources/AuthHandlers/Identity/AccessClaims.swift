import FCGIHost

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

extension AccessClaims {
    /// The claims as the token's payload: what `JSONEncoder` with sorted keys writes for them (absent optionals
    /// left out), written straight into bytes (docs/PERFORMANCE.md, "Login: the work beside the hash").
    var json: [UInt8] {
        var out = JSONOutput(capacity: 512 + 64 * (roles.count + permissions.count + (assignments?.count ?? 0)))
        out.raw("{")
        if let amr {
            out.raw("\"amr\":")
            out.strings(amr)
            out.raw(",")
        }
        if let assignments {
            out.raw("\"assignments\":[")
            for (index, assignment) in assignments.enumerated() {
                if index > 0 { out.raw(",") }
                out.raw("{\"active\":")
                out.raw(assignment.active ? "true" : "false")
                out.raw(",")
                Self.place(
                    department: assignment.department, primary: assignment.primary, role: assignment.role,
                    zone: assignment.zone, &out)
            }
            out.raw("],")
        }
        out.raw("\"aud\":")
        out.string(aud)
        if let ctx {
            out.raw(",\"ctx\":{")
            Self.place(department: ctx.department, primary: ctx.primary, role: ctx.role, zone: ctx.zone, &out)
        }
        if let did {
            out.raw(",\"did\":")
            out.string(did)
        }
        out.raw(",\"email\":")
        out.string(email)
        out.raw(",\"exp\":")
        out.integer(exp)
        if let ext {
            out.raw(",\"ext\":")
            out.string(ext)
        }
        out.raw(",\"iat\":")
        out.integer(iat)
        out.raw(",\"iss\":")
        out.string(iss)
        out.raw(",\"jti\":")
        out.string(jti)
        out.raw(",\"name\":")
        out.string(name)
        out.raw(",\"nbf\":")
        out.integer(nbf)
        out.raw(",\"permissions\":")
        out.strings(permissions)
        out.raw(",\"roles\":")
        out.strings(roles)
        out.raw(",\"sid\":")
        out.string(sid)
        out.raw(",\"sub\":")
        out.string(sub)
        if let tenant {
            out.raw(",\"tenant\":")
            out.string(tenant)
        }
        out.raw("}")
        return out.bytes
    }

    /// The members a context and an assignment share, in sorted order, and the object's closing brace.
    private static func place(department: String, primary: Bool, role: String, zone: String, _ out: inout JSONOutput) {
        out.raw("\"department\":")
        out.string(department)
        out.raw(",\"primary\":")
        out.raw(primary ? "true" : "false")
        out.raw(",\"role\":")
        out.string(role)
        out.raw(",\"zone\":")
        out.string(zone)
        out.raw("}")
    }
}
