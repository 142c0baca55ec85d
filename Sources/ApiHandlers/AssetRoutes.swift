import AuthHandlers
import FCGIHost
import Store

/// Assets: `GET/POST /v1/assets`, `GET/PUT/DELETE /v1/assets/{id}` (`assets:read` / `assets:write`).
///
/// An asset is `{id, zone, branch_id, tag, name, category, status, assigned_to, purchased_at, value_cents,
/// notes, version, created_at, updated_at}`. Its tag is unique within its zone (409 otherwise) and its branch
/// must be one of its zone's (422 otherwise). `status` is one of `in_service` (the default), `in_repair`,
/// `retired`, `lost`; `purchased_at` is a calendar date (`YYYY-MM-DD`); `value_cents` a whole number of cents.
/// Reads and writes carry `ETag: "<version>"`; `PUT` and `DELETE` honour `If-Match` (412).
struct AssetRoutes {
    let authenticator: Authenticator
    let database: Database
    let assets: Assets
    let branches: Branches
    let log: ChangeLog
    /// The list pages this worker wrote lately.
    let rendered: RenderedPages

    func addRoutes(to router: Router) {
        let routes = GuardedRoutes(router, authenticator: authenticator)
        routes.get("/v1/assets", permission: "assets:read", use: list)
        routes.post("/v1/assets", permission: "assets:write", use: create)
        routes.get("/v1/assets/{id}", permission: "assets:read", use: read)
        routes.put("/v1/assets/{id}", permission: "assets:write", use: update)
        routes.delete("/v1/assets/{id}", permission: "assets:write", use: delete)
    }

    // MARK: List

    /// `GET /v1/assets?limit=&cursor=&branch_id=&status=&category=&q=&sort=&zone=`: in creation order unless
    /// `sort` names `created_at`, `name`, `tag` or `value_cents` (`-` in front for descending); `q` matches a
    /// substring of the tag or the name. A cursor belongs to its sort (422 with another).
    func list(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        var filter = AssetFilter(scope: try ZoneRules.readScope(principal, request))
        let paging = try ListQuery(request)
        filter.branchId = ListParameters.filter(request, "branch_id")
        filter.category = ListParameters.filter(request, "category")
        filter.status = ListParameters.filter(request, "status")
        if let status = filter.status, !Asset.statuses.contains(status) {
            throw HTTPError.validation(field: "status", Self.statusRule)
        }
        filter.search = try ListParameters.search(request)
        let order: ListOrder<AssetColumn> = try ListParameters.order(request, default: ListOrder(.createdAt))
        // Which rows, at which versions: when this worker wrote the page for exactly those, it answers with that;
        // otherwise it reads and writes the page. One snapshot, so the two reads agree.
        let key = RenderedPages.Key(filter: filter, order: order, limit: paging.limit, cursor: paging.cursor)
        let (rows, written, page) = try database.snapshot { () throws -> (Page<AssetKey>, [UInt8]?, Page<Asset>?) in
            let rows = try assets.listKeys(filter, order: order, limit: paging.limit, cursor: paging.cursor)
            if let json = rendered.json(key, rows: rows) { return (rows, json, nil) }
            return (rows, nil, try assets.list(filter, order: order, limit: paging.limit, cursor: paging.cursor))
        }
        if let written { return .business(json: written) }
        guard let page else { throw HTTPError.internalError }
        let response = Response.business(
            WrittenList(items: page.items, nextCursor: page.nextCursor, writeItem: AssetBody.write))
        rendered.insert(key, rows: rows, json: response.body)
        return response
    }

    // MARK: Create

    /// The body of POST (`branch_id`, `tag`, `name` and `category` required) and PUT (every field optional:
    /// left out keeps its value, `null` clears `assigned_to` and `purchased_at`).
    struct Fields: Decodable {
        let zone: Patch<String>
        let branchId: Patch<String>
        let tag: Patch<String>
        let name: Patch<String>
        let category: Patch<String>
        let status: Patch<String>
        let assignedTo: Patch<String>
        let purchasedAt: Patch<String>
        let valueCents: Patch<Double>
        let notes: Patch<String>

        enum CodingKeys: String, CodingKey {
            case zone, tag, name, category, status, notes
            case branchId = "branch_id", assignedTo = "assigned_to", purchasedAt = "purchased_at"
            case valueCents = "value_cents"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            zone = try container.patch(String.self, forKey: .zone)
            branchId = try container.patch(String.self, forKey: .branchId)
            tag = try container.patch(String.self, forKey: .tag)
            name = try container.patch(String.self, forKey: .name)
            category = try container.patch(String.self, forKey: .category)
            status = try container.patch(String.self, forKey: .status)
            assignedTo = try container.patch(String.self, forKey: .assignedTo)
            purchasedAt = try container.patch(String.self, forKey: .purchasedAt)
            valueCents = try container.patch(Double.self, forKey: .valueCents)
            notes = try container.patch(String.self, forKey: .notes)
        }

        /// The names of the fields given, for the audit row.
        var given: String {
            var names = [
                ("branch_id", branchId), ("tag", tag), ("name", name), ("category", category), ("status", status),
                ("assigned_to", assignedTo), ("purchased_at", purchasedAt), ("notes", notes),
            ].filter { !$0.1.isAbsent }.map(\.0)
            if !valueCents.isAbsent { names.append("value_cents") }
            return names.joined(separator: ",")
        }
    }

    /// `POST /v1/assets` → 201 asset, with `Location` and `ETag`.
    func create(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let body = try request.decode(Fields.self)
        var errors = FieldErrors()
        var zoneErrors: [HTTPError.FieldError] = []
        let zone = ZoneRules.zoneForCreate(
            principal, named: body.zone.value?.trimmingWhitespace(), errors: &zoneErrors)
        errors.add(zoneErrors)
        let fields = Self.merge(body, into: nil, errors: &errors)
        try errors.check()
        let asset = try conflictOnDuplicate {
            try database.perform(.createAsset) {
                try requireBranch(fields.branchId, zone: zone)
                let asset = try assets.insert(zone: zone, fields, now: context.receivedAt)
                try log.record(
                    .created, .asset, id: asset.id, zone: zone, principal: principal, request: request,
                    context: context, details: ["tag": asset.fields.tag])
                return asset
            }
        }
        var response = Response.business(AssetBody(asset), status: 201, version: asset.version)
        response.headers.set("Location", "/v1/assets/\(asset.id)")
        return response
    }

    // MARK: Read

    /// `GET /v1/assets/{id}` → asset with `ETag`; 304 when `If-None-Match` names it.
    func read(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let scope = try ZoneRules.readScope(principal, request)
        guard let asset = try assets.find(id: try request.parameters.require("id"), in: scope) else { throw notFound }
        if EntityTag.ifNoneMatchHits(request, version: asset.version) { return .notModified(version: asset.version) }
        return .business(AssetBody(asset), version: asset.version)
    }

    // MARK: Update

    /// `PUT /v1/assets/{id}`: a partial update → 200 asset with `ETag`. Checks run in this order: 404 (not in
    /// the caller's zone), 412 (`If-Match`), 422 (fields, the branch), 409 (tag taken).
    func update(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let scope = try ZoneRules.readScope(principal, request)
        let id = try request.parameters.require("id")
        let body = try request.decode(Fields.self)
        let asset = try conflictOnDuplicate {
            try database.perform(.updateAsset) {
                guard let existing = try assets.find(id: id, in: scope) else { throw notFound }
                try EntityTag.checkIfMatch(request, version: existing.version)
                var errors = FieldErrors()
                var zoneErrors: [HTTPError.FieldError] = []
                ZoneRules.checkUnchanged(
                    body.zone.value?.trimmingWhitespace(), current: existing.zone, errors: &zoneErrors)
                errors.add(zoneErrors)
                let fields = Self.merge(body, into: existing.fields, errors: &errors)
                try errors.check()
                if fields.branchId != existing.fields.branchId {
                    try requireBranch(fields.branchId, zone: existing.zone)
                }
                let asset = try assets.update(id: id, fields, now: context.receivedAt)
                try log.record(
                    .updated, .asset, id: id, zone: asset.zone, principal: principal, request: request,
                    context: context, details: ["tag": asset.fields.tag, "fields": body.given])
                return asset
            }
        }
        return .business(AssetBody(asset), version: asset.version)
    }

    // MARK: Delete

    /// `DELETE /v1/assets/{id}` → 204.
    func delete(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let scope = try ZoneRules.readScope(principal, request)
        let id = try request.parameters.require("id")
        try database.perform(.deleteAsset) {
            guard let asset = try assets.find(id: id, in: scope) else { throw notFound }
            try EntityTag.checkIfMatch(request, version: asset.version)
            try assets.delete(id: id)
            try log.record(
                .deleted, .asset, id: id, zone: asset.zone, principal: principal, request: request, context: context,
                details: ["tag": asset.fields.tag])
        }
        return .noContent
    }

    // MARK: Fields

    static let statusRule = "must be one of \(Asset.statuses.joined(separator: ", "))"

    /// The fields after applying `body` to `base` (nil when creating: the required fields must be there),
    /// with every problem added to `errors`.
    static func merge(_ body: Fields, into base: AssetFields?, errors: inout FieldErrors) -> AssetFields {
        let creating = base == nil
        var fields = base ?? AssetFields(branchId: "", tag: "", name: "", category: "")
        if let value = errors.line(body.branchId, "branch_id", max: 64, required: creating) { fields.branchId = value }
        if let value = errors.line(body.tag, "tag", max: 64, required: creating) { fields.tag = value }
        if let value = errors.line(body.name, "name", max: 200, required: creating) { fields.name = value }
        if let value = errors.line(body.category, "category", max: 64, required: creating) { fields.category = value }
        switch body.status {
        case .absent: break
        case .null: errors.add("status", "must not be null")
        case .value(let status):
            if Asset.statuses.contains(status) { fields.status = status } else { errors.add("status", statusRule) }
        }
        switch body.assignedTo {
        case .absent: break
        case .null: fields.assignedTo = nil
        case .value(let raw):
            let value = raw.trimmingWhitespace()
            if value.count > 200 || FieldErrors.hasControlCharacters(value, allowingNewlines: false) {
                errors.add("assigned_to", "must be at most 200 characters on one line, or null")
            }
            fields.assignedTo = value.isEmpty ? nil : value
        }
        switch body.purchasedAt {
        case .absent: break
        case .null: fields.purchasedAt = nil
        case .value(let value):
            if CalendarDate.isValid(value) {
                fields.purchasedAt = value
            } else {
                errors.add("purchased_at", "must be a calendar date, YYYY-MM-DD, or null")
            }
        }
        switch body.valueCents {
        case .absent: break
        case .null: errors.add("value_cents", "must not be null")
        case .value(let value):
            if value == value.rounded(), value >= 0, value <= maxExactInteger {
                fields.valueCents = Int64(value)
            } else {
                errors.add("value_cents", "must be a whole number of cents from 0 to 9007199254740991")
            }
        }
        if let notes = errors.text(body.notes, "notes", max: 4_000) { fields.notes = notes }
        return fields
    }

    // MARK: Helpers

    private var notFound: HTTPError { .notFound("There is no asset with this id.") }

    /// 422 on `branch_id` unless the branch exists in `zone` (the caller's own zone, or the one they named).
    private func requireBranch(_ id: String, zone: String) throws {
        guard try branches.find(id: id, in: .only(zone)) != nil else {
            throw HTTPError.validation(field: "branch_id", "must be the id of a branch in zone \(zone)")
        }
    }

    private func conflictOnDuplicate<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError where error == .duplicate {
            throw HTTPError(.conflict, code: "conflict", detail: "This zone already has an asset with this tag.")
        } catch let error as StoreError where error == .invalidReference {
            throw HTTPError.validation(field: "branch_id", "must be the id of a branch in the asset's zone")
        }
    }
}

/// An asset as the business API shows it; `assigned_to` and `purchased_at` are `null` when unset. Keys are
/// written in sorted order, as every other body.
struct AssetBody: JSONWritable {
    let asset: Asset

    init(_ asset: Asset) {
        self.asset = asset
    }

    func write(to out: inout JSONOutput) {
        Self.write(asset, to: &out)
    }

    static func write(_ asset: Asset, to out: inout JSONOutput) {
        let fields = asset.fields
        out.raw("{\"assigned_to\":")
        out.string(fields.assignedTo)
        out.raw(",\"branch_id\":")
        out.string(fields.branchId)
        out.raw(",\"category\":")
        out.string(fields.category)
        out.raw(",\"created_at\":")
        out.timestamp(asset.createdAt)
        out.raw(",\"id\":")
        out.string(asset.id)
        out.raw(",\"name\":")
        out.string(fields.name)
        out.raw(",\"notes\":")
        out.string(fields.notes)
        out.raw(",\"purchased_at\":")
        out.string(fields.purchasedAt)
        out.raw(",\"status\":")
        out.string(fields.status)
        out.raw(",\"tag\":")
        out.string(fields.tag)
        out.raw(",\"updated_at\":")
        out.timestamp(asset.updatedAt)
        out.raw(",\"value_cents\":")
        out.integer(fields.valueCents)
        out.raw(",\"version\":")
        out.integer(asset.version)
        out.raw(",\"zone\":")
        out.string(asset.zone)
        out.raw("}")
    }
}

/// RFC 3339 `full-date` (`2024-02-29`): four-digit year, a real month and day.
enum CalendarDate {
    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (0x30...0x39).contains(byte) else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            (1...12).contains(month), day >= 1
        else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return day <= lengths[month - 1]
    }
}
