#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The `password_resets` table: single-use reset tokens, stored as hashes made by the caller.
public struct PasswordResets {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Stores a reset token for a user.
    /// - Throws: ``StoreError/invalidReference`` when the user does not exist.
    public func create(hash: [UInt8], userId: String, expiresAt: Date, now: Date = Date()) throws {
        try db.execute(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
            hash, userId, now, expiresAt)
    }

    /// Uses up a reset token and returns its user, or nil when the token is unknown, used or expired.
    ///
    /// Atomic: of two requests presenting the same token, one gets the user. The user's other outstanding
    /// reset tokens are used up in the same transaction.
    public func consume(hash: [UInt8], now: Date = Date()) throws -> String? {
        try db.transaction {
            guard
                let row = try db.queryOne(
                    """
                    UPDATE password_resets SET used_at = ?1
                    WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?1
                    RETURNING user_id
                    """, now, hash)
            else { return nil }
            let userId: String = try row.get("user_id")
            try db.execute(
                "UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL", now, userId)
            return userId
        }
    }
}

/// A password-reset request as submitted to `POST /auth/password/forgot`, before anyone looked the account up.
public struct PasswordResetRequest: Sendable {
    public let id: Int64
    public let identifier: String
    public let requestedAt: Date
    public let ip: String?
    public let userAgent: String?
}

extension PasswordResets {
    /// Queues a request for `identifier` (already normalised, at most 254 bytes): the one write the route makes,
    /// the same whether the account exists or not. The supervisor takes it up (``takeRequests(limit:)``).
    public func request(identifier: String, ip: String?, userAgent: String?, now: Date = Date()) throws {
        try db.execute(
            "INSERT INTO password_reset_requests (identifier, requested_at, ip, user_agent) VALUES (?, ?, ?, ?)",
            identifier, now, ip, userAgent)
    }

    /// The oldest queued requests, at most `limit`.
    public func pendingRequests(limit: Int = 20) throws -> [PasswordResetRequest] {
        try db.query(
            "SELECT id, identifier, requested_at, ip, user_agent FROM password_reset_requests ORDER BY id LIMIT ?", limit
        ).map { row in
            PasswordResetRequest(
                id: try row.get("id"), identifier: try row.get("identifier"), requestedAt: try row.get("requested_at"),
                ip: try row.get("ip"), userAgent: try row.get("user_agent"))
        }
    }

    /// Removes a request once it has been taken up; false when another process took it first.
    @discardableResult
    public func finishRequest(id: Int64) throws -> Bool {
        try db.execute("DELETE FROM password_reset_requests WHERE id = ?", id)
        return db.changes == 1
    }
}
