#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Deletes what has expired, one small batch per call, each batch its own short write transaction, so a prune
/// never holds the write lock for long and never grows with the table (DESIGN.md "Abuse protection": nothing an
/// unauthenticated request sends is stored unbounded).
///
///     let retention = Retention(db: db)
///     while try retention.pruneBatch(.rateLimits, before: cutoff, limit: 500) == 500 {}
public struct Retention {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// A group of rows that expire, with the rule that says when.
    public enum Kind: String, CaseIterable, Sendable {
        /// Lockout counters whose window and lock both ended before the cutoff (their doubling history goes too).
        case lockouts
        /// Rate-limit buckets untouched since the cutoff (they would be full again).
        case rateLimits = "rate_limits"
        /// Sessions that expired before the cutoff (their refresh tokens go with them).
        case expiredSessions = "expired_sessions"
        /// Sessions revoked before the cutoff.
        case revokedSessions = "revoked_sessions"
        /// Refresh tokens that expired before the cutoff.
        case refreshTokens = "refresh_tokens"
        /// Password-reset tokens that expired before the cutoff.
        case passwordResets = "password_resets"
        /// Reset requests submitted before the cutoff and never taken up.
        case resetRequests = "password_reset_requests"
        /// Mail created before the cutoff, sent or not (a reset link in it has long expired).
        case outbox
        /// Audit rows older than the cutoff.
        case audit = "audit_log"
        /// Business activity rows older than the cutoff.
        case activity
        /// Second steps of logins (`mfa_token`s) that expired before the cutoff, used or not.
        case mfaChallenges = "mfa_challenges"
        /// WebAuthn ceremony challenges that expired before the cutoff.
        case webauthnChallenges = "webauthn_challenges"
        /// Events older than the cutoff (the audit retention), with their webhook deliveries and attempts.
        case events
    }

    /// Deletes at most `limit` rows of `kind` that expired before `date`, and returns how many it deleted; fewer
    /// than `limit` means none are left.
    @discardableResult
    public func pruneBatch(_ kind: Kind, before date: Date, limit: Int = 500) throws -> Int {
        switch kind {
        case .lockouts:
            try db.execute(
                """
                DELETE FROM lockouts WHERE identifier IN (
                    SELECT identifier FROM lockouts WHERE window_start < ?1 AND locked_until < ?1 LIMIT ?2)
                """, date, limit)
        case .rateLimits:
            try db.execute(
                "DELETE FROM rate_limits WHERE key IN (SELECT key FROM rate_limits WHERE updated_at < ?1 LIMIT ?2)",
                date.timeIntervalSince1970, limit)
        case .expiredSessions:
            try db.execute(
                "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE expires_at < ?1 LIMIT ?2)", date, limit)
        case .revokedSessions:
            try db.execute(
                "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE revoked_at < ?1 LIMIT ?2)", date, limit)
        case .refreshTokens:
            try db.execute(
                """
                DELETE FROM refresh_tokens WHERE token_hash IN (
                    SELECT token_hash FROM refresh_tokens WHERE expires_at < ?1 LIMIT ?2)
                """, date, limit)
        case .passwordResets:
            try db.execute(
                """
                DELETE FROM password_resets WHERE token_hash IN (
                    SELECT token_hash FROM password_resets WHERE expires_at < ?1 LIMIT ?2)
                """, date, limit)
        case .resetRequests:
            try db.execute(
                """
                DELETE FROM password_reset_requests WHERE id IN (
                    SELECT id FROM password_reset_requests ORDER BY id LIMIT ?2) AND requested_at < ?1
                """, date, limit)
        case .outbox:
            try db.execute(
                "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at < ?1 LIMIT ?2)", date, limit)
        case .mfaChallenges:
            try db.execute(
                """
                DELETE FROM mfa_challenges WHERE token_hash IN (
                    SELECT token_hash FROM mfa_challenges WHERE expires_at < ?1 LIMIT ?2)
                """, date, limit)
        case .webauthnChallenges:
            try db.execute(
                """
                DELETE FROM webauthn_challenges WHERE token_hash IN (
                    SELECT token_hash FROM webauthn_challenges WHERE expires_at < ?1 LIMIT ?2)
                """, date, limit)
        case .events:
            try db.execute(
                "DELETE FROM events WHERE seq IN (SELECT seq FROM events ORDER BY seq LIMIT ?2) AND at < ?1", date, limit)
        case .audit, .activity:
            // Rows are appended in time order, so the oldest ids are the candidates: only they are read, and an
            // up-to-date table costs one short index step, however large it is.
            try db.execute(
                """
                DELETE FROM \(kind.rawValue) WHERE id IN (
                    SELECT id FROM \(kind.rawValue) ORDER BY id LIMIT ?2) AND at < ?1
                """, date, limit)
        }
        return db.changes
    }

    /// How many rows of `kind` there are (for `gatehouse prune` and the tests).
    public func count(_ kind: Kind) throws -> Int {
        let table =
            switch kind {
            case .expiredSessions, .revokedSessions: "sessions"
            default: kind.rawValue
            }
        return try db.queryOne("SELECT count(*) AS n FROM \(table)")?.get("n") ?? 0
    }
}
