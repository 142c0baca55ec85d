#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A delivery a process has claimed: what to send, where, signed with which (sealed) secrets.
public struct ClaimedDelivery: Sendable, Equatable {
    public let id: String
    public let subscriptionId: String
    public let eventId: String
    /// This attempt's number, from 1.
    public let attempt: Int
    /// The claim token: finishing the attempt counts only while the delivery still carries it.
    public let claim: String
    public let url: String
    public let body: String
    public let sealedSecrets: [[UInt8]]
}

/// One row of a subscription's deliveries log.
public struct WebhookAttempt: Sendable, Equatable {
    public let seq: Int64
    public let deliveryId: String
    public let eventId: String
    public let attempt: Int
    public let status: String
    public let responseStatus: Int?
    public let error: String?
    public let at: Date
    public let nextAttemptAt: Date?

    init(row: Row) throws {
        seq = try row.get("id")
        deliveryId = try row.get("delivery_id")
        eventId = try row.get("event_id")
        attempt = try row.get("attempt")
        status = try row.get("status")
        responseStatus = try row.get("response_status")
        error = try row.get("error")
        at = try row.get("at")
        nextAttemptAt = try row.get("next_attempt_at")
    }
}

/// How an attempt ended.
public enum DeliveryOutcome: Sendable, Equatable {
    /// A 2xx answer.
    case delivered(responseStatus: Int)
    /// Anything else, tried again at `nextAttemptAt`.
    case retry(at: Date, responseStatus: Int?, error: String?)
    /// The last attempt failed: given up.
    case failed(responseStatus: Int?, error: String?)
}

/// The `webhook_deliveries` and `webhook_attempts` tables: due deliveries claimed with a lease, each attempt logged.
///
/// Claiming sets a lease and a fresh claim token in one write transaction (on PostgreSQL the candidate rows are
/// read `FOR UPDATE SKIP LOCKED`, and the update re-checks the lease), so two delivery processes, on one node or
/// several, never send the same attempt at once; a process killed mid-attempt leaves the delivery to be claimed
/// again when the lease ends, and the event goes out again with the same id.
public struct WebhookDeliveries {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Claims up to `limit` due deliveries of active subscriptions for `lease`, logging a pending attempt for each.
    public func claim(now: Date = Date(), limit: Int, lease: TimeInterval) throws -> [ClaimedDelivery] {
        let token = newID()
        return try db.transaction {
            let claimed = try db.query(
                """
                UPDATE webhook_deliveries SET lease_until = ?1 + ?2, claim = ?3, attempts = attempts + 1
                WHERE id IN (
                    SELECT id FROM webhook_deliveries
                    WHERE status IN ('pending', 'retrying') AND next_attempt_at <= ?1
                      AND (lease_until IS NULL OR lease_until <= ?1)
                      AND subscription_id IN (SELECT id FROM webhook_subscriptions WHERE active = 1)
                    ORDER BY next_attempt_at LIMIT ?4 \(db.dialect.skipLocked))
                  AND status IN ('pending', 'retrying') AND (lease_until IS NULL OR lease_until <= ?1)
                RETURNING id, subscription_id, attempts
                """, now, Int64(lease.rounded(.up)), token, Cursor.clamp(limit))
            guard !claimed.isEmpty else { return [] }
            for row in claimed {
                let id: String = try row.get("id")
                // An attempt still pending here was cut short (its process died before the lease ran out).
                try db.execute(
                    """
                    UPDATE webhook_attempts SET status = 'retrying', error = 'interrupted before an answer'
                    WHERE delivery_id = ? AND status = 'pending'
                    """, id)
                try db.execute(
                    """
                    INSERT INTO webhook_attempts (delivery_id, subscription_id, attempt, status, at)
                    VALUES (?, ?, ?, 'pending', ?)
                    """, id, try row.get("subscription_id", as: String.self), try row.get("attempts", as: Int64.self),
                    now)
            }
            return try db.query(
                """
                SELECT d.id, d.subscription_id, d.event_id, d.attempts, e.body, s.url, s.secret, s.previous_secret,
                       s.previous_until
                FROM webhook_deliveries d
                JOIN events e ON e.id = d.event_id
                JOIN webhook_subscriptions s ON s.id = d.subscription_id
                WHERE d.claim = ?
                ORDER BY d.next_attempt_at, d.id
                """, token
            ).map { row in
                var secrets: [[UInt8]] = [try row.get("secret")]
                if let previous = try row.get("previous_secret", as: [UInt8]?.self),
                    let until = try row.get("previous_until", as: Date?.self), now < until
                {
                    secrets.append(previous)
                }
                return ClaimedDelivery(
                    id: try row.get("id"), subscriptionId: try row.get("subscription_id"),
                    eventId: try row.get("event_id"), attempt: try row.get("attempts"), claim: token,
                    url: try row.get("url"), body: try row.get("body"), sealedSecrets: secrets)
            }
        }
    }

    /// Records how an attempt ended, unless the delivery was claimed again meanwhile (then nothing changes and it
    /// returns false). A failure starts or continues the subscription's failure run; when that run is older than
    /// `deactivateAfter`, the subscription is deactivated and `onDeactivate` runs in the same transaction (it appends
    /// the `webhook.deactivated` event).
    @discardableResult
    public func finish(
        _ delivery: ClaimedDelivery, outcome: DeliveryOutcome, now: Date = Date(),
        deactivateAfter: TimeInterval = 5 * 86_400, onDeactivate: () throws -> Void = {}
    ) throws -> Bool {
        let (status, next, responseStatus, error): (String, Date?, Int?, String?) =
            switch outcome {
            case .delivered(let code): ("delivered", nil, code, nil)
            case .retry(let at, let code, let error): ("retrying", at, code, error)
            case .failed(let code, let error): ("failed", nil, code, error)
            }
        return try db.transaction {
            try db.execute(
                """
                UPDATE webhook_deliveries SET status = ?, next_attempt_at = ?, lease_until = NULL, claim = NULL
                WHERE id = ? AND claim = ?
                """, status, next, delivery.id, delivery.claim)
            guard db.changes == 1 else { return false }
            try db.execute(
                """
                UPDATE webhook_attempts SET status = ?, response_status = ?, error = ?, at = ?, next_attempt_at = ?
                WHERE delivery_id = ? AND attempt = ?
                """, status, responseStatus.map(Int64.init), error, now, next, delivery.id, Int64(delivery.attempt))
            if status == "delivered" {
                try db.execute(
                    "UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = ? AND failing_since IS NOT NULL",
                    delivery.subscriptionId)
                return true
            }
            let row = try db.queryOne(
                """
                UPDATE webhook_subscriptions SET failing_since = COALESCE(failing_since, ?) WHERE id = ?
                RETURNING failing_since, active
                """, now, delivery.subscriptionId)
            if let row, try row.get("active", as: Int64.self) == 1,
                let since = try row.get("failing_since", as: Date?.self),
                now.timeIntervalSince(since) >= deactivateAfter
            {
                try db.execute(
                    "UPDATE webhook_subscriptions SET active = 0, updated_at = ? WHERE id = ?", now,
                    delivery.subscriptionId)
                try onDeactivate()
            }
            return true
        }
    }

    /// Queues another attempt of a delivery of this subscription, due now.
    /// - Throws: ``StoreError/notFound`` when the subscription has no such delivery.
    public func redeliver(id: String, subscriptionId: String, now: Date = Date()) throws {
        try db.execute(
            """
            UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = ?
            WHERE id = ? AND subscription_id = ?
            """, now, id, subscriptionId)
        guard db.changes == 1 else { throw StoreError.notFound("no such delivery") }
    }

    /// One page of a subscription's attempts, newest first, optionally only those of `status`.
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return.
    public func attempts(
        subscriptionId: String, status: String? = nil, limit: Int = 50, cursor: String? = nil
    ) throws -> Page<WebhookAttempt> {
        let limit = Cursor.clamp(limit)
        var before = Int64.max
        if let cursor {
            guard let seq = Int64(try Cursor.decode(cursor, parts: 1)[0]) else { throw StoreError.invalidCursor }
            before = seq
        }
        let rows = try db.query(
            """
            SELECT a.*, d.event_id FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
            WHERE a.subscription_id = ?1 AND a.id < ?2 AND (?3 IS NULL OR a.status = ?3)
            ORDER BY a.id DESC LIMIT ?4
            """, subscriptionId, before, status, limit + 1)
        let items = try rows.prefix(limit).map(WebhookAttempt.init(row:))
        guard rows.count > limit, let last = items.last else { return Page(items: items, nextCursor: nil) }
        return Page(items: items, nextCursor: Cursor.encode([String(last.seq)]))
    }

    /// The status of every delivery of an event, by subscription (tests and `events tail`).
    public func statuses(eventId: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for row in try db.query("SELECT subscription_id, status FROM webhook_deliveries WHERE event_id = ?", eventId) {
            result[try row.get("subscription_id")] = try row.get("status")
        }
        return result
    }
}
