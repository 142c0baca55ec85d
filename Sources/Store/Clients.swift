#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A SaaS client (API.md "SaaS clients"): its allowlists, the roles its end users may be given, and its live keys.
public struct Client: Sendable, Equatable {
    public let id: String
    public let name: String
    /// CIDR blocks, as given (checked by the caller).
    public let ipAllowlist: [String]
    public let originAllowlist: [String]
    public let rolesAllowed: [String]
    public let createdAt: Date
    public let updatedAt: Date
    /// The primary and secondary keys, primary first; never revoked ones, never a secret.
    public let keys: [ClientKey]
}

/// What a client's listing shows of one of its keys.
public struct ClientKey: Sendable, Equatable {
    public let kid: String
    /// `primary` or `secondary`.
    public let state: String
    public let createdAt: Date
    public let lastUsedAt: Date?
}

/// A live key as validation needs it: its hash, its client, when it was last used.
public struct StoredAPIKey: Sendable, Equatable {
    public let kid: String
    public let secretHash: [UInt8]
    public let lastUsedAt: Date?
    public let client: Client
}

/// The `clients` and `api_keys` tables and the client change counter.
///
/// Every change to a client row or a key's state (update, rotation, revocation, deletion) moves `client_epoch` in
/// the same transaction (triggers do it), so workers that cache validated keys drop them when it moves.
///
///     let clients = Clients(db: db)
///     let client = try clients.create(name: "Acme", ipAllowlist: ["10.0.0.0/8"], originAllowlist: [],
///                                     rolesAllowed: [], kid: kid, secretHash: hash)
public struct Clients {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Creates a client with its first (primary) key.
    public func create(
        name: String, ipAllowlist: [String], originAllowlist: [String], rolesAllowed: [String], kid: String,
        secretHash: [UInt8], now: Date = Date()
    ) throws -> Client {
        let id = newID()
        try db.transaction {
            try db.execute(
                """
                INSERT INTO clients (id, name, ip_allowlist, origin_allowlist, roles_allowed, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, id, name, try json(ipAllowlist), try json(originAllowlist), try json(rolesAllowed), now, now)
            try db.execute(
                "INSERT INTO api_keys (kid, client_id, secret_hash, state, created_at) VALUES (?, ?, ?, 'primary', ?)",
                kid, id, secretHash, now)
        }
        return try find(id: id).orThrowNotFound()
    }

    /// The client with this id and its live keys, or nil.
    public func find(id: String) throws -> Client? {
        guard let row = try db.queryOne("SELECT * FROM clients WHERE id = ?", id) else { return nil }
        return try client(row, keys: try keys(of: [id])[id] ?? [])
    }

    /// One page of clients in creation order (keyset paging on `(created_at, id)`).
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return.
    public func list(limit: Int = 50, cursor: String? = nil) throws -> Page<Client> {
        let limit = Cursor.clamp(limit)
        var after: (Int64, String) = (Int64.min, "")
        if let cursor {
            let parts = try Cursor.decode(cursor, parts: 2)
            guard let createdAt = Int64(parts[0]) else { throw StoreError.invalidCursor }
            after = (createdAt, parts[1])
        }
        let rows = try db.query(
            "SELECT * FROM clients WHERE (created_at, id) > (?1, ?2) ORDER BY created_at, id LIMIT ?3",
            after.0, after.1, limit + 1)
        let page = Array(rows.prefix(limit))
        let keys = try keys(of: try page.map { try $0.get("id", as: String.self) })
        let clients = try page.map { row in try client(row, keys: keys[try row.get("id")] ?? []) }
        guard rows.count > limit, let last = clients.last else { return Page(items: clients, nextCursor: nil) }
        return Page(
            items: clients,
            nextCursor: Cursor.encode([String(Int64(last.createdAt.timeIntervalSince1970)), last.id]))
    }

    /// Changes the fields given and keeps the others. Narrowing `roles_allowed` takes the roles no longer allowed
    /// from the client's end users in the same transaction (their next token no longer has them).
    /// - Throws: ``StoreError/notFound`` when there is no such client.
    public func update(
        id: String, name: String? = nil, ipAllowlist: [String]? = nil, originAllowlist: [String]? = nil,
        rolesAllowed: [String]? = nil, now: Date = Date()
    ) throws -> Client {
        try db.transaction {
            try updateRow(
                id: id, name: name, ipAllowlist: ipAllowlist, originAllowlist: originAllowlist,
                rolesAllowed: rolesAllowed, now: now)
            if let rolesAllowed {
                try db.execute(
                    """
                    DELETE FROM user_roles
                    WHERE user_id IN (SELECT id FROM users WHERE tenant = ?)
                      AND role NOT IN (SELECT value FROM \(db.dialect.jsonTextElements("?")))
                    """, id, try json(rolesAllowed))
            }
        }
        return try find(id: id).orThrowNotFound()
    }

    private func updateRow(
        id: String, name: String?, ipAllowlist: [String]?, originAllowlist: [String]?, rolesAllowed: [String]?,
        now: Date
    ) throws {
        try db.execute(
            """
            UPDATE clients SET name = coalesce(?, name), ip_allowlist = coalesce(?, ip_allowlist),
                origin_allowlist = coalesce(?, origin_allowlist), roles_allowed = coalesce(?, roles_allowed),
                updated_at = ?
            WHERE id = ?
            """, name, try ipAllowlist.map(json), try originAllowlist.map(json), try rolesAllowed.map(json), now, id)
        guard db.changes == 1 else { throw StoreError.notFound("no such client") }
    }

    /// Deletes the client: its end users' sessions are revoked first (the revocation counter moves), then the
    /// client, its keys and its end users go. False when there was no such client.
    @discardableResult
    public func delete(id: String, now: Date = Date()) throws -> Bool {
        try db.transaction {
            try db.execute(
                """
                UPDATE sessions SET revoked_at = ?, revoke_reason = 'client deleted'
                WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE tenant = ?)
                """, now, id)
            try db.execute("DELETE FROM clients WHERE id = ?", id)
            return db.changes == 1
        }
    }

    /// Makes a new primary key: the old primary becomes secondary (still valid) and the previous secondary is
    /// revoked, in one transaction. False when there is no such client.
    public func rotate(clientId: String, kid: String, secretHash: [UInt8], now: Date = Date()) throws -> Bool {
        try db.transaction {
            guard try db.queryOne("SELECT id FROM clients WHERE id = ?", clientId) != nil else { return false }
            try db.execute(
                "UPDATE api_keys SET state = 'revoked', revoked_at = ? WHERE client_id = ? AND state = 'secondary'",
                now, clientId)
            try db.execute(
                "UPDATE api_keys SET state = 'secondary' WHERE client_id = ? AND state = 'primary'", clientId)
            try db.execute(
                "INSERT INTO api_keys (kid, client_id, secret_hash, state, created_at) VALUES (?, ?, ?, 'primary', ?)",
                kid, clientId, secretHash, now)
            try db.execute("UPDATE clients SET updated_at = ? WHERE id = ?", now, clientId)
            return true
        }
    }

    /// Revokes one of the client's live keys. False when the client has no such live key.
    @discardableResult
    public func revokeKey(clientId: String, kid: String, now: Date = Date()) throws -> Bool {
        try db.execute(
            """
            UPDATE api_keys SET state = 'revoked', revoked_at = ?
            WHERE kid = ? AND client_id = ? AND state <> 'revoked'
            """, now, kid, clientId)
        return db.changes == 1
    }

    /// The live (primary or secondary) key with this kid and its client, or nil: one indexed read by kid.
    public func liveKey(kid: String) throws -> StoredAPIKey? {
        guard
            let row = try db.queryOne(
                """
                SELECT secret_hash, last_used_at, client_id FROM api_keys
                WHERE kid = ? AND state IN ('primary', 'secondary')
                """, kid),
            let client = try find(id: try row.get("client_id"))
        else { return nil }
        return StoredAPIKey(
            kid: kid, secretHash: try row.get("secret_hash"), lastUsedAt: try row.get("last_used_at"), client: client)
    }

    /// Records that the key was used at `date`, unless it was recorded less than a minute before (at most one write
    /// a minute per key). Returns whether it wrote.
    @discardableResult
    public func touchKey(kid: String, at date: Date = Date()) throws -> Bool {
        let seconds = Int64(date.timeIntervalSince1970)
        try db.execute(
            "UPDATE api_keys SET last_used_at = ?1 WHERE kid = ?2 AND (last_used_at IS NULL OR last_used_at <= ?3)",
            seconds, kid, seconds - 60)
        return db.changes == 1
    }

    /// The client change counter: one indexed read of one row. It only ever grows.
    public func changeEpoch() throws -> Int64 {
        try db.queryOne("SELECT epoch FROM client_epoch WHERE id = 1").orThrow().get("epoch")
    }

    // MARK: Rows

    private func keys(of clientIds: [String]) throws -> [String: [ClientKey]] {
        guard !clientIds.isEmpty else { return [:] }
        var keys: [String: [ClientKey]] = [:]
        for row in try db.query(
            """
            SELECT kid, client_id, state, created_at, last_used_at FROM api_keys
            WHERE state IN ('primary', 'secondary')
              AND client_id IN (SELECT value FROM \(db.dialect.jsonTextElements("?")))
            ORDER BY client_id, state, created_at DESC, kid
            """, try json(clientIds))
        {
            keys[try row.get("client_id"), default: []].append(
                ClientKey(
                    kid: try row.get("kid"), state: try row.get("state"), createdAt: try row.get("created_at"),
                    lastUsedAt: try row.get("last_used_at")))
        }
        return keys
    }

    private func client(_ row: Row, keys: [ClientKey]) throws -> Client {
        Client(
            id: try row.get("id"), name: try row.get("name"), ipAllowlist: try strings(try row.get("ip_allowlist")),
            originAllowlist: try strings(try row.get("origin_allowlist")),
            rolesAllowed: try strings(try row.get("roles_allowed")), createdAt: try row.get("created_at"),
            updatedAt: try row.get("updated_at"), keys: keys)
    }

    private func json(_ values: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
    }

    private func strings(_ text: String) throws -> [String] {
        do {
            return try JSONDecoder().decode([String].self, from: Data(text.utf8))
        } catch {
            throw StoreError.typeMismatch("a client list column is not a JSON array of strings")
        }
    }
}

extension Optional where Wrapped == Client {
    fileprivate func orThrowNotFound() throws -> Client {
        guard let self else { throw StoreError.notFound("no such client") }
        return self
    }
}
