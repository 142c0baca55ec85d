#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A message waiting in the outbox.
public struct OutboxMessage: Sendable, Equatable {
    public let id: String
    public let recipient: String
    public let subject: String
    public let body: String
    public let createdAt: Date
    /// Delivery attempts before this one.
    public let attempts: Int

    init(row: Row) throws {
        id = try row.get("id")
        recipient = try row.get("recipient")
        subject = try row.get("subject")
        body = try row.get("body")
        createdAt = try row.get("created_at")
        attempts = try row.get("attempts")
    }
}

/// The `outbox` table: mail to deliver through the configured mailer command, retried with back-off.
///
/// A body can hold a reset link, so it is blanked once the message is sent or given up.
public struct Outbox {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Queues a message for delivery now, and returns its id.
    @discardableResult
    public func enqueue(recipient: String, subject: String, body: String, now: Date = Date()) throws -> String {
        let id = newID()
        try db.execute(
            """
            INSERT INTO outbox (id, recipient, subject, body, created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)
            """, id, recipient, subject, body, now, now)
        return id
    }

    /// Claims up to `limit` messages that are due, oldest first.
    ///
    /// Claiming moves their next attempt `lease` seconds ahead in the same statement, so two workers
    /// draining the outbox at once never get the same message; a worker that dies mid-delivery leaves it
    /// to be retried after the lease.
    public func due(now: Date = Date(), limit: Int = 10, lease: TimeInterval = 60) throws -> [OutboxMessage] {
        try db.query(
            """
            UPDATE outbox SET next_attempt_at = ?1 + ?2
            WHERE id IN (
                SELECT id FROM outbox
                WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?1
                ORDER BY next_attempt_at, created_at LIMIT ?3)
            RETURNING *
            """, now, Int64(lease), Cursor.clamp(limit)
        ).map(OutboxMessage.init(row:)).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Records a delivery.
    public func markSent(id: String, now: Date = Date()) throws {
        try db.execute("UPDATE outbox SET sent_at = ?, body = '', last_error = NULL WHERE id = ?", now, id)
    }

    /// Records a failed delivery: retried at `nextAttemptAt`, or given up (`failed_at` set) once it has been
    /// attempted `maxAttempts` times. Returns true when it was given up. `error` must not hold secrets.
    @discardableResult
    public func markFailed(
        id: String, error: String, nextAttemptAt: Date, maxAttempts: Int = 8, now: Date = Date()
    ) throws -> Bool {
        let row = try db.queryOne(
            """
            UPDATE outbox SET
                attempts = attempts + 1,
                last_error = ?1,
                next_attempt_at = ?2,
                failed_at = CASE WHEN attempts + 1 >= ?3 THEN ?4 END,
                body = CASE WHEN attempts + 1 >= ?3 THEN '' ELSE body END
            WHERE id = ?5 AND sent_at IS NULL AND failed_at IS NULL
            RETURNING failed_at
            """, error, nextAttemptAt, maxAttempts, now, id)
        // Read the column itself: SQLite 3.40.1 answers `RETURNING failed_at IS NOT NULL` here with 1 while
        // failed_at is NULL (reproduced in the sqlite3 shell; the WHERE clause tests failed_at IS NULL).
        guard let row else { return false }
        return try row.get("failed_at", as: Date?.self) != nil
    }
}
