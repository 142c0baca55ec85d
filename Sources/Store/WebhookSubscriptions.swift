#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A webhook subscription (API.md "Events and webhooks"). Its secrets are sealed bytes: only the delivery process
/// opens them, with the key it reads from the key file.
public struct WebhookSubscription: Sendable, Equatable {
    public let id: String
    public let url: String
    /// Filter patterns: exact types, `prefix.*` or `*`.
    public let events: [String]
    public let active: Bool
    public let sealedSecret: [UInt8]
    /// The secret before the last rotation, still signing until ``previousUntil``.
    public let sealedPreviousSecret: [UInt8]?
    public let previousUntil: Date?
    /// When the current run of failed attempts began; nil after a success.
    public let failingSince: Date?
    public let createdAt: Date
    public let updatedAt: Date

    init(row: Row) throws {
        id = try row.get("id")
        url = try row.get("url")
        let events: String = try row.get("events")
        self.events = (try? JSONDecoder().decode([String].self, from: Data(events.utf8))) ?? []
        active = try row.get("active", as: Int64.self) == 1
        sealedSecret = try row.get("secret")
        sealedPreviousSecret = try row.get("previous_secret")
        previousUntil = try row.get("previous_until")
        failingSince = try row.get("failing_since")
        createdAt = try row.get("created_at")
        updatedAt = try row.get("updated_at")
    }

    /// The sealed secrets that sign a delivery at `date`: the current one, and the previous one within its overlap.
    public func signingSecrets(at date: Date) -> [[UInt8]] {
        guard let previous = sealedPreviousSecret, let until = previousUntil, date < until else { return [sealedSecret] }
        return [sealedSecret, previous]
    }
}

/// The `webhook_subscriptions` table and its filter rows.
public struct WebhookSubscriptions {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Creates a subscription (active unless told otherwise); it receives events appended from now on.
    /// `id` is made by the caller (its secret is sealed for it); a new UUID by default.
    public func create(
        id: String? = nil, url: String, events: [String], sealedSecret: [UInt8], active: Bool = true,
        now: Date = Date()
    ) throws -> WebhookSubscription {
        let id = id ?? newID()
        try db.transaction {
            try db.execute(
                """
                INSERT INTO webhook_subscriptions (id, url, events, active, secret, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, id, url, try json(events), active ? Int64(1) : Int64(0), sealedSecret, now, now)
            try setFilters(id: id, events)
        }
        return try find(id: id).orThrowNotFound()
    }

    /// The subscription with this id, or nil.
    public func find(id: String) throws -> WebhookSubscription? {
        try db.queryOne("SELECT * FROM webhook_subscriptions WHERE id = ?", id).map(WebhookSubscription.init(row:))
    }

    /// One page of subscriptions in creation order.
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return.
    public func list(limit: Int = 50, cursor: String? = nil) throws -> Page<WebhookSubscription> {
        let limit = Cursor.clamp(limit)
        var after: (Int64, String) = (Int64.min, "")
        if let cursor {
            let parts = try Cursor.decode(cursor, parts: 2)
            guard let createdAt = Int64(parts[0]) else { throw StoreError.invalidCursor }
            after = (createdAt, parts[1])
        }
        let rows = try db.query(
            "SELECT * FROM webhook_subscriptions WHERE (created_at, id) > (?1, ?2) ORDER BY created_at, id LIMIT ?3",
            after.0, after.1, limit + 1)
        let items = try rows.prefix(limit).map(WebhookSubscription.init(row:))
        guard rows.count > limit, let last = items.last else { return Page(items: items, nextCursor: nil) }
        return Page(
            items: items, nextCursor: Cursor.encode([String(Int64(last.createdAt.timeIntervalSince1970)), last.id]))
    }

    /// Changes the fields given and keeps the others. Reactivating clears the failure run.
    /// - Throws: ``StoreError/notFound`` when there is no such subscription.
    public func update(id: String, url: String?, events: [String]?, active: Bool?, now: Date = Date()) throws
        -> WebhookSubscription
    {
        try db.transaction {
            try db.execute(
                """
                UPDATE webhook_subscriptions SET url = COALESCE(?, url), events = COALESCE(?, events),
                    active = COALESCE(?, active),
                    failing_since = CASE WHEN ? = 1 THEN NULL ELSE failing_since END, updated_at = ?
                WHERE id = ?
                """, url, try events.map(json), active.map { $0 ? Int64(1) : Int64(0) }, active == true ? 1 : 0, now, id)
            guard db.changes == 1 else { throw StoreError.notFound("no such webhook") }
            if let events { try setFilters(id: id, events) }
        }
        return try find(id: id).orThrowNotFound()
    }

    /// Deletes a subscription with its queued deliveries and their log. Returns false when there was none.
    @discardableResult
    public func delete(id: String) throws -> Bool {
        try db.execute("DELETE FROM webhook_subscriptions WHERE id = ?", id)
        return db.changes == 1
    }

    /// Installs a new secret; the current one keeps signing until `overlapUntil`. A rotation during an overlap ends
    /// that overlap: the secret before it stops signing at once.
    /// - Throws: ``StoreError/notFound`` when there is no such subscription.
    public func rotateSecret(id: String, sealedSecret: [UInt8], overlapUntil: Date, now: Date = Date()) throws
        -> WebhookSubscription
    {
        try db.execute(
            """
            UPDATE webhook_subscriptions SET previous_secret = secret, previous_until = ?, secret = ?, updated_at = ?
            WHERE id = ?
            """, overlapUntil, sealedSecret, now, id)
        guard db.changes == 1 else { throw StoreError.notFound("no such webhook") }
        return try find(id: id).orThrowNotFound()
    }

    private func setFilters(id: String, _ events: [String]) throws {
        try db.execute("DELETE FROM webhook_filters WHERE subscription_id = ?", id)
        for pattern in Set(events).sorted() {
            try db.execute("INSERT INTO webhook_filters (pattern, subscription_id) VALUES (?, ?)", pattern, id)
        }
    }

    private func json(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }
}

extension WebhookSubscription? {
    fileprivate func orThrowNotFound() throws -> WebhookSubscription {
        guard let self else { throw StoreError.notFound("no such webhook") }
        return self
    }
}
