#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A user's TOTP enrolment.
public struct TOTPSecret: Sendable, Equatable {
    public let userId: String
    /// The shared secret sealed by the caller (AES-256-GCM, bound to the user id); the Store never sees it in clear.
    public let sealedSecret: [UInt8]
    public let createdAt: Date
    /// Nil until the first code is confirmed; TOTP is required at login only once confirmed.
    public let confirmedAt: Date?
    /// The last time step accepted; a code is accepted once, so later codes must have a later step.
    public let lastStep: Int64?

    init(row: Row) throws {
        userId = try row.get("user_id")
        sealedSecret = try row.get("sealed_secret")
        createdAt = try row.get("created_at")
        confirmedAt = try row.get("confirmed_at")
        lastStep = try row.get("last_step")
    }
}

/// The `mfa_totp` and `recovery_codes` tables. Recovery codes are stored as hashes made by the caller.
public struct TOTPSecrets {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Stores a new, unconfirmed (sealed) secret, replacing an earlier unconfirmed one.
    /// - Throws: ``StoreError/duplicate`` when TOTP is already confirmed (disable it first).
    public func enroll(userId: String, sealedSecret: [UInt8], now: Date = Date()) throws {
        let row = try db.queryOne(
            """
            INSERT INTO mfa_totp (user_id, sealed_secret, created_at) VALUES (?1, ?2, ?3)
            ON CONFLICT (user_id) DO UPDATE SET sealed_secret = ?2, created_at = ?3, last_step = NULL
            WHERE mfa_totp.confirmed_at IS NULL
            RETURNING user_id
            """, userId, sealedSecret, now)
        guard row != nil else { throw StoreError.duplicate("TOTP is already enabled") }
    }

    /// The user's enrolment, confirmed or not, or nil.
    public func find(userId: String) throws -> TOTPSecret? {
        try db.queryOne("SELECT * FROM mfa_totp WHERE user_id = ?", userId).map(TOTPSecret.init(row:))
    }

    /// Confirms an enrolment with the step of a code the caller verified, and replaces the recovery codes,
    /// in one transaction. False when there is no unconfirmed enrolment.
    public func confirm(
        userId: String, step: Int64, recoveryCodeHashes: [[UInt8]], now: Date = Date()
    ) throws -> Bool {
        try db.transaction {
            try db.execute(
                "UPDATE mfa_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND confirmed_at IS NULL",
                now, step, userId)
            guard db.changes == 1 else { return false }
            try db.execute("DELETE FROM recovery_codes WHERE user_id = ?", userId)
            for hash in recoveryCodeHashes {
                try db.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userId, hash)
            }
            return true
        }
    }

    /// Turns TOTP off: the secret and the recovery codes go. False when it was not enrolled.
    @discardableResult
    public func disable(userId: String) throws -> Bool {
        try db.transaction {
            try db.execute("DELETE FROM recovery_codes WHERE user_id = ?", userId)
            try db.execute("DELETE FROM mfa_totp WHERE user_id = ?", userId)
            return db.changes == 1
        }
    }

    /// Accepts a verified code's time step only if it is later than every step accepted before, atomically:
    /// of two requests replaying one code, one wins. False for a replayed (or older) step.
    public func recordStep(userId: String, step: Int64) throws -> Bool {
        try db.execute(
            """
            UPDATE mfa_totp SET last_step = ?1
            WHERE user_id = ?2 AND confirmed_at IS NOT NULL AND (last_step IS NULL OR last_step < ?1)
            """, step, userId)
        return db.changes == 1
    }

    /// Replaces the recovery codes with a new set, in one transaction (the old set stops working). False when TOTP
    /// is not confirmed (recovery codes belong to a confirmed enrolment).
    public func replaceRecoveryCodes(userId: String, hashes: [[UInt8]]) throws -> Bool {
        try db.transaction {
            guard try db.queryOne(
                "SELECT 1 AS one FROM mfa_totp WHERE user_id = ? AND confirmed_at IS NOT NULL", userId) != nil
            else { return false }
            try db.execute("DELETE FROM recovery_codes WHERE user_id = ?", userId)
            for hash in hashes {
                try db.execute("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)", userId, hash)
            }
            return true
        }
    }

    /// Uses up a recovery code. False when it is unknown or already used.
    public func consumeRecoveryCode(userId: String, hash: [UInt8], now: Date = Date()) throws -> Bool {
        try db.execute(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
            now, userId, hash)
        return db.changes == 1
    }

    /// The number of recovery codes not yet used.
    public func remainingRecoveryCodes(userId: String) throws -> Int {
        try db.queryOne(
            "SELECT count(*) AS n FROM recovery_codes WHERE user_id = ? AND used_at IS NULL", userId
        ).orThrow().get("n")
    }
}
