#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Whether a login attempt may go on to the password check.
public enum LockoutDecision: Sendable, Equatable {
    /// Check the password. `attempt` counts this one (1 … threshold) within the current window.
    case proceed(attempt: Int)
    /// Refuse without checking the password (429 `account_locked`).
    case locked(retryAfterSeconds: Int)
}

/// The `lockouts` table: failed-login counters per submitted identifier, whether the account exists or not.
///
/// The counter is incremented *before* the password is checked, in one atomic upsert, so parallel guesses
/// from any number of processes cannot overrun the threshold: of N concurrent attempts exactly `threshold`
/// reach the password check. A login runs
///
///     switch try lockouts.begin(identifier: email, threshold: 5, window: 900) {
///     case .locked(let retryAfter): … 429 with Retry-After
///     case .proceed:
///         if passwordIsRight { try lockouts.succeed(identifier: email) }
///         else { try lockouts.fail(identifier: email, threshold: 5, baseDuration: 900, maxDuration: 86_400) }
///     }
///
/// Identifiers are normalised by the caller, which also namespaces other counters (for example
/// `"otp:" + userId` for TOTP failures).
public struct Lockouts {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Counts an attempt and decides whether it may check the password.
    ///
    /// The count starts again at 1 when `window` has passed since the first failure or when a lock has
    /// ended. While locked, attempts are refused and not counted. When the count is past `threshold` but
    /// no lock is set yet (the attempts that reached it are still checking their passwords), attempts are
    /// refused until the window ends.
    public func begin(
        identifier: String, now: Date = Date(), threshold: Int, window: TimeInterval
    ) throws -> LockoutDecision {
        let now = unixSeconds(now)
        let window = Int64(window)
        let row = try db.queryOne(
            """
            INSERT INTO lockouts (identifier, failures, window_start, locked_until, lock_count)
            VALUES (?1, 1, ?2, 0, 0)
            ON CONFLICT (identifier) DO UPDATE SET
                failures = CASE
                    WHEN lockouts.locked_until > ?2 THEN lockouts.failures
                    WHEN lockouts.locked_until > 0 OR lockouts.window_start + ?3 <= ?2 THEN 1
                    ELSE lockouts.failures + 1 END,
                window_start = CASE
                    WHEN lockouts.locked_until > ?2 THEN lockouts.window_start
                    WHEN lockouts.locked_until > 0 OR lockouts.window_start + ?3 <= ?2 THEN ?2
                    ELSE lockouts.window_start END,
                locked_until = CASE WHEN lockouts.locked_until > ?2 THEN lockouts.locked_until ELSE 0 END
            RETURNING failures, window_start, locked_until
            """, identifier, now, window)
        let result = try row.orThrow()
        let failures: Int64 = try result.get("failures")
        let lockedUntil: Int64 = try result.get("locked_until")
        let windowStart: Int64 = try result.get("window_start")
        if lockedUntil > now {
            return .locked(retryAfterSeconds: Int(lockedUntil - now))
        }
        if failures > Int64(threshold) {
            return .locked(retryAfterSeconds: Int(max(1, windowStart + window - now)))
        }
        return .proceed(attempt: Int(failures))
    }

    /// Records that the password was wrong. When the count has reached `threshold` and no lock is in force,
    /// locks the identifier for `baseDuration × 2^(earlier locks)`, at most `maxDuration`, and returns true.
    ///
    /// Of several attempts failing at once, only one sets the lock.
    @discardableResult
    public func fail(
        identifier: String, now: Date = Date(), threshold: Int, baseDuration: TimeInterval,
        maxDuration: TimeInterval
    ) throws -> Bool {
        // The shift is capped so the product stays far from overflow; the cap on the duration applies anyway.
        let d = db.dialect
        let row = try db.queryOne(
            """
            UPDATE lockouts SET
                locked_until = ?1 + \(d.least(d.timesPowerOfTwo("?2", d.least("lock_count", "32")), "?3")),
                lock_count = lock_count + 1
            WHERE identifier = ?4 AND failures >= ?5 AND locked_until <= ?1
            RETURNING locked_until
            """, unixSeconds(now), Int64(baseDuration), Int64(maxDuration), identifier, threshold)
        return row != nil
    }

    /// Records a correct password: the counter and the lock history go.
    public func succeed(identifier: String) throws {
        try db.execute("DELETE FROM lockouts WHERE identifier = ?", identifier)
    }

    /// When the identifier is locked until, or nil when it is not locked at `now`.
    public func lockedUntil(identifier: String, now: Date = Date()) throws -> Date? {
        try db.queryOne(
            "SELECT locked_until FROM lockouts WHERE identifier = ? AND locked_until > ?", identifier, now
        )?.get("locked_until")
    }
}
