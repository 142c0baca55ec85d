public import FCGIHost
import Store

/// Effective permissions: `GET /permissions/user/{id}` (`users:read`), `POST /permissions/check` and
/// `GET /permissions/context/{zone}/{department}` (any access token) (API.md "Management routes").
///
/// Inside a zone and department a user has the permissions of their global roles plus those of the role of
/// their *active* assignment there (DESIGN.md "Authorization"); an inactive assignment grants nothing.
public struct PermissionRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
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

    struct AssignmentGrant: Encodable {
        let id: String
        let zone: String
        let department: String
        let role: String
        let primary: Bool
        let active: Bool
        /// Effective in this context: the global permissions plus the role's when the assignment is active.
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

    /// `GET /permissions/user/{id}`: the global roles and permissions, and for each assignment the permissions
    /// the user has in it.
    func userPermissions(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.require("users:read", request, now: context.receivedAt)
        guard let user = try auth.users.find(id: try request.parameters.require("id")) else {
            throw HTTPError.notFound("There is no user with this id.")
        }
        let global = try auth.roles.rolesOf(userId: user.id)
        let globalPermissions = try auth.roles.permissions(forRoles: global)
        let assignments = try auth.assignments.list(userId: user.id).map { assignment in
            AssignmentGrant(
                id: assignment.id, zone: assignment.zone, department: assignment.department, role: assignment.role,
                primary: assignment.isPrimary, active: assignment.active,
                permissions: assignment.active
                    ? try auth.roles.permissions(forRoles: global + [assignment.role]) : globalPermissions)
        }
        return try .noStoreJSON(
            UserPermissionsBody(
                userId: user.id, global: Grant(roles: global, permissions: globalPermissions), assignments: assignments)
        )
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

    /// `POST /permissions/check` → `{"allowed": bool, "reason": "..."}`.
    ///
    /// With `zone` and `department`: the user's global roles plus their active assignment there. Without: the
    /// caller's own access token, or for another user (`user_id`, needs `users:read`) what a new login would
    /// carry, the global roles plus the primary active assignment. A disabled account is allowed nothing.
    func check(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticate(request, now: context.receivedAt)
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
        let subject = body.userId ?? principal.userID
        if subject != principal.userID, !principal.has("users:read") {
            throw AuthError.forbidden(missing: "users:read")
        }
        guard let user = try auth.users.find(id: subject) else {
            throw HTTPError.notFound("There is no user with this id.")
        }
        let permission = body.permission
        guard user.isActive else {
            return try .noStoreJSON(CheckResult(allowed: false, reason: "the account is disabled"))
        }

        if let zone = body.zone, let department = body.department {
            let place = "\(zone)/\(department)"
            let assignment = try auth.assignments.find(userId: user.id, zone: zone, department: department)
            var sources: [(String, String?)] = try auth.roles.rolesOf(userId: user.id).map { ($0, nil) }
            if let assignment, assignment.active { sources.append((assignment.role, place)) }
            if let grant = try firstGrant(permission, sources: sources) {
                return try .noStoreJSON(CheckResult(allowed: true, reason: grant))
            }
            let reason: String
            switch assignment {
            case nil: reason = "no assignment in \(place), and no global role grants \(permission)"
            case let assignment? where !assignment.active:
                reason = "the assignment in \(place) is inactive, and no global role grants \(permission)"
            case let assignment?:
                reason = "neither the global roles nor the role \(assignment.role) in \(place) grant \(permission)"
            }
            return try .noStoreJSON(CheckResult(allowed: false, reason: reason))
        }

        if user.id == principal.userID {
            if let granted = principal.permissions.first(where: {
                Permissions.matches(granted: $0, required: permission)
            }) {
                return try .noStoreJSON(CheckResult(allowed: true, reason: "granted by \(granted) in the access token"))
            }
            return try .noStoreJSON(
                CheckResult(allowed: false, reason: "the access token does not grant \(permission)"))
        }
        var sources: [(String, String?)] = try auth.roles.rolesOf(userId: user.id).map { ($0, nil) }
        if let primary = try auth.assignments.primaryActive(userId: user.id) {
            sources.append((primary.role, "\(primary.zone)/\(primary.department)"))
        }
        if let grant = try firstGrant(permission, sources: sources) {
            return try .noStoreJSON(CheckResult(allowed: true, reason: grant))
        }
        return try .noStoreJSON(
            CheckResult(allowed: false, reason: "no global role or primary assignment grants \(permission)"))
    }

    /// "granted by P of the global role R" or "granted by P of the role R in ZONE/DEPARTMENT" for the first
    /// of `sources` (a role and the place of its assignment, nil for a global role) that grants `permission`.
    private func firstGrant(_ permission: String, sources: [(String, String?)]) throws -> String? {
        for (role, place) in sources {
            guard let permissions = try auth.roles.find(name: role)?.permissions,
                let granted = permissions.first(where: { Permissions.matches(granted: $0, required: permission) })
            else { continue }
            return "granted by \(granted) of the " + (place.map { "role \(role) in \($0)" } ?? "global role \(role)")
        }
        return nil
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
        let principal = try auth.authenticate(request, now: context.receivedAt)
        let zone = try request.parameters.require("zone")
        let department = try request.parameters.require("department")
        var roles = try auth.roles.rolesOf(userId: principal.userID)
        let assignment = try auth.assignments.find(userId: principal.userID, zone: zone, department: department)
            .flatMap { $0.active ? $0 : nil }
        if let assignment, !roles.contains(assignment.role) { roles.append(assignment.role) }
        return try .noStoreJSON(
            ContextBody(
                zone: zone, department: department, roles: roles,
                permissions: try auth.roles.permissions(forRoles: roles),
                assignment: assignment.map(AssignmentBody.init)))
    }
}
