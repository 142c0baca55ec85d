#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of `assignments`: a role held by a user inside a zone and department, with business rules.
public struct Assignment: Sendable, Equatable {
    public let id: String
    public let userId: String
    public let zone: String
    public let department: String
    public let role: String
    public let isPrimary: Bool
    public let active: Bool
    /// A JSON object, as text: allowed hours, CIDRs, device ids.
    public let rules: String
    public let createdAt: Date

    init(row: Row) throws {
        id = try row.get("id")
        userId = try row.get("user_id")
        zone = try row.get("zone")
        department = try row.get("department")
        role = try row.get("role")
        isPrimary = try row.get("is_primary")
        active = try row.get("active")
        rules = try row.get("rules")
        createdAt = try row.get("created_at")
    }
}

/// The `assignments` table. A user has at most one primary assignment: a partial UNIQUE index enforces it,
/// and making one primary clears the old primary in the same transaction. At most one assignment per
/// (user, zone, department).
public struct Assignments {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// The user's assignments, primary first, then by zone and department.
    public func list(userId: String) throws -> [Assignment] {
        try db.query(
            "SELECT * FROM assignments WHERE user_id = ? ORDER BY is_primary DESC, zone, department", userId
        ).map(Assignment.init(row:))
    }

    /// The assignment with this id if it belongs to the user, or nil.
    public func find(id: String, userId: String) throws -> Assignment? {
        try db.queryOne("SELECT * FROM assignments WHERE id = ? AND user_id = ?", id, userId)
            .map(Assignment.init(row:))
    }

    /// The user's assignment in this zone and department, or nil (for context switches).
    public func find(userId: String, zone: String, department: String) throws -> Assignment? {
        try db.queryOne(
            "SELECT * FROM assignments WHERE user_id = ? AND zone = ? AND department = ?", userId, zone, department
        ).map(Assignment.init(row:))
    }

    /// Creates an assignment; when `isPrimary`, the user's old primary stops being primary.
    /// - Throws: ``StoreError/duplicate`` when the user already has one in this zone and department,
    ///   ``StoreError/invalidReference`` when the user or role does not exist.
    public func create(
        userId: String, zone: String, department: String, role: String, isPrimary: Bool = false,
        active: Bool = true, rules: String = "{}", now: Date = Date()
    ) throws -> Assignment {
        try db.transaction {
            if isPrimary {
                try db.execute("UPDATE assignments SET is_primary = 0 WHERE user_id = ? AND is_primary = 1", userId)
            }
            let row = try db.queryOne(
                """
                INSERT INTO assignments (id, user_id, zone, department, role, is_primary, active, rules, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *
                """, newID(), userId, zone, department, role, isPrimary, active, rules, now)
            return try Assignment(row: row.orThrow())
        }
    }

    /// Changes the fields given and keeps the others; making it primary clears the user's old primary.
    /// - Throws: ``StoreError/notFound`` when the user has no such assignment.
    public func update(
        id: String, userId: String, zone: String? = nil, department: String? = nil, role: String? = nil,
        isPrimary: Bool? = nil, active: Bool? = nil, rules: String? = nil
    ) throws -> Assignment {
        try db.transaction {
            if isPrimary == true {
                try db.execute(
                    "UPDATE assignments SET is_primary = 0 WHERE user_id = ? AND is_primary = 1 AND id <> ?",
                    userId, id)
            }
            let row = try db.queryOne(
                """
                UPDATE assignments SET zone = coalesce(?, zone), department = coalesce(?, department),
                    role = coalesce(?, role), is_primary = coalesce(?, is_primary), active = coalesce(?, active),
                    rules = coalesce(?, rules)
                WHERE id = ? AND user_id = ? RETURNING *
                """, zone, department, role, isPrimary, active, rules, id, userId)
            guard let row else { throw StoreError.notFound("no such assignment") }
            return try Assignment(row: row)
        }
    }

    /// Deletes one of the user's assignments. False when the user has no such assignment.
    @discardableResult
    public func delete(id: String, userId: String) throws -> Bool {
        try db.execute("DELETE FROM assignments WHERE id = ? AND user_id = ?", id, userId)
        return db.changes == 1
    }

    /// The user's primary assignment if it is active, or nil: the default `ctx` of a new token.
    public func primaryActive(userId: String) throws -> Assignment? {
        try db.queryOne(
            "SELECT * FROM assignments WHERE user_id = ? AND is_primary = 1 AND active = 1", userId
        ).map(Assignment.init(row:))
    }
}
