#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An outstanding second step of a login (a row of `mfa_challenges`).
public struct MFAChallenge: Sendable, Equatable {
    public let userId: String
    public let createdAt: Date
    public let expiresAt: Date
    /// Set once a verify consumed it; a used challenge never works again.
    public let usedAt: Date?
    /// The login asked for browser mode (`use_cookies` or `X-Requested-With: fetch`).
    public let useCookies: Bool

    init(row: Row) throws {
        userId = try row.get("user_id")
        createdAt = try row.get("created_at")
        expiresAt = try row.get("expires_at")
        usedAt = try row.get("used_at")
        useCookies = try row.get("use_cookies")
    }
}

/// The `mfa_challenges` table: the `mfa_token`s a correct password hands out when a second factor is on, stored
/// as hashes made by the caller, single use.
public struct MFAChallenges {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Stores a new challenge for `userId`.
    /// - Throws: ``StoreError/invalidReference`` when the user does not exist.
    public func create(hash: [UInt8], userId: String, expiresAt: Date, useCookies: Bool, now: Date = Date()) throws {
        try db.execute(
            """
            INSERT INTO mfa_challenges (token_hash, user_id, created_at, expires_at, use_cookies)
            VALUES (?, ?, ?, ?, ?)
            """, hash, userId, now, expiresAt, useCookies)
    }

    /// The challenge with this token hash, used or expired alike, or nil when there is none.
    public func find(hash: [UInt8]) throws -> MFAChallenge? {
        try db.queryOne("SELECT * FROM mfa_challenges WHERE token_hash = ?", hash).map(MFAChallenge.init(row:))
    }

    /// Uses the challenge up. Atomic: of two verifies presenting the same token, one gets true; false when it is
    /// unknown, already used or expired at `now`.
    public func consume(hash: [UInt8], now: Date = Date()) throws -> Bool {
        try db.execute(
            "UPDATE mfa_challenges SET used_at = ?1 WHERE token_hash = ?2 AND used_at IS NULL AND expires_at > ?1",
            now, hash)
        return db.changes == 1
    }

    /// Ends every outstanding challenge of a user (its factors were reset), and returns how many.
    @discardableResult
    public func revokeAll(userId: String, now: Date = Date()) throws -> Int {
        try db.execute("UPDATE mfa_challenges SET used_at = ? WHERE user_id = ? AND used_at IS NULL", now, userId)
        return db.changes
    }
}
