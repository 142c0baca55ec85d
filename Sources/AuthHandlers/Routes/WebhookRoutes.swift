#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Store
import Crypto
import Webhooks

/// Webhook subscriptions (API.md "Events and webhooks"): `GET/POST /webhooks`, `GET/PUT/DELETE /webhooks/{id}`,
/// `POST /webhooks/{id}/secret/rotate`, `GET /webhooks/{id}/deliveries`, `POST …/deliveries/{delivery_id}/redeliver`;
/// all `webhooks:write`.
///
/// A subscription receives the event log as it is written, so creating or changing one also needs `audit:read`,
/// the permission that reads the log (`GET /events`): `webhooks:write` alone cannot be turned into a way to read
/// login failures and user emails.
public struct WebhookRoutes {
    let auth: AuthService
    let subscriptions: WebhookSubscriptions
    let deliveries: WebhookDeliveries
    let secrets: WebhookSecrets?

    /// A rotated-out secret keeps signing this long.
    static let overlap: TimeInterval = 86_400
    static let maxFilters = 50

    public init(auth: AuthService) {
        self.auth = auth
        subscriptions = WebhookSubscriptions(db: auth.database)
        deliveries = WebhookDeliveries(db: auth.database)
        secrets = WebhookSecrets(config: auth.config)
    }

    public func addRoutes(to router: Router) {
        router.get("/webhooks", use: list)
        router.post("/webhooks", use: create)
        router.get("/webhooks/{id}", use: read)
        router.put("/webhooks/{id}", use: update)
        router.delete("/webhooks/{id}", use: delete)
        router.post("/webhooks/{id}/secret/rotate", use: rotate)
        router.get("/webhooks/{id}/deliveries", use: attempts)
        router.post("/webhooks/{id}/deliveries/{delivery_id}/redeliver", use: redeliver)
    }

    struct SubscriptionBody: Encodable {
        let id: String
        let url: String
        let events: [String]
        let active: Bool
        let createdAt: String
        let secret: String?

        enum CodingKeys: String, CodingKey { case id, url, events, active, createdAt = "created_at", secret }

        init(_ subscription: WebhookSubscription, secret: String? = nil) {
            id = subscription.id
            url = subscription.url
            events = subscription.events
            active = subscription.active
            createdAt = RFC3339.string(subscription.createdAt)
            self.secret = secret
        }
    }

    struct SecretBody: Encodable {
        let id: String
        let secret: String
    }

    struct AttemptBody: Encodable {
        let id: String
        let deliveryId: String
        let eventId: String
        let attempt: Int
        let status: String
        let responseStatus: Int?
        let error: String?
        let at: String
        let nextAttemptAt: String?

        enum CodingKeys: String, CodingKey {
            case id, deliveryId = "delivery_id", eventId = "event_id", attempt, status
            case responseStatus = "response_status", error, at, nextAttemptAt = "next_attempt_at"
        }

        init(_ attempt: WebhookAttempt) {
            id = attempt.deliveryId
            deliveryId = attempt.deliveryId
            eventId = attempt.eventId
            self.attempt = attempt.attempt
            status = attempt.status
            responseStatus = attempt.responseStatus
            error = attempt.error
            at = RFC3339.string(attempt.at)
            nextAttemptAt = attempt.nextAttemptAt.map(RFC3339.string)
        }

        /// Every key present, `null` when absent.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(id, forKey: .id)
            try container.encode(deliveryId, forKey: .deliveryId)
            try container.encode(eventId, forKey: .eventId)
            try container.encode(attempt, forKey: .attempt)
            try container.encode(status, forKey: .status)
            try container.encode(responseStatus, forKey: .responseStatus)
            try container.encode(error, forKey: .error)
            try container.encode(at, forKey: .at)
            try container.encode(nextAttemptAt, forKey: .nextAttemptAt)
        }
    }

    struct Fields: Decodable {
        let url: String?
        let events: [String]?
        let active: Bool?
    }

    // MARK: Routes

    func list(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("webhooks:write", request, now: context.receivedAt)
        let paging = try ListQuery(request)
        let page = try subscriptions.list(limit: paging.limit, cursor: paging.cursor)
        return try .noStoreJSON(ListBody(items: page.items.map { SubscriptionBody($0) }, nextCursor: page.nextCursor))
    }

    func read(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("webhooks:write", request, now: context.receivedAt)
        return try .noStoreJSON(SubscriptionBody(try find(request)))
    }

    /// `POST /webhooks` → 201 with the secret, shown this once.
    func create(_ request: Request, context: RequestContext) throws -> Response {
        try requireSubscriber(request, context: context)
        let fields = try validate(try request.decode(Fields.self), creating: true)
        let id = Random.uuid()
        let (shown, sealed) = try requireSecrets().generate(for: id)
        let subscription = try subscriptions.create(
            id: id, url: fields.url ?? "", events: fields.events ?? [], sealedSecret: sealed, active: fields.active ?? true,
            now: context.receivedAt)
        return try .noStoreJSON(SubscriptionBody(subscription, secret: shown), status: 201)
    }

    /// `PUT /webhooks/{id}`: a partial update of url, events and active.
    func update(_ request: Request, context: RequestContext) throws -> Response {
        try requireSubscriber(request, context: context)
        let existing = try find(request)
        let fields = try validate(try request.decode(Fields.self), creating: false)
        let subscription = try subscriptions.update(
            id: existing.id, url: fields.url, events: fields.events, active: fields.active, now: context.receivedAt)
        return try .noStoreJSON(SubscriptionBody(subscription))
    }

    func delete(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("webhooks:write", request, now: context.receivedAt)
        guard try subscriptions.delete(id: try find(request).id) else { throw notFound }
        return .noContent
    }

    /// `POST /webhooks/{id}/secret/rotate` → 200 `{"id", "secret"}`; the old secret signs too for 24 h.
    func rotate(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("webhooks:write", request, now: context.receivedAt)
        let existing = try find(request)
        let (shown, sealed) = try requireSecrets().generate(for: existing.id)
        _ = try subscriptions.rotateSecret(
            id: existing.id, sealedSecret: sealed, overlapUntil: context.receivedAt.addingTimeInterval(Self.overlap),
            now: context.receivedAt)
        return try .noStoreJSON(SecretBody(id: existing.id, secret: shown))
    }

    func attempts(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("webhooks:write", request, now: context.receivedAt)
        let existing = try find(request)
        let paging = try ListQuery(request)
        let status = request.query["status"].flatMap { $0.isEmpty ? nil : $0 }
        if let status, !["pending", "retrying", "delivered", "failed"].contains(status) {
            throw HTTPError.validation(field: "status", "must be pending, retrying, delivered or failed")
        }
        let page = try deliveries.attempts(
            subscriptionId: existing.id, status: status, limit: paging.limit, cursor: paging.cursor)
        return try .noStoreJSON(ListBody(items: page.items.map(AttemptBody.init), nextCursor: page.nextCursor))
    }

    /// `POST /webhooks/{id}/deliveries/{delivery_id}/redeliver` → 202: another attempt, due now.
    func redeliver(_ request: Request, context: RequestContext) throws -> Response {
        _ = try auth.authenticator.require("webhooks:write", request, now: context.receivedAt)
        let existing = try find(request)
        let deliveryId = try request.parameters.require("delivery_id")
        guard deliveryId.utf8.count <= 64 else { throw HTTPError.notFound("There is no such delivery.") }
        do {
            try deliveries.redeliver(id: deliveryId, subscriptionId: existing.id, now: context.receivedAt)
        } catch let error as StoreError where error == .notFound {
            throw HTTPError.notFound("There is no such delivery.")
        }
        return try .noStoreJSON(["status": "pending"], status: 202)
    }

    // MARK: Helpers

    private var notFound: HTTPError { .notFound("There is no webhook with this id.") }

    private func find(_ request: Request) throws -> WebhookSubscription {
        let id = try request.parameters.require("id")
        guard id.utf8.count <= 64, let subscription = try subscriptions.find(id: id) else { throw notFound }
        return subscription
    }

    /// `webhooks:write`, and `audit:read` since a subscription reads the event log.
    private func requireSubscriber(_ request: Request, context: RequestContext) throws {
        let principal = try auth.authenticator.require("webhooks:write", request, now: context.receivedAt)
        guard principal.has("audit:read") else {
            throw HTTPError.forbidden("A subscription receives the event log: it needs audit:read as well.")
        }
    }

    private func requireSecrets() throws -> WebhookSecrets {
        guard let secrets else { throw HTTPError.unavailable }
        return secrets
    }

    private func validate(_ fields: Fields, creating: Bool) throws -> Fields {
        var errors: [HTTPError.FieldError] = []
        if let url = fields.url {
            if let problem = WebhookTarget.problem(with: url, allowPrivate: auth.config.webhookAllowPrivate) {
                errors.append(.init(field: "url", message: problem))
            }
        } else if creating {
            errors.append(.init(field: "url", message: "is required"))
        }
        if let events = fields.events {
            if events.isEmpty || events.count > Self.maxFilters {
                errors.append(.init(field: "events", message: "must hold 1 to \(Self.maxFilters) types"))
            }
            for (index, pattern) in events.enumerated() where !EventType.isValidFilter(pattern) {
                errors.append(
                    .init(field: "events[\(index)]", message: "is not an event type, a prefix.* or *"))
            }
        } else if creating {
            errors.append(.init(field: "events", message: "is required"))
        }
        guard errors.isEmpty else { throw HTTPError.validation(errors) }
        return Fields(url: fields.url, events: fields.events.map { Array(Set($0)).sorted() }, active: fields.active)
    }
}
