#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of `audit_log`.
public struct AuditEntry: Sendable, Equatable {
    public let id: Int64
    public let at: Date
    public let event: String
    public let actorId: String?
    public let userId: String?
    public let ip: String?
    public let userAgent: String?
    /// A JSON object, as text.
    public let details: String

    init(row: Row) throws {
        id = try row.get("id")
        at = try row.get("at")
        event = try row.get("event")
        actorId = try row.get("actor_id")
        userId = try row.get("user_id")
        ip = try row.get("ip")
        userAgent = try row.get("user_agent")
        details = try row.get("details")
    }
}

/// The `audit_log` table: append-only, newest first when listed. Rows outlive the users they name.
public struct Audit {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Appends an event and returns its id. `details` is a JSON object as text and must not hold secrets.
    @discardableResult
    public func append(
        event: String, actorId: String? = nil, userId: String? = nil, ip: String? = nil, userAgent: String? = nil,
        details: String = "{}", at: Date = Date()
    ) throws -> Int64 {
        let row = try db.queryOne(
            """
            INSERT INTO audit_log (at, event, actor_id, user_id, ip, user_agent, details) VALUES (?, ?, ?, ?, ?, ?, ?)
            RETURNING id
            """, at, event, actorId, userId, ip, userAgent, details)
        return try row.orThrow().get("id")
    }

    /// One page of entries, newest first, optionally only those about `userId` and of `event`.
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return.
    public func list(
        limit: Int = 50, cursor: String? = nil, userId: String? = nil, event: String? = nil
    ) throws -> Page<AuditEntry> {
        let limit = Cursor.clamp(limit)
        var before = Int64.max
        if let cursor {
            guard let id = Int64(try Cursor.decode(cursor, parts: 1)[0]) else { throw StoreError.invalidCursor }
            before = id
        }
        // One literal per filter, so each lookup walks its own index: (user_id, id), (event, id) or the rowid.
        let rows: [Row]
        switch (userId, event) {
        case (let userId?, let event?):
            rows = try db.query(
                "SELECT * FROM audit_log WHERE user_id = ? AND event = ? AND id < ? ORDER BY id DESC LIMIT ?",
                userId, event, before, limit + 1)
        case (let userId?, nil):
            rows = try db.query(
                "SELECT * FROM audit_log WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                userId, before, limit + 1)
        case (nil, let event?):
            rows = try db.query(
                "SELECT * FROM audit_log WHERE event = ? AND id < ? ORDER BY id DESC LIMIT ?",
                event, before, limit + 1)
        case (nil, nil):
            rows = try db.query(
                "SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?", before, limit + 1)
        }
        let entries = try rows.prefix(limit).map(AuditEntry.init(row:))
        guard rows.count > limit, let last = entries.last else { return Page(items: entries, nextCursor: nil) }
        return Page(items: entries, nextCursor: Cursor.encode([String(last.id)]))
    }
}
