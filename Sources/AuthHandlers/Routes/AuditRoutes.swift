public import FCGIHost
public import Store

/// `GET /audit?limit=&cursor=&user_id=&event=` (`audit:read`): the audit log, newest first
/// (API.md "Management routes").
public struct AuditRoutes {
    let authenticator: Authenticator
    let audit: Audit

    public init(authenticator: Authenticator, database: Database) {
        self.authenticator = authenticator
        audit = Audit(db: database)
    }

    public func addRoutes(to router: Router) {
        router.get("/audit", use: list)
    }

    /// One audit row: `{id, at, event, actor_id, user_id, ip, user_agent, details}`. `id` is a number (the
    /// log's sequence), `details` an object of strings.
    struct EntryBody: Encodable {
        let id: Int64
        let at: String
        let event: String
        let actorId: String?
        let userId: String?
        let ip: String?
        let userAgent: String?
        let details: JSONValue

        enum CodingKeys: String, CodingKey {
            case id, at, event, ip, details
            case actorId = "actor_id"
            case userId = "user_id"
            case userAgent = "user_agent"
        }

        init(_ entry: AuditEntry) {
            id = entry.id
            at = RFC3339.string(entry.at)
            event = entry.event
            actorId = entry.actorId
            userId = entry.userId
            ip = entry.ip
            userAgent = entry.userAgent
            details = JSONText.decode(entry.details)
        }

        /// Absent values are `null`, so every item has every key.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(at, forKey: .at)
            try container.encode(event, forKey: .event)
            try container.encode(actorId, forKey: .actorId)
            try container.encode(userId, forKey: .userId)
            try container.encode(ip, forKey: .ip)
            try container.encode(userAgent, forKey: .userAgent)
            try container.encode(details, forKey: .details)
        }
    }

    func list(_ request: Request, context: RequestContext) throws -> Response {
        _ = try authenticator.require("audit:read", request, now: context.receivedAt)
        let paging = try ListQuery(request)
        let userId = request.query["user_id"].flatMap { $0.isEmpty ? nil : $0 }
        let event = request.query["event"].flatMap { $0.isEmpty ? nil : $0 }
        let page = try audit.list(limit: paging.limit, cursor: paging.cursor, userId: userId, event: event)
        return try .noStoreJSON(ListBody(items: page.items.map(EntryBody.init), nextCursor: page.nextCursor))
    }
}
