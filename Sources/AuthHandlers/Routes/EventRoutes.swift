#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
public import Store
import Webhooks

/// `GET /events?limit=&cursor=&type=` (`audit:read`): the event log, newest first, each event exactly as webhooks
/// deliver it.
public struct EventRoutes {
    let authenticator: Authenticator
    let events: Events

    public init(authenticator: Authenticator, database: Database) {
        self.authenticator = authenticator
        events = Events(db: database)
    }

    public func addRoutes(to router: Router) {
        router.get("/events", use: list)
    }

    func list(_ request: Request, context: RequestContext) throws -> Response {
        _ = try authenticator.require("audit:read", request, now: context.receivedAt)
        let paging = try ListQuery(request)
        let type = request.query["type"].flatMap { $0.isEmpty ? nil : $0 }
        if let type, EventType(rawValue: type) == nil {
            throw HTTPError.validation(field: "type", "is not an event type")
        }
        let page = try events.list(limit: paging.limit, cursor: paging.cursor, type: type)
        let items = page.items.map { JSONText.decode($0.body) }
        return try .noStoreJSON(ListBody(items: items, nextCursor: page.nextCursor))
    }
}
