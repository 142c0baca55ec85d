#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store
import Webhooks

/// Role administration: `GET/POST /roles`, `GET/PUT/DELETE /roles/{name}`, all with `roles:write`
/// (API.md "Management routes"). A role is `{name, description, permissions}`.
///
/// `PUT /roles/{name}` creates the role (201) or replaces its description and permissions (200): the body is
/// the whole role. Deleting a role removes it from every user and deletes the assignments that use it.
/// Changes reach tokens when they are next issued (login, refresh, context switch).
public struct RoleRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.get("/roles", use: list)
        router.post("/roles", use: create)
        router.get("/roles/{name}", use: read)
        router.put("/roles/{name}", use: replace)
        router.delete("/roles/{name}", use: delete)
    }

    /// A role as API.md shows it.
    struct RoleBody: Codable {
        let name: String
        let description: String
        let permissions: [String]

        init(_ role: Role) {
            name = role.name
            description = role.description
            permissions = role.permissions
        }
    }

    struct CreateBody: Decodable {
        let name: String
        let description: String?
        let permissions: [String]
    }

    /// PUT's body: `name`, when present, must be the name in the path (roles are not renamed).
    struct ReplaceBody: Decodable {
        let name: String?
        let description: String?
        let permissions: [String]
    }

    /// `GET /roles?limit=&cursor=`, by name.
    func list(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("roles:write", request, now: context.receivedAt)
        let paging = try ListQuery(request)
        let page = try auth.roles.list(limit: paging.limit, cursor: paging.cursor)
        return try .noStoreJSON(ListBody(items: page.items.map(RoleBody.init), nextCursor: page.nextCursor))
    }

    /// `POST /roles` → 201 role; 409 when the name is taken.
    func create(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("roles:write", request, now: context.receivedAt)
        let body = try request.decode(CreateBody.self)
        var errors = Self.problems(description: body.description, permissions: body.permissions)
        if !RoleName.isValid(body.name) { errors.insert(.init(field: "name", message: RoleName.rule), at: 0) }
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        try Escalation(authorizer: auth.authorizer).requireCanGrant(permissions: body.permissions, principal: principal) {
            "Creating this role"
        }
        let role: Role
        do {
            role = try auth.roles.create(
                name: body.name, description: body.description ?? "", permissions: body.permissions)
        } catch let error as StoreError where error == .duplicate {
            throw HTTPError(.conflict, code: "conflict", detail: "A role with this name already exists.")
        }
        record("role.created", role, principal: principal, request: request, context: context)
        return try .noStoreJSON(RoleBody(role), status: 201)
    }

    /// `GET /roles/{name}`.
    func read(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("roles:write", request, now: context.receivedAt)
        guard let role = try auth.roles.find(name: try request.parameters.require("name")) else { throw notFound }
        return try .noStoreJSON(RoleBody(role))
    }

    /// `PUT /roles/{name}` → 201 when it created the role, 200 when it replaced one.
    func replace(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("roles:write", request, now: context.receivedAt)
        let name = try request.parameters.require("name")
        let body = try request.decode(ReplaceBody.self)
        var errors = Self.problems(description: body.description, permissions: body.permissions)
        if !RoleName.isValid(name) {
            errors.insert(.init(field: "name", message: RoleName.rule), at: 0)
        } else if let given = body.name, given != name {
            errors.insert(.init(field: "name", message: "must be the name in the path (roles are not renamed)"), at: 0)
        }
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        // Adding a permission grants it, and removing one is held to the same rule (DESIGN.md "Authorization"):
        // otherwise roles:write could strip the administrators' role of what the caller does not hold.
        let current = Set(try auth.roles.find(name: name)?.permissions ?? [])
        let wanted = Set(body.permissions)
        try Escalation(authorizer: auth.authorizer).requireCanGrant(
            permissions: Array(wanted.symmetricDifference(current)), principal: principal
        ) { "Adding or removing these permissions" }
        let (role, created) = try auth.database.perform(.saveRole) {
            let created = try auth.roles.find(name: name) == nil
            let role = try auth.roles.upsert(
                name: name, description: body.description ?? "", permissions: body.permissions)
            try recordEvent(created ? "created" : "updated", role, principal: principal, at: context.receivedAt)
            return (role, created)
        }
        record(
            created ? "role.created" : "role.updated", role, principal: principal, request: request, context: context)
        return try .noStoreJSON(RoleBody(role), status: created ? 201 : 200)
    }

    /// `DELETE /roles/{name}` → 204.
    func delete(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("roles:write", request, now: context.receivedAt)
        let name = try request.parameters.require("name")
        guard let existing = try auth.roles.find(name: name) else { throw notFound }
        try Escalation(authorizer: auth.authorizer).requireCanGrant(permissions: existing.permissions, principal: principal) {
            "Deleting this role"
        }
        let deleted = try auth.database.perform(.deleteRole) { () throws -> Role? in
            guard let role = try auth.roles.find(name: name), try auth.roles.delete(name: name) else { return nil }
            try recordEvent("deleted", role, principal: principal, at: context.receivedAt)
            return role
        }
        guard let role = deleted else { throw notFound }
        record("role.deleted", role, principal: principal, request: request, context: context)
        return .noContent
    }

    // MARK: Helpers

    private var notFound: HTTPError { .notFound("There is no role with this name.") }

    /// Field errors for a description over 500 characters and each malformed permission (by index).
    static func problems(description: String?, permissions: [String]) -> [HTTPError.FieldError] {
        var errors: [HTTPError.FieldError] = []
        if let description, description.count > 500 {
            errors.append(.init(field: "description", message: "must be at most 500 characters"))
        }
        if permissions.count > 1000 {
            errors.append(.init(field: "permissions", message: "must list at most 1000 permissions"))
        }
        for (index, permission) in permissions.enumerated() where !Permissions.isValid(permission) {
            errors.append(.init(field: "permissions[\(index)]", message: Permissions.rule))
        }
        return errors
    }

    /// `role.changed`, in the unit of work of the change.
    private func recordEvent(_ action: String, _ role: Role, principal: Principal, at: Date) throws {
        try auth.events.record(
            .roleChanged, actor: principal.userID, subject: .role(role.name),
            data: [
                "action": .string(action), "role": .string(role.name),
                "permissions": .array(role.permissions.map(JSONValue.string)),
            ], at: at)
    }

    private func record(
        _ event: String, _ role: Role, principal: Principal, request: Request, context: RequestContext
    ) {
        auth.auditTrail.record(
            event, actor: principal.userID, request: request, context: context,
            details: ["role": role.name, "permissions": role.permissions.joined(separator: ",")])
    }
}
