#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store
import Webhooks

/// A user's zone/department/role assignments: `GET/POST /users/{id}/assignments`,
/// `PUT/DELETE /users/{id}/assignments/{aid}`, all with `users:write` (API.md "Management routes").
///
/// A user has at most one primary assignment: making one primary clears the old one. A new assignment without
/// `primary` becomes primary when the user has none yet, so a user's first assignment is their login context.
public struct AssignmentRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.get("/users/{id}/assignments", use: list)
        router.post("/users/{id}/assignments", use: create)
        router.put("/users/{id}/assignments/{aid}", use: update)
        router.delete("/users/{id}/assignments/{aid}", use: delete)
    }

    /// The body of POST (zone, department and role required) and PUT (every field optional: omitted keeps).
    struct AssignmentFields: Decodable {
        let zone: String?
        let department: String?
        let role: String?
        let primary: Bool?
        let active: Bool?
        let rules: [String: JSONValue]?
    }

    /// `GET /users/{id}/assignments`: every assignment (a user has few), primary first; `next_cursor` is null.
    func list(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("users:write", request, now: context.receivedAt)
        let user = try requireUser(request)
        let items = try auth.assignments.list(userId: user.id).map(AssignmentBody.init)
        return try .noStoreJSON(ListBody(items: items, nextCursor: nil))
    }

    /// `POST /users/{id}/assignments` → 201 assignment.
    func create(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("users:write", request, now: context.receivedAt)
        let user = try requireUser(request)
        let body = try request.decode(AssignmentFields.self)
        var errors: [HTTPError.FieldError] = []
        for (field, value) in [("zone", body.zone), ("department", body.department), ("role", body.role)]
        where value == nil {
            errors.append(.init(field: field, message: "is required"))
        }
        let checked = try validate(body)
        guard errors.isEmpty, checked.errors.isEmpty else { throw HTTPError.validation(errors + checked.errors) }
        guard let zone = checked.zone, let department = checked.department, let role = body.role else {
            throw HTTPError.internalError
        }
        try Escalation(authorizer: auth.authorizer).requireCanAssign(role: role, zone: zone, department: department, principal: principal)
        let primary = try body.primary ?? (auth.assignments.list(userId: user.id).first { $0.isPrimary } == nil)
        let assignment: Assignment
        do {
            assignment = try auth.database.perform(.saveAssignment) {
                let assignment = try auth.assignments.create(
                    userId: user.id, zone: zone, department: department, role: role, isPrimary: primary,
                    active: body.active ?? true, rules: JSONText.encode(.object(body.rules ?? [:])),
                    now: context.receivedAt)
                try recordEvent("created", assignment, principal: principal, at: context.receivedAt)
                return assignment
            }
        } catch let error as StoreError where error == .duplicate {
            throw duplicate
        } catch let error as StoreError where error == .invalidReference {
            throw HTTPError.validation(field: "role", "unknown role: \(role)")
        }
        record("assignment.created", assignment, principal: principal, request: request, context: context)
        return try .noStoreJSON(AssignmentBody(assignment), status: 201)
    }

    /// `PUT /users/{id}/assignments/{aid}`: a partial update → 200 assignment.
    func update(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("users:write", request, now: context.receivedAt)
        let user = try requireUser(request)
        let id = try request.parameters.require("aid")
        guard let existing = try auth.assignments.find(id: id, userId: user.id) else { throw notFound }
        let body = try request.decode(AssignmentFields.self)
        let checked = try validate(body)
        guard checked.errors.isEmpty else { throw HTTPError.validation(checked.errors) }
        // Any change to an assignment is a grant of what it becomes and a removal of what it was: the caller must be
        // able to hand out both (a move from ZoneA to ZoneB is a ZoneB grant).
        let escalation = Escalation(authorizer: auth.authorizer)
        try escalation.requireCanAssign(
            role: existing.role, zone: existing.zone, department: existing.department, principal: principal)
        try escalation.requireCanAssign(
            role: body.role ?? existing.role, zone: checked.zone ?? existing.zone,
            department: checked.department ?? existing.department, principal: principal)
        let assignment: Assignment
        do {
            assignment = try auth.database.perform(.saveAssignment) {
                let assignment = try auth.assignments.update(
                    id: id, userId: user.id, zone: checked.zone, department: checked.department, role: body.role,
                    isPrimary: body.primary, active: body.active, rules: body.rules.map { JSONText.encode(.object($0)) })
                try recordEvent("updated", assignment, principal: principal, at: context.receivedAt)
                return assignment
            }
        } catch let error as StoreError where error == .duplicate {
            throw duplicate
        } catch let error as StoreError where error == .invalidReference {
            throw HTTPError.validation(field: "role", "unknown role: \(body.role ?? "")")
        } catch let error as StoreError where error == .notFound {
            throw notFound
        }
        record("assignment.updated", assignment, principal: principal, request: request, context: context)
        return try .noStoreJSON(AssignmentBody(assignment))
    }

    /// `DELETE /users/{id}/assignments/{aid}` → 204.
    func delete(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("users:write", request, now: context.receivedAt)
        let user = try requireUser(request)
        let id = try request.parameters.require("aid")
        guard let assignment = try auth.assignments.find(id: id, userId: user.id) else { throw notFound }
        try Escalation(authorizer: auth.authorizer).requireCanAssign(
            role: assignment.role, zone: assignment.zone, department: assignment.department, principal: principal)
        let deleted = try auth.database.perform(.saveAssignment) {
            guard try auth.assignments.delete(id: id, userId: user.id) else { return false }
            try recordEvent("deleted", assignment, principal: principal, at: context.receivedAt)
            return true
        }
        guard deleted else { throw notFound }
        record("assignment.deleted", assignment, principal: principal, request: request, context: context)
        return .noContent
    }

    // MARK: Helpers

    private var notFound: HTTPError { .notFound("This user has no assignment with this id.") }

    private var duplicate: HTTPError {
        HTTPError(
            .conflict, code: "conflict", detail: "The user already has an assignment in this zone and department.")
    }

    private func requireUser(_ request: Request) throws -> User {
        guard let user = try auth.users.find(id: try request.parameters.require("id")) else {
            throw HTTPError.notFound("There is no user with this id.")
        }
        return user
    }

    /// Trimmed zone and department, and the problems with the fields given (unknown role included).
    private func validate(
        _ body: AssignmentFields
    ) throws -> (zone: String?, department: String?, errors: [HTTPError.FieldError]) {
        var errors: [HTTPError.FieldError] = []
        var scopes: [String?] = []
        for (field, value) in [("zone", body.zone), ("department", body.department)] {
            guard let value else {
                scopes.append(nil)
                continue
            }
            let checked = FieldRules.scope(value)
            scopes.append(checked.value)
            if let problem = checked.problem { errors.append(.init(field: field, message: problem)) }
        }
        if let role = body.role, try auth.roles.find(name: role) == nil {
            errors.append(.init(field: "role", message: "unknown role: \(role)"))
        }
        if let rules = body.rules {
            do {
                _ = try AssignmentRules(json: .object(rules))
            } catch {
                errors += error.problems.map { .init(field: $0.field, message: $0.message) }
            }
        }
        return (scopes[0], scopes[1], errors)
    }

    /// `assignment.changed`, in the unit of work of the change.
    private func recordEvent(_ action: String, _ assignment: Assignment, principal: Principal, at: Date) throws {
        try auth.events.record(
            .assignmentChanged, actor: principal.userID, subject: .assignment(assignment.id),
            data: [
                "action": .string(action), "user_id": .string(assignment.userId), "zone": .string(assignment.zone),
                "department": .string(assignment.department), "role": .string(assignment.role),
                "primary": .bool(assignment.isPrimary), "active": .bool(assignment.active),
            ], at: at)
    }

    private func record(
        _ event: String, _ assignment: Assignment, principal: Principal, request: Request, context: RequestContext
    ) {
        auth.auditTrail.record(
            event, actor: principal.userID, user: assignment.userId, request: request, context: context,
            details: [
                "assignment_id": assignment.id, "zone": assignment.zone, "department": assignment.department,
                "role": assignment.role, "primary": "\(assignment.isPrimary)", "active": "\(assignment.active)",
            ])
    }
}
