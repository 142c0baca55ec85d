#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of the event log: the event's JSON as written, and what the log is searched by.
public struct StoredEvent: Sendable, Equatable {
    public let seq: Int64
    public let id: String
    public let type: String
    public let at: Date
    /// The event as JSON text (API.md "Events and webhooks"), exactly the bytes a webhook delivers.
    public let body: String

    init(row: Row) throws {
        seq = try row.get("seq")
        id = try row.get("id")
        type = try row.get("type")
        at = try row.get("at")
        body = try row.get("body")
    }
}

/// The `events` table, the outbox of webhooks: an event is appended inside the unit of work that makes the change it
/// describes, and in the same statement group one delivery is queued for every active subscription whose filter
/// matches its type (an exact type, `prefix.*` or `*`). Nothing is delivered from here: a delivery process claims
/// the queued rows (``WebhookDeliveries``).
///
///     try db.perform(.updateUser) {
///         try users.update(…)
///         try Events(db: db).append(id: eventID, type: "user.updated", at: now, body: json)
///     }
public struct Events {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Appends one event and queues its deliveries. Called inside a unit of work, it commits or rolls back with
    /// the change; alone, it is its own transaction. Returns how many deliveries were queued.
    @discardableResult
    public func append(id: String, type: String, at: Date, body: String) throws -> Int {
        // Inside a unit of work the unit already makes the statements atomic: no savepoint (two round trips on
        // PostgreSQL) on every login.
        if db.isInTransaction { return try appendRows(id: id, type: type, at: at, body: body) }
        return try db.transaction { try appendRows(id: id, type: type, at: at, body: body) }
    }

    private func appendRows(id: String, type: String, at: Date, body: String) throws -> Int {
        try db.execute("INSERT INTO events (id, type, at, body) VALUES (?, ?, ?, ?)", id, type, at, body)
        let prefix = type.split(separator: ".").first.map { "\($0).*" } ?? type
        let subscribers = try db.query(
            """
            SELECT DISTINCT s.id FROM webhook_filters f JOIN webhook_subscriptions s ON s.id = f.subscription_id
            WHERE f.pattern IN (?, ?, '*') AND s.active = 1
            """, type, prefix)
        for row in subscribers {
            try db.execute(
                """
                INSERT INTO webhook_deliveries (id, subscription_id, event_id, status, next_attempt_at, created_at)
                VALUES (?, ?, ?, 'pending', ?, ?)
                """, newID(), try row.get("id", as: String.self), id, at, at)
        }
        return subscribers.count
    }

    /// The event with this id, or nil.
    public func find(id: String) throws -> StoredEvent? {
        try db.queryOne("SELECT * FROM events WHERE id = ?", id).map(StoredEvent.init(row:))
    }

    /// One page of the log, newest first, optionally only events of `type`.
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return.
    public func list(limit: Int = 50, cursor: String? = nil, type: String? = nil) throws -> Page<StoredEvent> {
        let limit = Cursor.clamp(limit)
        var before = Int64.max
        if let cursor {
            guard let seq = Int64(try Cursor.decode(cursor, parts: 1)[0]) else { throw StoreError.invalidCursor }
            before = seq
        }
        let rows: [Row]
        if let type {
            rows = try db.query(
                "SELECT * FROM events WHERE type = ? AND seq < ? ORDER BY seq DESC LIMIT ?", type, before, limit + 1)
        } else {
            rows = try db.query("SELECT * FROM events WHERE seq < ? ORDER BY seq DESC LIMIT ?", before, limit + 1)
        }
        let events = try rows.prefix(limit).map(StoredEvent.init(row:))
        guard rows.count > limit, let last = events.last else { return Page(items: events, nextCursor: nil) }
        return Page(items: events, nextCursor: Cursor.encode([String(last.seq)]))
    }

    /// Events after `seq` in log order, optionally only of `type` (`gatehouse events tail`).
    public func after(seq: Int64, type: String? = nil, limit: Int = 200) throws -> [StoredEvent] {
        if let type {
            return try db.query(
                "SELECT * FROM events WHERE type = ? AND seq > ? ORDER BY seq LIMIT ?", type, seq, limit
            ).map(StoredEvent.init(row:))
        }
        return try db.query("SELECT * FROM events WHERE seq > ? ORDER BY seq LIMIT ?", seq, limit)
            .map(StoredEvent.init(row:))
    }

    /// The newest event's `seq`, 0 for an empty log.
    public func lastSeq() throws -> Int64 {
        try db.queryOne("SELECT COALESCE(MAX(seq), 0) AS seq FROM events")?.get("seq") ?? 0
    }
}
