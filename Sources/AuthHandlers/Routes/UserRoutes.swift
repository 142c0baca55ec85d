#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store
import Webhooks

/// User administration: `GET/POST /users`, `GET/PUT/DELETE /users/{id}` (API.md "Management routes").
///
/// An unknown id and a malformed one are both 404. A caller may read and rename their own account without
/// `users:read`/`users:write`; everything else about accounts needs the permission.
public struct UserRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.get("/users", use: list)
        router.post("/users", use: create)
        router.get("/users/{id}", use: read)
        router.put("/users/{id}", use: update)
        router.delete("/users/{id}", use: delete)
    }

    // MARK: List

    /// `GET /users?limit=&cursor=&q=`: creation order, `q` matches a substring of the email or the name.
    func list(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("users:read", request, now: context.receivedAt)
        let paging = try ListQuery(request)
        let q = request.query["q"]?.trimmingWhitespace() ?? ""
        // A client's end users are listed only when asked for by `tenant` (API.md "SaaS clients").
        let tenant = request.query["tenant"].flatMap { $0.isEmpty ? nil : $0 }
        let page = try auth.users.list(
            limit: paging.limit, cursor: paging.cursor, query: q.isEmpty ? nil : q, tenant: tenant)
        let roles = try auth.roles.rolesOf(userIds: page.items.map(\.id))
        return try .noStoreJSON(
            ListBody(items: page.items.map { UserBody($0, roles: roles[$0.id] ?? []) }, nextCursor: page.nextCursor))
    }

    // MARK: Create

    struct CreateBody: Decodable {
        let email: String
        let password: String?
        let name: String?
        let roles: [String]?
        let isActive: Bool?
        let profile: [String: JSONValue]?
        /// Needed when a caller changes its own password or email (as `PUT /auth/password` asks for it).
        let currentPassword: String?

        enum CodingKeys: String, CodingKey {
            case email, password, name, roles, profile
            case isActive = "is_active"
            case currentPassword = "current_password"
        }
    }

    /// `POST /users` → 201 user. Without `password` the account has no password login until one is set (by
    /// `PUT /users/{id}` or a password reset).
    func create(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("users:write", request, now: context.receivedAt)
        let body = try request.decode(CreateBody.self)
        let email = Identifier.normalize(body.email)
        var errors: [HTTPError.FieldError] = []
        if !Identifier.isPlausibleEmail(email) {
            errors.append(.init(field: "email", message: "must be an email address"))
        }
        var name = ""
        if let raw = body.name {
            let checked = FieldRules.name(raw)
            name = checked.value
            if let problem = checked.problem { errors.append(.init(field: "name", message: problem)) }
        }
        if let password = body.password {
            errors += PasswordPolicy.problems(password, email: email).map { .init(field: "password", message: $0) }
        }
        let roles = body.roles ?? []
        errors += try unknownRoles(roles)
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        try Escalation(authorizer: auth.authorizer).requireCanGrant(roles: roles, principal: principal)

        let hash = try body.password.map(auth.passwords.hash)
        let user: User
        do {
            user = try auth.database.perform(.createUser) {
                let user = try auth.users.insert(
                    email: email, name: name, passwordHash: hash, isActive: body.isActive ?? true,
                    profile: JSONText.encode(.object(body.profile ?? [:])), now: context.receivedAt)
                try auth.roles.setRoles(roles, forUser: user.id)
                try auth.events.record(
                    .userCreated, actor: principal.userID, subject: .user(user.id),
                    data: [
                        "email": .string(user.email), "roles": .array(Set(roles).sorted().map(JSONValue.string)),
                        "is_active": .bool(user.isActive),
                    ], at: context.receivedAt)
                return user
            }
        } catch let error as StoreError where error == .duplicate {
            throw HTTPError(.conflict, code: "conflict", detail: "An account with this email already exists.")
        }
        auth.auditTrail.record(
            "user.created", actor: principal.userID, user: user.id, request: request, context: context,
            details: [
                "email": user.email, "roles": Set(roles).sorted().joined(separator: ","),
                "is_active": "\(user.isActive)",
            ])
        return try .noStoreJSON(UserBody(user, roles: try auth.roles.rolesOf(userId: user.id)), status: 201)
    }

    // MARK: Read

    /// `GET /users/{id}`: `users:read`, or the caller's own account.
    func read(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.authenticate(request, now: context.receivedAt)
        let id = try request.parameters.require("id")
        if id != principal.userID, !principal.has("users:read") { throw AuthError.forbidden(missing: "users:read") }
        guard let user = try auth.users.find(id: id) else { throw HTTPError.notFound("There is no user with this id.") }
        return try .noStoreJSON(UserBody(user, roles: try auth.roles.rolesOf(userId: user.id)))
    }

    // MARK: Update

    /// Every field is optional: an omitted (or null) field keeps its value.
    struct UpdateBody: Decodable {
        let email: String?
        let password: String?
        let name: String?
        let roles: [String]?
        let isActive: Bool?
        let profile: [String: JSONValue]?
        /// Needed when a caller changes its own password or email (as `PUT /auth/password` asks for it).
        let currentPassword: String?

        enum CodingKeys: String, CodingKey {
            case email, password, name, roles, profile
            case isActive = "is_active"
            case currentPassword = "current_password"
        }

        /// The fields given that only `users:write` may change.
        var privilegedFields: [String] {
            [
                ("email", email != nil), ("password", password != nil), ("roles", roles != nil),
                ("is_active", isActive != nil),
            ].filter(\.1).map(\.0)
        }
    }

    /// `PUT /users/{id}`: a partial update. Without `users:write` a caller may change only the `name` and
    /// `profile` of their own account (403 otherwise). A new `password` is hashed and revokes the user's sessions
    /// (all but the caller's own when they set their own); `is_active: false` revokes them all. An administrator
    /// cannot deactivate their own account (409). See ``Escalation`` for the 403s that guard against escalation.
    func update(_ request: Request, context: RequestContext) throws -> Response {
        let now = context.receivedAt
        let principal = try auth.authenticator.authenticate(request, now: now)
        let id = try request.parameters.require("id")
        let isSelf = id == principal.userID
        let canWrite = principal.has("users:write")
        if !isSelf, !canWrite { throw AuthError.forbidden(missing: "users:write") }
        let body = try request.decode(UpdateBody.self)
        if !canWrite, !body.privilegedFields.isEmpty {
            let fields = body.privilegedFields
            throw HTTPError.forbidden(
                "Changing \(fields.joined(separator: ", ")) needs the users:write permission"
                    + (fields.contains("password") ? "; change your own password with PUT /auth/password." : "."))
        }
        guard let existing = try auth.users.find(id: id) else {
            throw HTTPError.notFound("There is no user with this id.")
        }

        var errors: [HTTPError.FieldError] = []
        let email = body.email.map(Identifier.normalize)
        if let email, !Identifier.isPlausibleEmail(email) {
            errors.append(.init(field: "email", message: "must be an email address"))
        }
        var name: String?
        if let raw = body.name {
            let checked = FieldRules.name(raw)
            name = checked.value
            if let problem = checked.problem { errors.append(.init(field: "name", message: problem)) }
        }
        if let password = body.password {
            errors += PasswordPolicy.problems(password, email: email ?? existing.email).map {
                .init(field: "password", message: $0)
            }
        }
        if let roles = body.roles { errors += try unknownRoles(roles) }
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        // A stolen access token must not become a permanent takeover: changing your own password or email needs
        // the current password, on this route as on PUT /auth/password.
        if isSelf, body.password != nil || (email != nil && email != existing.email) {
            guard let current = body.currentPassword, !current.isEmpty else {
                throw HTTPError.validation(field: "current_password", "is required to change your own password or email")
            }
            guard let hash = existing.passwordHash, auth.passwords.verify(current, hash: hash) else {
                throw HTTPError.validation(field: "current_password", "is wrong")
            }
        }
        let escalation = Escalation(authorizer: auth.authorizer)
        if !isSelf, !body.privilegedFields.isEmpty {
            try escalation.requireCovers(user: existing, principal: principal)
        }
        if let roles = body.roles {
            let current = Set(try auth.roles.rolesOf(userId: id))
            try escalation.requireCanGrant(roles: Array(Set(roles).subtracting(current)), principal: principal)
        }
        if isSelf, body.isActive == false {
            throw HTTPError(
                .conflict, code: "conflict",
                detail: "You cannot deactivate your own account; another administrator can.")
        }

        let hash = try body.password.map(auth.passwords.hash)
        let user: User
        var revoked = 0
        // Setting your own password here keeps the session that set it, as PUT /auth/password does.
        let keep = isSelf ? principal.sessionID : nil
        do {
            user = try auth.database.perform(.updateUser) {
                let user = try auth.users.update(
                    id: id, email: email, name: name, isActive: body.isActive,
                    profile: body.profile.map { JSONText.encode(.object($0)) }, now: now)
                if let roles = body.roles { try auth.roles.setRoles(roles, forUser: id) }
                if let hash {
                    revoked = try auth.users.setPasswordHash(hash, forUser: id, keepingSession: keep, now: now)
                }
                var data: [String: JSONValue] = [
                    "fields": .array(changedFields(body).map(JSONValue.string)), "email": .string(user.email),
                ]
                if let roles = body.roles { data["roles"] = .array(Set(roles).sorted().map(JSONValue.string)) }
                try auth.events.record(.userUpdated, actor: principal.userID, subject: .user(id), data: data, at: now)
                if existing.isActive, !user.isActive {
                    try auth.events.record(
                        .userDeactivated, actor: principal.userID, subject: .user(id),
                        data: ["email": .string(user.email)], at: now)
                }
                if hash != nil {
                    try auth.events.record(
                        .passwordChanged, actor: principal.userID, subject: .user(id),
                        data: ["email": .string(user.email), "sessions_revoked": .number(Double(revoked))], at: now)
                }
                return user
            }
        } catch let error as StoreError where error == .duplicate {
            throw HTTPError(.conflict, code: "conflict", detail: "An account with this email already exists.")
        }
        let roles = try auth.roles.rolesOf(userId: id)
        var details = ["fields": changedFields(body).joined(separator: ",")]
        if body.roles != nil { details["roles"] = roles.joined(separator: ",") }
        if email != nil, email != existing.email { details["email"] = user.email }
        if hash != nil { details["sessions_revoked"] = "\(revoked)" }
        auth.auditTrail.record(
            "user.updated", actor: principal.userID, user: id, request: request, context: context, details: details)
        if existing.isActive != user.isActive {
            auth.auditTrail.record(
                user.isActive ? "user.activated" : "user.deactivated", actor: principal.userID, user: id,
                request: request, context: context)
        }
        return try .noStoreJSON(UserBody(user, roles: roles))
    }

    private func changedFields(_ body: UpdateBody) -> [String] {
        [
            ("email", body.email != nil), ("name", body.name != nil), ("password", body.password != nil),
            ("roles", body.roles != nil), ("is_active", body.isActive != nil), ("profile", body.profile != nil),
        ]
        .filter(\.1).map(\.0)
    }

    // MARK: Delete

    /// `DELETE /users/{id}` → 204; the user's sessions, roles and assignments go with it. Deleting your own
    /// account is a 409: another administrator must do it, so the last one cannot lock everyone out by mistake.
    func delete(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("users:delete", request, now: context.receivedAt)
        let id = try request.parameters.require("id")
        if id == principal.userID {
            throw HTTPError(
                .conflict, code: "conflict", detail: "You cannot delete your own account; another administrator can.")
        }
        guard let user = try auth.users.find(id: id) else { throw HTTPError.notFound("There is no user with this id.") }
        try Escalation(authorizer: auth.authorizer).requireCovers(user: user, principal: principal)
        let deleted = try auth.database.perform(.deleteUser) {
            guard try auth.users.delete(id: id) else { return false }
            try auth.events.record(
                .userDeleted, actor: principal.userID, subject: .user(id), data: ["email": .string(user.email)],
                at: context.receivedAt)
            return true
        }
        guard deleted else { throw HTTPError.notFound("There is no user with this id.") }
        auth.auditTrail.record(
            "user.deleted", actor: principal.userID, user: id, request: request, context: context,
            details: ["email": user.email])
        return .noContent
    }

    // MARK: Helpers

    /// A 422 field error naming the roles that do not exist, or none.
    private func unknownRoles(_ roles: [String]) throws -> [HTTPError.FieldError] {
        let unknown = try auth.roles.unknown(in: roles)
        guard !unknown.isEmpty else { return [] }
        return [.init(field: "roles", message: "unknown roles: \(unknown.joined(separator: ", "))")]
    }
}
