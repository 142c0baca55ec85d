#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What presenting a refresh token did.
public enum RotationOutcome: Sendable, Equatable {
    /// The token was unused: it is now used, and `successorHash` is the session's new refresh token. The session
    /// is as the rotation left it, touched (`lastUsedAt`) at the rotation's time.
    case rotated(Session)
    /// The token was rotated moments ago (within the grace window) to this same successor: a second tab
    /// refreshing at once. The caller answers with the same successor again.
    case graceReplay(Session)
    /// A rotated token came back after the grace window, or with another successor: the session and all its
    /// tokens are now revoked.
    case reused(sessionId: String)
    /// No such token.
    case unknown
    /// The token expired unused.
    case expired
    /// Its session was revoked or has expired.
    case revoked
}

/// The `refresh_tokens` table: a chain per session, stored only as hashes made by the caller.
public struct RefreshTokens {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Stores a new refresh token for a session (at login).
    /// - Throws: ``StoreError/invalidReference`` when the session does not exist.
    public func issue(
        hash: [UInt8], sessionId: String, parentHash: [UInt8]? = nil, expiresAt: Date, now: Date = Date()
    ) throws {
        try db.execute(
            """
            INSERT INTO refresh_tokens (token_hash, session_id, parent_hash, issued_at, expires_at)
            VALUES (?, ?, ?, ?, ?)
            """, hash, sessionId, parentHash, now, expiresAt)
    }

    /// The session a refresh token (used or not) belongs to, for logout by refresh token.
    /// The hash of the session's current refresh token: the newest one not yet used nor expired (the tip of
    /// its rotation chain), or nil when it has none.
    public func tip(sessionId: String, now: Date = Date()) throws -> [UInt8]? {
        try db.queryOne(
            """
            SELECT token_hash FROM refresh_tokens WHERE session_id = ? AND used_at IS NULL AND expires_at > ?
            ORDER BY issued_at DESC LIMIT 1
            """, sessionId, now)?.get("token_hash")
    }

    public func session(forHash hash: [UInt8]) throws -> Session? {
        try db.queryOne(
            "SELECT s.* FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE t.token_hash = ?", hash
        ).map(Session.init(row:))
    }

    /// Rotates a presented refresh token, all in one write transaction that locks the token's session and then the
    /// token (``Database/rowLockingTransaction(_:)``): rotations of different sessions run at once on PostgreSQL,
    /// two of the same token or session wait for each other, as a logout or a revocation of that session does.
    ///
    /// The caller derives `successorHash` deterministically from the presented token, so two tabs that
    /// present the same token within `graceSeconds` get the same successor and both succeed; anything else
    /// presenting a used token is treated as theft and revokes the session (moving the revocation epoch).
    ///
    ///     switch try tokens.rotate(presentedHash: h, successorHash: s, graceSeconds: 10, successorExpiresAt: exp) {
    ///     case .rotated(let session), .graceReplay(let session): … issue tokens for session.userId
    ///     case .reused, .revoked: … 401 token_revoked
    ///     case .unknown, .expired: … 401 token_invalid / token_expired
    ///     }
    ///
    /// `whenReused` runs inside the transaction after a reuse has revoked the session (the caller's event of the
    /// revocation commits with it, or neither does).
    public func rotate(
        presentedHash: [UInt8], successorHash: [UInt8], now: Date = Date(), graceSeconds: Int = 10,
        successorExpiresAt: Date, whenReused: (Session) throws -> Void = { _ in }
    ) throws -> RotationOutcome {
        let select = "SELECT session_id, expires_at, used_at, successor_hash FROM refresh_tokens WHERE token_hash = ?"
        return try db.rowLockingTransaction {
            // Which session, read without a lock: the session's row is locked before the token's, the order of
            // every writer of both (a session's revocation, its deletion with its tokens, a context switch).
            guard let unlocked = try db.queryOne(select, presentedHash) else { return .unknown }
            let sessionId: String = try unlocked.get("session_id")
            guard let session = try Sessions(db: db).findLocking(id: sessionId), session.isLive(at: now) else {
                return .revoked
            }
            // Read again under its lock: another rotation of this token may have committed since.
            guard let token = try db.queryOne(select + db.dialect.lockingRows, presentedHash) else { return .unknown }
            if let usedAt: Date = try token.get("used_at") {
                let recorded: [UInt8]? = try token.get("successor_hash")
                let withinGrace = unixSeconds(now) - unixSeconds(usedAt) <= Int64(graceSeconds)
                if withinGrace && recorded == successorHash { return .graceReplay(session) }
                try db.execute(
                    "UPDATE refresh_tokens SET used_at = coalesce(used_at, ?) WHERE session_id = ?", now, sessionId)
                try Sessions(db: db).revoke(id: sessionId, reason: "refresh token reuse", now: now)
                try whenReused(session)
                return .reused(sessionId: sessionId)
            }
            let expiresAt: Date = try token.get("expires_at")
            guard expiresAt > now else { return .expired }
            try db.execute(
                "UPDATE refresh_tokens SET used_at = ?, successor_hash = ? WHERE token_hash = ?",
                now, successorHash, presentedHash)
            try issue(
                hash: successorHash, sessionId: sessionId, parentHash: presentedHash, expiresAt: successorExpiresAt,
                now: now)
            // Under its lock nothing changed the session since it was read: untouched, it is as read.
            return .rotated(try Sessions(db: db).touchReturning(id: sessionId, at: now) ?? session)
        }
    }
}
