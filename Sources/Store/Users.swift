#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of `users`. `passwordHash` is a PHC string made by the caller; nil means no password login.
public struct User: Sendable, Equatable {
    public let id: String
    /// Normalised by the caller (trimmed, case-folded, NFC) before it reaches the Store.
    public let email: String
    public let name: String
    public let passwordHash: String?
    public let isActive: Bool
    /// A JSON object, as text.
    public let profile: String
    public let createdAt: Date
    public let updatedAt: Date
    /// The SaaS client whose end user this is (SDK sessions), or nil for the server's own users.
    public let tenant: String?
    /// The end user's id in its client's system; set exactly when `tenant` is.
    public let externalId: String?

    init(row: Row) throws {
        id = try row.get("id")
        email = try row.get("email")
        name = try row.get("name")
        passwordHash = try row.get("password_hash")
        isActive = try row.get("is_active")
        profile = try row.get("profile")
        createdAt = try row.get("created_at")
        updatedAt = try row.get("updated_at")
        tenant = try row.get("tenant")
        externalId = try row.get("external_id")
    }
}

/// The `users` table.
///
///     let users = Users(db: db)
///     let user = try users.insert(email: "ada@example.com", name: "Ada", passwordHash: phc)
public struct Users {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Inserts a user with a new id.
    /// - Throws: ``StoreError/duplicate`` when the email is already registered.
    @discardableResult
    public func insert(
        email: String, name: String = "", passwordHash: String?, isActive: Bool = true, profile: String = "{}",
        now: Date = Date()
    ) throws -> User {
        do {
            let row = try db.queryOne(
                """
                INSERT INTO users (id, email, name, password_hash, is_active, profile, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
                """, newID(), email, name, passwordHash, isActive, profile, now, now)
            return try User(row: row.orThrow())
        } catch let error as StoreError where error == .duplicate {
            throw StoreError.duplicate("email already registered")
        }
    }

    /// The user with this id, or nil.
    public func find(id: String) throws -> User? {
        try db.queryOne("SELECT * FROM users WHERE id = ?", id).map(User.init(row:))
    }

    /// The user with this (normalised) email, or nil. A client's end users are never found by email: they have no
    /// password and sign in only through their client's SDK session.
    public func find(email: String) throws -> User? {
        try db.queryOne("SELECT * FROM users WHERE email = ? AND tenant IS NULL", email).map(User.init(row:))
    }

    /// The end user `externalId` of client `tenant`, created on first use with `name` and `profile`; a later call
    /// updates the name and profile when they are given. Returns the user and whether it was created.
    ///
    /// The row's `email` column is a placeholder unique to the row (`<id>@<tenant>.sdk.invalid`): end users are
    /// unique per (client, external id), not by email, and never sign in by email.
    /// - Throws: ``StoreError/invalidReference`` when the client does not exist.
    public func endUser(
        tenant: String, externalId: String, name: String?, profile: String?, now: Date = Date()
    ) throws -> (user: User, created: Bool) {
        try db.transaction {
            if let row = try db.queryOne(
                "SELECT * FROM users WHERE tenant = ? AND external_id = ?", tenant, externalId)
            {
                let user = try User(row: row)
                guard name != nil || profile != nil else { return (user, false) }
                let updated = try db.queryOne(
                    """
                    UPDATE users SET name = coalesce(?, name), profile = coalesce(?, profile), updated_at = ?
                    WHERE id = ? RETURNING *
                    """, name, profile, now, user.id)
                return (try User(row: updated.orThrow()), false)
            }
            let id = newID()
            let row = try db.queryOne(
                """
                INSERT INTO users (id, email, name, password_hash, is_active, profile, created_at, updated_at, tenant,
                    external_id)
                VALUES (?, ?, ?, NULL, 1, ?, ?, ?, ?, ?) RETURNING *
                """, id, "\(id)@\(tenant).sdk.invalid", name ?? "", profile ?? "{}", now, now, tenant, externalId)
            return (try User(row: row.orThrow()), true)
        }
    }

    /// Changes the fields given and keeps the others; deactivating a user revokes all their sessions in the
    /// same transaction.
    /// - Throws: ``StoreError/notFound``, or ``StoreError/duplicate`` when the new email is taken.
    public func update(
        id: String, email: String? = nil, name: String? = nil, isActive: Bool? = nil, profile: String? = nil,
        now: Date = Date()
    ) throws -> User {
        do {
            return try db.transaction {
                let row = try db.queryOne(
                    """
                    UPDATE users SET email = coalesce(?, email), name = coalesce(?, name),
                        is_active = coalesce(?, is_active), profile = coalesce(?, profile), updated_at = ?
                    WHERE id = ? RETURNING *
                    """, email, name, isActive, profile, now, id)
                guard let row else { throw StoreError.notFound("no such user") }
                if isActive == false {
                    try Sessions(db: db).revokeAll(userId: id, reason: "deactivated", now: now)
                }
                return try User(row: row)
            }
        } catch let error as StoreError where error == .duplicate {
            throw StoreError.duplicate("email already registered")
        }
    }

    /// Sets a new password hash and revokes the user's sessions, all but `keepingSession` (the session that
    /// changed the password; nil after a reset), in one transaction. Returns the number of sessions revoked.
    /// - Throws: ``StoreError/notFound`` when there is no such user.
    @discardableResult
    public func setPasswordHash(
        _ passwordHash: String, forUser id: String, keepingSession: String? = nil, now: Date = Date()
    ) throws -> Int {
        try db.transaction {
            try db.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", passwordHash, now, id)
            guard db.changes == 1 else { throw StoreError.notFound("no such user") }
            return try Sessions(db: db).revokeAll(
                userId: id, except: keepingSession, reason: "password changed", now: now)
        }
    }

    /// Replaces the stored hash of the same password with one made with the current parameters (after a
    /// login verified it). Sessions are untouched: the password did not change.
    public func rehashPassword(_ passwordHash: String, forUser id: String, now: Date = Date()) throws {
        try db.execute("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", passwordHash, now, id)
    }

    /// Deletes the user; their sessions, tokens, roles and assignments go with them and the revocation
    /// epoch moves. Returns false when there was no such user.
    @discardableResult
    public func delete(id: String) throws -> Bool {
        try db.execute("DELETE FROM users WHERE id = ?", id)
        return db.changes == 1
    }

    /// One page of users in creation order, optionally only those whose email or name contains `query`
    /// (case-insensitive for ASCII).
    ///
    /// Keyset paging: rows added while a client walks the pages never make it see a row twice or skip one.
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return.
    ///
    /// Only the server's own users, unless `tenant` names a client: then only that client's end users.
    public func list(limit: Int = 50, cursor: String? = nil, query: String? = nil, tenant: String? = nil) throws
        -> Page<User>
    {
        let limit = Cursor.clamp(limit)
        // Two literals, so the cursor is a range on the (created_at, id) index rather than a filter.
        let rows: [Row]
        if let cursor {
            let parts = try Cursor.decode(cursor, parts: 2)
            guard let createdAt = Int64(parts[0]) else { throw StoreError.invalidCursor }
            rows = try db.query(
                """
                SELECT * FROM users
                WHERE (created_at, id) > (?1, ?2) AND tenant IS NOT DISTINCT FROM ?5
                  AND (?3 IS NULL OR \(db.dialect.containsIgnoringCase("email", "?3")) OR \(db.dialect.containsIgnoringCase("name", "?3")))
                ORDER BY created_at, id LIMIT ?4
                """, createdAt, parts[1], query, limit + 1, tenant)
        } else {
            rows = try db.query(
                """
                SELECT * FROM users
                WHERE tenant IS NOT DISTINCT FROM ?3
                  AND (?1 IS NULL OR \(db.dialect.containsIgnoringCase("email", "?1")) OR \(db.dialect.containsIgnoringCase("name", "?1")))
                ORDER BY created_at, id LIMIT ?2
                """, query, limit + 1, tenant)
        }
        let users = try rows.prefix(limit).map(User.init(row:))
        guard rows.count > limit, let last = users.last else { return Page(items: users, nextCursor: nil) }
        return Page(items: users, nextCursor: Cursor.encode([String(unixSeconds(last.createdAt)), last.id]))
    }

    /// The number of users, optionally only those whose email or name contains `query`.
    public func count(query: String? = nil) throws -> Int {
        let row = try db.queryOne(
            """
            SELECT count(*) AS n FROM users
            WHERE (?1 IS NULL OR \(db.dialect.containsIgnoringCase("email", "?1")) OR \(db.dialect.containsIgnoringCase("name", "?1")))
            """, query)
        return try row.orThrow().get("n")
    }
}

extension Optional where Wrapped == Row {
    /// The row a statement that always returns one did return.
    func orThrow() throws -> Row {
        guard let self else { throw StoreError.notFound("no row returned") }
        return self
    }
}
