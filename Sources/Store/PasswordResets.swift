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

    /// Deletes tokens that expired before `date`, and returns how many.
    @discardableResult
    public func prune(before date: Date) throws -> Int {
        try db.execute("DELETE FROM password_resets WHERE expires_at < ?", date)
        return db.changes
    }
}
