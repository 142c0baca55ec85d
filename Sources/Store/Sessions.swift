#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of `sessions`: one login, which access tokens name in `sid`.
public struct Session: Sendable, Equatable {
    public let id: String
    public let userId: String
    public let createdAt: Date
    public let lastUsedAt: Date
    public let expiresAt: Date
    public let ip: String?
    public let userAgent: String?
    public let revokedAt: Date?
    public let revokeReason: String?
    /// The zone and department of the session's context since its last switch; nil: the user's default context.
    public let contextZone: String?
    public let contextDepartment: String?
    /// The `X-Device-Id` the session logged in with.
    public let deviceId: String?
    /// The RFC 8176 methods its login used (`pwd`, `otp`, ...), its tokens' `amr`; empty when none applies (an SDK
    /// session, or a session older than the column).
    public let amr: [String]

    /// Not revoked and not expired at `date`.
    public func isLive(at date: Date = Date()) -> Bool {
        revokedAt == nil && expiresAt > date
    }

    init(row: Row) throws {
        id = try row.get("id")
        userId = try row.get("user_id")
        createdAt = try row.get("created_at")
        lastUsedAt = try row.get("last_used_at")
        expiresAt = try row.get("expires_at")
        ip = try row.get("ip")
        userAgent = try row.get("user_agent")
        revokedAt = try row.get("revoked_at")
        revokeReason = try row.get("revoke_reason")
        contextZone = try row.get("ctx_zone")
        contextDepartment = try row.get("ctx_department")
        deviceId = try row.get("device_id")
        let methods: String? = try row.get("amr")
        amr = methods.map { $0.split(separator: ",").map(String.init) } ?? []
    }
}

/// The `sessions` table and the revocation epoch.
///
/// Every revocation, whatever the path (logout, refresh-token reuse, password change, deactivation, user
/// deletion), moves `revocation_epoch` in the same transaction: triggers on `sessions` do it. Workers cache
/// session status and re-check when ``revocationEpoch()`` moves.
public struct Sessions {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Whether other nodes may revoke sessions in this database (see ``Database/isSharedAcrossNodes``).
    public var isSharedAcrossNodes: Bool { db.isSharedAcrossNodes }

    /// Starts a session for a login; `id` defaults to a fresh UUID (callers holding a faster random source pass
    /// their own).
    /// - Throws: ``StoreError/invalidReference`` when the user does not exist.
    public func create(
        id: String? = nil, userId: String, expiresAt: Date, ip: String? = nil, userAgent: String? = nil,
        deviceId: String? = nil, amr: [String] = [], now: Date = Date()
    ) throws -> Session {
        let row = try db.queryOne(
            """
            INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, ip, user_agent, device_id, amr)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
            """, id ?? newID(), userId, now, now, expiresAt, ip, userAgent, deviceId,
            amr.isEmpty ? nil : amr.joined(separator: ","))
        return try Session(row: row.orThrow())
    }

    /// The session with this id, revoked or not, or nil.
    public func find(id: String) throws -> Session? {
        try db.queryOne("SELECT * FROM sessions WHERE id = ?", id).map(Session.init(row:))
    }

    /// The session, its row locked until the transaction ends (``Database/rowLockingTransaction(_:)``).
    func findLocking(id: String) throws -> Session? {
        try db.queryOne("SELECT * FROM sessions WHERE id = ?" + db.dialect.lockingRows, id).map(Session.init(row:))
    }

    /// Records use of a live session. Writes only when the stored time is older, so repeated calls within
    /// the same second cost no write.
    /// Remembers the session's context and device (a context switch), so later refreshes issue tokens for them.
    public func setContext(id: String, zone: String, department: String, deviceId: String?) throws {
        try db.execute(
            "UPDATE sessions SET ctx_zone = ?, ctx_department = ?, device_id = ? WHERE id = ?", zone, department,
            deviceId, id)
    }

    public func touch(id: String, at date: Date = Date()) throws {
        try db.execute(
            "UPDATE sessions SET last_used_at = ?1 WHERE id = ?2 AND last_used_at < ?1 AND revoked_at IS NULL",
            date, id)
    }

    /// ``touch(id:at:)`` in the same statement as reading the session back: the session as the touch left it,
    /// or nil when nothing was written (already used at or after `date`, revoked, or no such session).
    func touchReturning(id: String, at date: Date) throws -> Session? {
        try db.queryOne(
            """
            UPDATE sessions SET last_used_at = ?1 WHERE id = ?2 AND last_used_at < ?1 AND revoked_at IS NULL
            RETURNING *
            """, date, id
        ).map(Session.init(row:))
    }

    /// The user's live sessions (not revoked, not expired), most recently used first.
    public func list(userId: String, now: Date = Date()) throws -> [Session] {
        try db.query(
            """
            SELECT * FROM sessions WHERE user_id = ? AND revoked_at IS NULL AND expires_at > ?
            ORDER BY last_used_at DESC, id
            """, userId, now
        ).map(Session.init(row:))
    }

    /// Revokes one session. Returns false when it was already revoked or does not exist.
    @discardableResult
    public func revoke(id: String, reason: String = "logout", now: Date = Date()) throws -> Bool {
        try db.execute(
            "UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE id = ? AND revoked_at IS NULL",
            now, reason, id)
        return db.changes == 1
    }

    /// Revokes every unrevoked session of the user except `except`, and returns how many it revoked.
    @discardableResult
    public func revokeAll(
        userId: String, except: String? = nil, reason: String = "logout", now: Date = Date()
    ) throws -> Int {
        try db.execute(
            """
            UPDATE sessions SET revoked_at = ?, revoke_reason = ?
            WHERE user_id = ? AND revoked_at IS NULL AND (?4 IS NULL OR id <> ?4)
            """, now, reason, userId, except)
        return db.changes
    }

    /// Whether the session is revoked; a session that no longer exists (its user was deleted) counts as revoked.
    public func isRevoked(id: String) throws -> Bool {
        guard let row = try db.queryOne("SELECT revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = ?", id)
        else { return true }
        return try row.get("revoked")
    }

    /// The revocation counter: one indexed read of one row. It only ever grows.
    public func revocationEpoch() throws -> Int64 {
        try db.queryOne("SELECT epoch FROM revocation_epoch WHERE id = 1").orThrow().get("epoch")
    }
}
