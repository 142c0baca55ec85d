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

    /// Deletes the role; its permissions, user grants and assignments go with it. False when there was none.
    @discardableResult
    public func delete(name: String) throws -> Bool {
        try db.execute("DELETE FROM roles WHERE name = ?", name)
        return db.changes == 1
    }

    /// The names among `names` that are not roles, so a caller can name them in a 422.
    public func unknown(in names: [String]) throws -> [String] {
        try db.query(
            "SELECT DISTINCT value FROM json_each(?) WHERE value NOT IN (SELECT name FROM roles) ORDER BY value",
            jsonArray(names)
        ).map { try $0.get("value", as: String.self) }
    }

    /// The user's global roles, by name.
    public func rolesOf(userId: String) throws -> [String] {
        try db.query("SELECT role FROM user_roles WHERE user_id = ? ORDER BY role", userId).map {
            try $0.get("role", as: String.self)
        }
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
            WHERE role IN (SELECT value FROM json_each(?)) ORDER BY permission
            """, jsonArray(roles)
        ).map { try $0.get("permission", as: String.self) }
    }

    /// A list of names as one bound JSON array, so a variable-length `IN` needs no SQL built at run time.
    private func jsonArray(_ names: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
    }
}
