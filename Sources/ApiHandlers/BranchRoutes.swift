import AuthHandlers
import FCGIHost
import Store

/// Branches: `GET/POST /v1/branches`, `GET/PUT/DELETE /v1/branches/{id}` (`branches:read` / `branches:write`).
///
/// A branch is `{id, zone, name, address, version, created_at, updated_at}`; its name is unique within its
/// zone (409 otherwise). Reads and writes carry `ETag: "<version>"`; `PUT` and `DELETE` honour `If-Match`
/// (412). A branch that still has assets cannot be deleted (409). See ``ZoneRules`` for zones.
struct BranchRoutes {
    let authenticator: Authenticator
    let database: Database
    let branches: Branches
    let assets: Assets
    let log: ChangeLog

    func addRoutes(to router: Router) {
        let routes = GuardedRoutes(router, authenticator: authenticator)
        routes.get("/v1/branches", permission: "branches:read", use: list)
        routes.post("/v1/branches", permission: "branches:write", use: create)
        routes.get("/v1/branches/{id}", permission: "branches:read", use: read)
        routes.put("/v1/branches/{id}", permission: "branches:write", use: update)
        routes.delete("/v1/branches/{id}", permission: "branches:write", use: delete)
    }

    // MARK: List

    /// `GET /v1/branches?limit=&cursor=&q=&sort=&zone=`: by name unless `sort` says `-name`, `created_at` or
    /// `-created_at`; `q` matches a substring of the name.
    func list(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let scope = try ZoneRules.readScope(principal, request)
        let paging = try ListQuery(request)
        let search = try ListParameters.search(request)
        let order: ListOrder<BranchColumn> = try ListParameters.order(request, default: ListOrder(.name))
        let page = try branches.list(
            in: scope, search: search, order: order, limit: paging.limit, cursor: paging.cursor)
        return .business(WrittenList(items: page.items, nextCursor: page.nextCursor, writeItem: BranchBody.write))
    }

    // MARK: Create

    /// The body of POST (`name` required) and PUT (every field optional: left out keeps).
    struct Fields: Decodable {
        let zone: Patch<String>
        let name: Patch<String>
        let address: Patch<String>

        enum CodingKeys: String, CodingKey {
            case zone, name, address
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            zone = try container.patch(String.self, forKey: .zone)
            name = try container.patch(String.self, forKey: .name)
            address = try container.patch(String.self, forKey: .address)
        }
    }

    /// `POST /v1/branches` → 201 branch, with `Location` and `ETag`.
    func create(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let body = try request.decode(Fields.self)
        var errors = FieldErrors()
        var zoneErrors: [HTTPError.FieldError] = []
        let zone = ZoneRules.zoneForCreate(
            principal, named: body.zone.value?.trimmingWhitespace(), errors: &zoneErrors)
        errors.add(zoneErrors)
        let name = errors.line(body.name, "name", max: 200, required: true)
        let address = errors.text(body.address, "address", max: 500) ?? ""
        try errors.check()
        let branch = try conflictOnDuplicate {
            try database.perform(.createBranch) {
                let branch = try branches.insert(
                    zone: zone, name: name ?? "", address: address, now: context.receivedAt)
                try log.record(
                    .created, .branch, id: branch.id, zone: zone, principal: principal, request: request,
                    context: context, details: ["name": branch.name])
                return branch
            }
        }
        var response = Response.business(BranchBody(branch), status: 201, version: branch.version)
        response.headers.set("Location", "/v1/branches/\(branch.id)")
        return response
    }

    // MARK: Read

    /// `GET /v1/branches/{id}` → branch with `ETag`; 304 when `If-None-Match` names it.
    func read(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let branch = try find(request, principal: principal)
        if EntityTag.ifNoneMatchHits(request, version: branch.version) { return .notModified(version: branch.version) }
        return .business(BranchBody(branch), version: branch.version)
    }

    // MARK: Update

    /// `PUT /v1/branches/{id}`: a partial update (left-out fields keep their value) → 200 branch with `ETag`.
    func update(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let scope = try ZoneRules.readScope(principal, request)
        let id = try request.parameters.require("id")
        let body = try request.decode(Fields.self)
        var errors = FieldErrors()
        let name = errors.line(body.name, "name", max: 200, required: false)
        let address = errors.text(body.address, "address", max: 500)
        try errors.check()
        let branch = try conflictOnDuplicate {
            try database.perform(.updateBranch) {
                guard let existing = try branches.find(id: id, in: scope) else { throw notFound }
                try EntityTag.checkIfMatch(request, version: existing.version)
                var zoneErrors: [HTTPError.FieldError] = []
                ZoneRules.checkUnchanged(
                    body.zone.value?.trimmingWhitespace(), current: existing.zone, errors: &zoneErrors)
                if !zoneErrors.isEmpty { throw HTTPError.validation(zoneErrors) }
                let branch = try branches.update(
                    id: id, name: name ?? existing.name, address: address ?? existing.address, now: context.receivedAt)
                var details: [String: String] = ["name": branch.name]
                details["fields"] = [("name", name != nil), ("address", address != nil)].filter(\.1).map(\.0)
                    .joined(separator: ",")
                try log.record(
                    .updated, .branch, id: id, zone: branch.zone, principal: principal, request: request,
                    context: context, details: details)
                return branch
            }
        }
        return .business(BranchBody(branch), version: branch.version)
    }

    // MARK: Delete

    /// `DELETE /v1/branches/{id}` → 204; 409 while assets belong to it.
    func delete(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let scope = try ZoneRules.readScope(principal, request)
        let id = try request.parameters.require("id")
        try database.perform(.deleteBranch) {
            guard let branch = try branches.find(id: id, in: scope) else { throw notFound }
            try EntityTag.checkIfMatch(request, version: branch.version)
            if try assets.exist(inBranch: id) { throw hasAssets }
            do {
                try branches.delete(id: id)
            } catch let error as StoreError where error == .invalidReference {
                throw hasAssets
            }
            try log.record(
                .deleted, .branch, id: id, zone: branch.zone, principal: principal, request: request,
                context: context, details: ["name": branch.name])
        }
        return .noContent
    }

    // MARK: Helpers

    private var notFound: HTTPError { .notFound("There is no branch with this id.") }

    private var hasAssets: HTTPError {
        HTTPError(
            .conflict, code: "conflict",
            detail: "This branch still has assets; move or delete them before deleting the branch.")
    }

    private func find(_ request: Request, principal: Principal) throws -> Branch {
        let scope = try ZoneRules.readScope(principal, request)
        guard let branch = try branches.find(id: try request.parameters.require("id"), in: scope) else {
            throw notFound
        }
        return branch
    }

    private func conflictOnDuplicate<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError where error == .duplicate {
            throw HTTPError(
                .conflict, code: "conflict", detail: "This zone already has a branch with this name.")
        }
    }
}

/// A branch as the business API shows it, keys in sorted order.
struct BranchBody: JSONWritable {
    let branch: Branch

    init(_ branch: Branch) {
        self.branch = branch
    }

    func write(to out: inout JSONOutput) {
        Self.write(branch, to: &out)
    }

    static func write(_ branch: Branch, to out: inout JSONOutput) {
        out.raw("{\"address\":")
        out.string(branch.address)
        out.raw(",\"created_at\":")
        out.timestamp(branch.createdAt)
        out.raw(",\"id\":")
        out.string(branch.id)
        out.raw(",\"name\":")
        out.string(branch.name)
        out.raw(",\"updated_at\":")
        out.timestamp(branch.updatedAt)
        out.raw(",\"version\":")
        out.integer(branch.version)
        out.raw(",\"zone\":")
        out.string(branch.zone)
        out.raw("}")
    }
}
