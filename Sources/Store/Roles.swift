#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A role and the permissions it grants (`resource:action` strings, as written).
public struct Role: Sendable, Equatable {
    public let name: String
    public let description: String
    /// Sorted.
    public let permissions: [String]
}

/// The `roles`, `role_permissions` and `user_roles` tables.
public struct Roles {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Creates the role or replaces its description and all its permissions, in one transaction.
    @discardableResult
    public func upsert(name: String, description: String = "", permissions: [String]) throws -> Role {
        try db.transaction {
            try db.execute(
                """
                INSERT INTO roles (name, description) VALUES (?, ?)
                ON CONFLICT (name) DO UPDATE SET description = excluded.description
                """, name, description)
            try db.execute("DELETE FROM role_permissions WHERE role = ?", name)
            for permission in Set(permissions) {
                try db.execute("INSERT INTO role_permissions (role, permission) VALUES (?, ?)", name, permission)
            }
            return Role(name: name, description: description, permissions: Set(permissions).sorted())
        }
    }

    /// Creates a role that does not exist yet.
    /// - Throws: ``StoreError/duplicate`` when a role of this name exists (nothing changes).
    @discardableResult
    public func create(name: String, description: String = "", permissions: [String]) throws -> Role {
        try db.transaction {
            try db.execute("INSERT INTO roles (name, description) VALUES (?, ?)", name, description)
            for permission in Set(permissions) {
                try db.execute("INSERT INTO role_permissions (role, permission) VALUES (?, ?)", name, permission)
            }
            return Role(name: name, description: description, permissions: Set(permissions).sorted())
        }
    }

    /// The role with this name, or nil.
    public func find(name: String) throws -> Role? {
        guard let row = try db.queryOne("SELECT name, description FROM roles WHERE name = ?", name) else {
            return nil
        }
        let permissions = try db.query(
            "SELECT permission FROM role_permissions WHERE role = ? ORDER BY permission", name
        ).map { try $0.get("permission", as: String.self) }
        return Role(name: name, description: try row.get("description"), permissions: permissions)
    }

    /// Every role, by name.
    public func list() throws -> [Role] {
        var permissions: [String: [String]] = [:]
        for row in try db.query("SELECT role, permission FROM role_permissions ORDER BY role, permission") {
            permissions[try row.get("role"), default: []].append(try row.get("permission"))
        }
        return try db.query("SELECT name, description FROM roles ORDER BY name").map { row in
            let name: String = try row.get("name")
            return Role(name: name, description: try row.get("description"), permissions: permissions[name] ?? [])
        }
    }

    /// One page of roles by name (keyset paging on the name).
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return.
    public func list(limit: Int, cursor: String? = nil) throws -> Page<Role> {
        let limit = Cursor.clamp(limit)
        let after = try cursor.map { try Cursor.decode($0, parts: 1)[0] } ?? ""
        let rows = try db.query(
            "SELECT name, description FROM roles WHERE name > ? ORDER BY name LIMIT ?", after, limit + 1)
        let page = rows.prefix(limit)
        var permissions: [String: [String]] = [:]
        for row in try db.query(
            """
            SELECT role, permission FROM role_permissions
            WHERE role IN (SELECT value FROM \(db.dialect.jsonTextElements("?"))) ORDER BY role, permission
            """, try jsonArray(try page.map { try $0.get("name", as: String.self) }))
        {
            permissions[try row.get("role"), default: []].append(try row.get("permission"))
        }
        let roles = try page.map { row in
            let name: String = try row.get("name")
            return Role(name: name, description: try row.get("description"), permissions: permissions[name] ?? [])
        }
        guard rows.count > limit, let last = roles.last else { return Page(items: roles, nextCursor: nil) }
        return Page(items: roles, nextCursor: Cursor.encode([last.name]))
    }

    /// Deletes the role; its permissions, user grants and assignments go with it. False when there was none.
    @discardableResult
    public func delete(name: String) throws -> Bool {
        try db.execute("DELETE FROM roles WHERE name = ?", name)
        return db.changes == 1
    }

    /// The names among `names` that are not roles, so a caller can name them in a 422.
    public func unknown(in names: [String]) throws -> [String] {
        try db.query(
            "SELECT DISTINCT value FROM \(db.dialect.jsonTextElements("?")) WHERE value NOT IN (SELECT name FROM roles) ORDER BY value",
            jsonArray(names)
        ).map { try $0.get("value", as: String.self) }
    }

    /// The user's global roles, by name.
    public func rolesOf(userId: String) throws -> [String] {
        try db.query("SELECT role FROM user_roles WHERE user_id = ? ORDER BY role", userId).map {
            try $0.get("role", as: String.self)
        }
    }

    /// The global roles of each of `userIds`, by name; users without roles map to an empty list.
    public func rolesOf(userIds: [String]) throws -> [String: [String]] {
        var roles = Dictionary(uniqueKeysWithValues: Set(userIds).map { ($0, [String]()) })
        for row in try db.query(
            """
            SELECT user_id, role FROM user_roles
            WHERE user_id IN (SELECT value FROM \(db.dialect.jsonTextElements("?"))) ORDER BY user_id, role
            """, try jsonArray(userIds))
        {
            roles[try row.get("user_id"), default: []].append(try row.get("role"))
        }
        return roles
    }

    /// Replaces the user's global roles, in one transaction.
    /// - Throws: ``StoreError/invalidReference`` when a role does not exist (nothing changes; see
    ///   ``unknown(in:)``) or the user does not exist.
    public func setRoles(_ roles: [String], forUser userId: String) throws {
        try db.transaction {
            guard try unknown(in: roles).isEmpty else { throw StoreError.invalidReference("unknown role") }
            try db.execute("DELETE FROM user_roles WHERE user_id = ?", userId)
            for role in Set(roles) {
                try db.execute("INSERT INTO user_roles (user_id, role) VALUES (?, ?)", userId, role)
            }
        }
    }

    /// The permissions granted by any of `roles`, sorted, each once.
    public func permissions(forRoles roles: [String]) throws -> [String] {
        try db.query(
            """
            SELECT DISTINCT permission FROM role_permissions
            WHERE role IN (SELECT value FROM \(db.dialect.jsonTextElements("?"))) ORDER BY permission
            """, jsonArray(roles)
        ).map { try $0.get("permission", as: String.self) }
    }

    /// A list of names as one bound JSON array, so a variable-length `IN` needs no SQL built at run time.
    private func jsonArray(_ names: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
    }
}
