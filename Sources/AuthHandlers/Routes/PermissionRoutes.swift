public import FCGIHost
import Store

/// Effective permissions: `GET /permissions/user/{id}` (`users:read`), `POST /permissions/check` and
/// `GET /permissions/context/{zone}/{department}` (any access token) (API.md "Management routes").
///
/// Every answer comes from the ``Authorizer``: inside a zone and department a user has the permissions of their
/// global roles, of the role of their *active* assignment there, and of the policy lines that reach them there
/// (DESIGN.md "Authorization"); an inactive assignment grants nothing.
public struct PermissionRoutes {
    let authenticator: Authenticator
    let authorizer: Authorizer

    public init(authenticator: Authenticator, authorizer: Authorizer) {
        self.authenticator = authenticator
        self.authorizer = authorizer
    }

    public func addRoutes(to router: Router) {
        router.get("/permissions/user/{id}", use: userPermissions)
        router.post("/permissions/check", use: check)
        router.get("/permissions/context/{zone}/{department}", use: contextPermissions)
    }

    // MARK: Per user

    struct Grant: Encodable {
        let roles: [String]
        let permissions: [String]
    }

    /// An assignment with what it grants: the assignment's fields plus the permissions the user has in its domain.
    struct AssignmentGrant: Encodable {
        let id: String
        let zone: String
        let department: String
        let role: String
        let primary: Bool
        let active: Bool
        let rules: JSONValue
        /// Effective in this context: the global permissions plus the role's when the assignment is active, and
        /// what the policies give there.
        let permissions: [String]
    }

    struct UserPermissionsBody: Encodable {
        let userId: String
        let global: Grant
        let assignments: [AssignmentGrant]
        enum CodingKeys: String, CodingKey {
            case global, assignments
            case userId = "user_id"
        }
    }

    /// `GET /permissions/user/{id}`: the global roles and permissions (domain `*`), and for each assignment the
    /// permissions the user has in its domain.
    func userPermissions(_ request: Request, context: RequestContext) throws -> Response {
        _ = try authenticator.require("users:read", request, now: context.receivedAt)
        guard let subject = try authorizer.subject(userId: try request.parameters.require("id")) else {
            throw HTTPError.notFound("There is no user with this id.")
        }
        let global = try authorizer.grants(subject, in: PolicyLine.anyDomain)
        let assignments = try subject.assignments.map { assignment in
            AssignmentGrant(
                id: assignment.id, zone: assignment.zone, department: assignment.department, role: assignment.role,
                primary: assignment.isPrimary, active: assignment.active, rules: JSONText.decode(assignment.rules),
                permissions: try authorizer.grants(subject, in: Authorizer.domain(of: assignment)).permissions)
        }
        return try .noStoreJSON(
            UserPermissionsBody(
                userId: subject.user.id, global: Grant(roles: global.roles, permissions: global.permissions),
                assignments: assignments))
    }

    // MARK: Check

    struct CheckBody: Decodable {
        let permission: String
        let zone: String?
        let department: String?
        let userId: String?
        enum CodingKeys: String, CodingKey {
            case permission, zone, department
            case userId = "user_id"
        }
    }

    struct CheckResult: Encodable {
        let allowed: Bool
        let reason: String
    }

    /// `POST /permissions/check` → `{"allowed": bool, "reason": "..."}`, evaluated live against today's roles,
    /// assignments and policies (not the token).
    ///
    /// With `zone` and `department`: that domain. Without: the caller's current context (its token's `ctx`), or
    /// for another user (`user_id`, needs `users:read`) that user's default context, its primary active
    /// assignment. A disabled account is allowed nothing.
    func check(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try authenticator.authenticate(request, now: context.receivedAt)
        let body = try request.decode(CheckBody.self)
        var errors: [HTTPError.FieldError] = []
        if !Permissions.isValid(body.permission) {
            errors.append(.init(field: "permission", message: Permissions.rule))
        }
        if (body.zone == nil) != (body.department == nil) {
            let missing = body.zone == nil ? "zone" : "department"
            errors.append(
                .init(field: missing, message: "is required together with \(missing == "zone" ? "department" : "zone")")
            )
        }
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        let userID = body.userId ?? principal.userID
        if userID != principal.userID, !principal.has("users:read") {
            throw AuthError.forbidden(missing: "users:read")
        }
        guard let subject = try authorizer.subject(userId: userID) else {
            throw HTTPError.notFound("There is no user with this id.")
        }
        guard subject.user.isActive else {
            return try .noStoreJSON(CheckResult(allowed: false, reason: "the account is disabled"))
        }
        let domain: String
        if let zone = body.zone, let department = body.department {
            domain = Authorizer.domain(zone: zone, department: department)
        } else if userID == principal.userID {
            domain = principal.claims.ctx.map { Authorizer.domain(zone: $0.zone, department: $0.department) }
                ?? PolicyLine.anyDomain
        } else {
            domain = subject.assignments.first { $0.isPrimary && $0.active }.map(Authorizer.domain(of:))
                ?? PolicyLine.anyDomain
        }
        return try .noStoreJSON(try decide(body.permission, for: subject, in: domain))
    }

    /// The answer and its reason: which role or policy line grants the permission, or why nothing does.
    private func decide(_ permission: String, for subject: Authorizer.Subject, in domain: String) throws -> CheckResult {
                let assignment = domain == PolicyLine.anyDomain ? nil : subject.activeAssignment(in: domain)
        // The roles the user holds directly, each with what it gives in the domain (inheritance included).
        var sources: [(role: String, place: String?)] = subject.globalRoles.map { ($0, nil) }
        if let assignment { sources.append((assignment.role, domain)) }
        for source in sources {
            let held = try authorizer.grants(ofRoles: [source.role], in: domain).permissions
            if let granted = held.first(where: { Permissions.matches(granted: $0, required: permission) }) {
                return CheckResult(
                    allowed: true,
                    reason: "granted by \(granted) of the "
                        + (source.place.map { "role \(source.role) in \($0)" } ?? "global role \(source.role)"))
            }
        }
        // Policy lines that name the user itself (by id or email), directly or through its g lines.
        let grants = try authorizer.grants(subject, in: domain)
        if let granted = grants.permissions.first(where: { Permissions.matches(granted: $0, required: permission) }) {
            let parts = granted.split(separator: ":", maxSplits: 1).map(String.init)
            let line = try authorizer.policySet().grant(
                subjects: [subject.user.id, subject.user.email], domain: domain, object: parts[0],
                action: parts.count == 2 ? parts[1] : "", userLines: authorizer.userLines(subject))
            return CheckResult(
                allowed: true, reason: "granted by " + (line.map { "the policy line \($0)" } ?? "\(granted) in \(domain)"))
        }
        if domain == PolicyLine.anyDomain {
            return CheckResult(allowed: false, reason: "no global role or policy grants \(permission)")
        }
        let reason: String
        if let assignment {
            reason = "neither the global roles nor the role \(assignment.role) in \(domain) grant \(permission)"
        } else if subject.assignments.contains(where: { Authorizer.domain(of: $0) == domain }) {
            reason = "the assignment in \(domain) is inactive, and no global role or policy grants \(permission)"
        } else {
            reason = "no assignment in \(domain), and no global role or policy grants \(permission)"
        }
        return CheckResult(allowed: false, reason: reason)
    }

    // MARK: Context

    struct ContextBody: Encodable {
        let zone: String
        let department: String
        let roles: [String]
        let permissions: [String]
        let assignment: AssignmentBody?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(zone, forKey: .zone)
            try container.encode(department, forKey: .department)
            try container.encode(roles, forKey: .roles)
            try container.encode(permissions, forKey: .permissions)
            try container.encode(assignment, forKey: .assignment)  // null, not absent, without one
        }

        enum CodingKeys: String, CodingKey {
            case zone, department, roles, permissions, assignment
        }
    }

    /// `GET /permissions/context/{zone}/{department}`: the caller's global roles plus the role of their active
    /// assignment there; without one, 200 with the global roles only and `"assignment": null`.
    func contextPermissions(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try authenticator.authenticate(request, now: context.receivedAt)
        let zone = try request.parameters.require("zone")
        let department = try request.parameters.require("department")
        guard let subject = try authorizer.subject(userId: principal.userID) else { throw AuthError.tokenRevoked }
        let domain = Authorizer.domain(zone: zone, department: department)
        let grants = try authorizer.grants(subject, in: domain)
        return try .noStoreJSON(
            ContextBody(
                zone: zone, department: department, roles: grants.roles, permissions: grants.permissions,
                assignment: subject.activeAssignment(in: domain).map(AssignmentBody.init)))
    }
}
