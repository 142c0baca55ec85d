#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The `rate_limits` table: token buckets, one per key (for example `"login:ip:203.0.113.7"`).
///
/// Times are REAL seconds: a bucket refilling a few tokens a second needs fractions.
public struct RateLimits {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Takes one token from the bucket `key`, which holds at most `capacity` tokens and refills at
    /// `refillPerSecond`. A new bucket starts full.
    ///
    /// One atomic upsert decides: its `DO UPDATE … WHERE` only updates when a whole token is there, and
    /// `RETURNING` yields a row only when it inserted or updated. When refused, `retryAfterSeconds` is the
    /// whole seconds until a token will be there (at least 1); when allowed it is 0.
    public func take(
        key: String, capacity: Double, refillPerSecond: Double, now: Date = Date()
    ) throws -> (allowed: Bool, retryAfterSeconds: Int) {
        precondition(capacity >= 1, "a bucket must hold at least one token")
        let now = now.timeIntervalSince1970
        let d = db.dialect
        let refilled = d.least("?2", "rate_limits.tokens + \(d.greatest("0", "?4 - rate_limits.updated_at")) * ?3")
        let taken = try db.queryOne(
            """
            INSERT INTO rate_limits (key, tokens, updated_at) VALUES (?1, ?2 - 1, ?4)
            ON CONFLICT (key) DO UPDATE SET
                tokens = \(refilled) - 1,
                updated_at = \(d.greatest("rate_limits.updated_at", "?4"))
            WHERE \(refilled) >= 1
            RETURNING tokens
            """, key, capacity, refillPerSecond, now)
        if taken != nil { return (true, 0) }
        // Refused: nothing was written. The wait is a hint, so reading it outside the upsert is fine.
        let row = try db.queryOne(
            "SELECT \(d.least("?2", "tokens + \(d.greatest("0", "?3 - updated_at")) * ?4")) AS tokens FROM rate_limits WHERE key = ?1",
            key, capacity, now, refillPerSecond)
        let tokens: Double = try row?.get("tokens") ?? 0
        guard refillPerSecond > 0 else { return (false, Int.max) }
        let wait = ((1 - tokens) / refillPerSecond).rounded(.up)
        return (false, max(1, Int(min(wait, Double(Int32.max)))))
    }
}
