#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
public import FCGIHost
import Store
import Webhooks

/// SaaS clients and their API keys (API.md "SaaS clients"): `POST/GET /clients`, `GET/PUT/DELETE /clients/{id}`,
/// `POST /clients/{id}/keys/rotate`, `DELETE /clients/{id}/keys/{kid}`; `clients:read` to read, `clients:write` to
/// change.
///
/// A key lets its holder start SDK sessions with any of the client's `roles_allowed`, so every change to a client
/// (creating it, changing it, rotating or revoking its keys, deleting it) is a grant of those roles: the caller must
/// hold every permission they give, before and after the change (DESIGN.md "grants never exceed the granter").
public struct ClientRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.get("/clients", use: list)
        router.post("/clients", use: create)
        router.get("/clients/{id}", use: read)
        router.put("/clients/{id}", use: update)
        router.delete("/clients/{id}", use: delete)
        router.post("/clients/{id}/keys/rotate", use: rotate)
        router.delete("/clients/{id}/keys/{kid}", use: revokeKey)
    }

    /// Most entries an allowlist or `roles_allowed` may hold.
    static let maxEntries = 100

    /// A client as API.md shows it; never a key's secret.
    struct ClientBody: Encodable {
        struct KeyBody: Encodable {
            let kid: String
            let state: String
            let createdAt: String
            let lastUsedAt: String?

            enum CodingKeys: String, CodingKey {
                case kid, state, createdAt = "created_at", lastUsedAt = "last_used_at"
            }

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(kid, forKey: .kid)
                try container.encode(state, forKey: .state)
                try container.encode(createdAt, forKey: .createdAt)
                try container.encode(lastUsedAt, forKey: .lastUsedAt)
            }
        }

        let id: String
        let name: String
        let ipAllowlist: [String]
        let originAllowlist: [String]
        let rolesAllowed: [String]
        let keys: [KeyBody]
        let createdAt: String
        let updatedAt: String

        enum CodingKeys: String, CodingKey {
            case id, name, keys
            case ipAllowlist = "ip_allowlist", originAllowlist = "origin_allowlist", rolesAllowed = "roles_allowed"
            case createdAt = "created_at", updatedAt = "updated_at"
        }

        init(_ client: Client) {
            id = client.id
            name = client.name
            ipAllowlist = client.ipAllowlist
            originAllowlist = client.originAllowlist
            rolesAllowed = client.rolesAllowed
            keys = client.keys.map {
                KeyBody(
                    kid: $0.kid, state: $0.state, createdAt: RFC3339.string($0.createdAt),
                    lastUsedAt: $0.lastUsedAt.map(RFC3339.string))
            }
            createdAt = RFC3339.string(client.createdAt)
            updatedAt = RFC3339.string(client.updatedAt)
        }
    }

    struct CreatedBody: Encodable {
        let client: ClientBody
        let apiKey: String
        enum CodingKeys: String, CodingKey { case client, apiKey = "api_key" }
    }

    struct KeyResponse: Encodable {
        let apiKey: String
        let kid: String
        enum CodingKeys: String, CodingKey { case apiKey = "api_key", kid }
    }

    /// POST's and PUT's body; PUT keeps what it omits.
    struct ClientFields: Decodable {
        let name: String?
        let ipAllowlist: [String]?
        let originAllowlist: [String]?
        let rolesAllowed: [String]?

        enum CodingKeys: String, CodingKey {
            case name
            case ipAllowlist = "ip_allowlist", originAllowlist = "origin_allowlist", rolesAllowed = "roles_allowed"
        }
    }

    // MARK: Routes

    /// `GET /clients?limit=&cursor=`, in creation order.
    func list(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("clients:read", request, now: context.receivedAt)
        let paging = try ListQuery(request)
        let page = try auth.clients.list(limit: paging.limit, cursor: paging.cursor)
        return try .noStoreJSON(ListBody(items: page.items.map(ClientBody.init), nextCursor: page.nextCursor))
    }

    /// `GET /clients/{id}`.
    func read(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("clients:read", request, now: context.receivedAt)
        return try .noStoreJSON(ClientBody(try find(request)))
    }

    /// `POST /clients` → 201 `{"client": …, "api_key": "gh_…"}`: the key is shown this once.
    func create(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("clients:write", request, now: context.receivedAt)
        let body = try request.decode(ClientFields.self)
        let fields = try validate(body, requireName: true)
        try requireCanGrant(fields.rolesAllowed ?? [], principal: principal)
        let pepper = try auth.apiKeys.requirePepper()
        let (text, key) = APIKey.generate()
        let client = try auth.database.perform(.saveClient) {
            let client = try auth.clients.create(
                name: fields.name ?? "", ipAllowlist: fields.ipAllowlist ?? [],
                originAllowlist: fields.originAllowlist ?? [], rolesAllowed: fields.rolesAllowed ?? [], kid: key.kid,
                secretHash: key.secretHash(pepper: pepper), now: context.receivedAt)
            try recordEvent(.clientCreated, client, principal: principal, at: context.receivedAt, kid: key.kid)
            return client
        }
        record("client.created", client, principal: principal, request: request, context: context, kid: key.kid)
        return try .noStoreJSON(CreatedBody(client: ClientBody(client), apiKey: text), status: 201)
    }

    /// `PUT /clients/{id}`: a partial update of the name and the lists, in force at once (cached validations too:
    /// the change moves the client counter).
    func update(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("clients:write", request, now: context.receivedAt)
        let existing = try find(request)
        let body = try request.decode(ClientFields.self)
        let fields = try validate(body, requireName: false)
        try requireCanGrant(existing.rolesAllowed + (fields.rolesAllowed ?? []), principal: principal)
        let client: Client
        do {
            client = try auth.database.perform(.saveClient) {
                let client = try auth.clients.update(
                    id: existing.id, name: fields.name, ipAllowlist: fields.ipAllowlist,
                    originAllowlist: fields.originAllowlist, rolesAllowed: fields.rolesAllowed, now: context.receivedAt)
                try recordEvent(
                    .clientUpdated, client, principal: principal, at: context.receivedAt,
                    fields: [("name", fields.name != nil), ("ip_allowlist", fields.ipAllowlist != nil),
                             ("origin_allowlist", fields.originAllowlist != nil),
                             ("roles_allowed", fields.rolesAllowed != nil)].filter(\.1).map(\.0))
                return client
            }
        } catch let error as StoreError where error == .notFound {
            throw notFound
        }
        record("client.updated", client, principal: principal, request: request, context: context)
        return try .noStoreJSON(ClientBody(client))
    }

    /// `DELETE /clients/{id}` → 204: its keys stop working and its end users' sessions are revoked.
    func delete(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("clients:write", request, now: context.receivedAt)
        let existing = try find(request)
        try requireCanGrant(existing.rolesAllowed, principal: principal)
        let deleted = try auth.database.perform(.deleteClient) {
            guard try auth.clients.delete(id: existing.id, now: context.receivedAt) else { return false }
            try recordEvent(.clientDeleted, existing, principal: principal, at: context.receivedAt)
            return true
        }
        guard deleted else { throw notFound }
        record("client.deleted", existing, principal: principal, request: request, context: context)
        return .noContent
    }

    /// `POST /clients/{id}/keys/rotate` → 200 `{"api_key": …}`: a new primary; the old primary stays valid as the
    /// secondary; the previous secondary is revoked at once.
    func rotate(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("clients:write", request, now: context.receivedAt)
        let existing = try find(request)
        try requireCanGrant(existing.rolesAllowed, principal: principal)
        let pepper = try auth.apiKeys.requirePepper()
        let (text, key) = APIKey.generate()
        let rotated = try auth.database.perform(.rotateClientKey) {
            guard
                try auth.clients.rotate(
                    clientId: existing.id, kid: key.kid, secretHash: key.secretHash(pepper: pepper),
                    now: context.receivedAt)
            else { return false }
            try recordEvent(.clientKeyRotated, existing, principal: principal, at: context.receivedAt, kid: key.kid)
            return true
        }
        guard rotated else { throw notFound }
        record("client.key_rotated", existing, principal: principal, request: request, context: context, kid: key.kid)
        return try .noStoreJSON(KeyResponse(apiKey: text, kid: key.kid))
    }

    /// `DELETE /clients/{id}/keys/{kid}` → 204: the key stops working at once, on every worker.
    func revokeKey(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try auth.authenticator.require("clients:write", request, now: context.receivedAt)
        let existing = try find(request)
        try requireCanGrant(existing.rolesAllowed, principal: principal)
        let kid = try request.parameters.require("kid")
        let revoked = try auth.database.perform(.revokeClientKey) {
            guard try auth.clients.revokeKey(clientId: existing.id, kid: kid, now: context.receivedAt) else {
                return false
            }
            try recordEvent(.clientKeyRevoked, existing, principal: principal, at: context.receivedAt, kid: kid)
            return true
        }
        guard revoked else { throw HTTPError.notFound("This client has no live key with this id.") }
        record("client.key_revoked", existing, principal: principal, request: request, context: context, kid: kid)
        return .noContent
    }

    // MARK: Helpers

    private var notFound: HTTPError { .notFound("There is no client with this id.") }

    private func find(_ request: Request) throws -> Client {
        let id = try request.parameters.require("id")
        guard id.utf8.count <= 64, let client = try auth.clients.find(id: id) else { throw notFound }
        return client
    }

    /// 403 unless the caller holds every permission the roles give.
    private func requireCanGrant(_ roles: [String], principal: Principal) throws {
        try Escalation(authorizer: auth.authorizer).requireCanGrant(roles: Array(Set(roles)), principal: principal)
    }

    /// The body's fields checked and normalised (names trimmed, duplicates dropped); 422 naming each bad field.
    private func validate(_ body: ClientFields, requireName: Bool) throws -> ClientFields {
        var errors: [HTTPError.FieldError] = []
        var name: String?
        if let raw = body.name {
            let (value, problem) = FieldRules.name(raw)
            if let problem {
                errors.append(.init(field: "name", message: problem))
            } else if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                errors.append(.init(field: "name", message: "must not hold control characters"))
            }
            name = value
        } else if requireName {
            errors.append(.init(field: "name", message: "is required"))
        }
        errors += Self.listProblems(body.ipAllowlist, field: "ip_allowlist") {
            CIDR($0) == nil ? "must be an IPv4 or IPv6 address or CIDR block, such as 10.0.0.0/8 or 2001:db8::/32" : nil
        }
        errors += Self.listProblems(body.originAllowlist, field: "origin_allowlist") {
            Self.isOrigin($0) ? nil : "must be an origin such as https://app.example.com (scheme, host, optional port)"
        }
        errors += Self.listProblems(body.rolesAllowed, field: "roles_allowed") {
            RoleName.isValid($0) ? nil : RoleName.rule
        }
        if errors.isEmpty, let roles = body.rolesAllowed {
            let unknown = Set(try auth.roles.unknown(in: roles))
            for (index, role) in roles.enumerated() where unknown.contains(role) {
                errors.append(.init(field: "roles_allowed[\(index)]", message: "is not a role"))
            }
        }
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        return ClientFields(
            name: name, ipAllowlist: body.ipAllowlist.map(Self.unique), originAllowlist: body.originAllowlist.map(Self.unique),
            rolesAllowed: body.rolesAllowed.map(Self.unique))
    }

    private static func listProblems(
        _ list: [String]?, field: String, problem: (String) -> String?
    ) -> [HTTPError.FieldError] {
        guard let list else { return [] }
        if list.count > maxEntries { return [.init(field: field, message: "must hold at most \(maxEntries) entries")] }
        return list.enumerated().compactMap { index, value in
            problem(value).map { .init(field: "\(field)[\(index)]", message: $0) }
        }
    }

    private static func unique(_ list: [String]) -> [String] {
        var seen = Set<String>()
        return list.filter { seen.insert($0).inserted }
    }

    /// `http(s)://host[:port]` as a browser sends it in `Origin`: lowercase, no path, query, user or trailing slash.
    static func isOrigin(_ text: String) -> Bool {
        guard text.utf8.count <= 255, text == text.lowercased() else { return false }
        let rest: Substring
        if text.hasPrefix("https://") {
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            rest = text.dropFirst(7)
        } else {
            return false
        }
        var host = rest
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            let port = rest[rest.index(after: colon)...]
            guard let number = Int(port), port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber),
                (1...65535).contains(number)
            else { return false }
            host = rest[..<colon]
        }
        if host.hasPrefix("["), host.hasSuffix("]") { return IPAddress(String(host)) != nil && !host.dropFirst().contains("[") }
        return !host.isEmpty
            && host.utf8.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x2E }
    }

    /// A `client.*` event, in the unit of work of the change; the key's id, never the key.
    private func recordEvent(
        _ type: EventType, _ client: Client, principal: Principal, at: Date, kid: String? = nil, fields: [String]? = nil
    ) throws {
        var data: [String: JSONValue] = ["client_id": .string(client.id), "name": .string(client.name)]
        if let kid { data["kid"] = .string(kid) }
        if let fields { data["fields"] = .array(fields.map(JSONValue.string)) }
        try auth.events.record(type, actor: principal.userID, subject: .client(client.id), data: data, at: at)
    }

    private func record(
        _ event: String, _ client: Client, principal: Principal, request: Request, context: RequestContext,
        kid: String? = nil
    ) {
        var details = ["client_id": client.id, "name": client.name]
        if let kid { details["kid"] = kid }
        auth.auditTrail.record(event, actor: principal.userID, request: request, context: context, details: details)
    }
}
