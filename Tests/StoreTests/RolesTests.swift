import Testing

@testable import Store

@Suite struct RolesTests {
    @Test("upserting a role replaces its description and permissions")
    func upsertReplaces() throws {
        try withDatabase { db throws in
            let roles = Roles(db: db)
            try roles.upsert(name: "viewer", description: "reads", permissions: ["read:data", "user:read"])
            let replaced = try roles.upsert(name: "viewer", description: "reads less", permissions: ["read:data", "read:data"])
            #expect(replaced.permissions == ["read:data"])
            #expect(try roles.find(name: "viewer") == Role(name: "viewer", description: "reads less", permissions: ["read:data"]))
            #expect(try roles.find(name: "nobody") == nil)
            try roles.upsert(name: "admin", permissions: ["*:*"])
            #expect(try roles.list().map(\.name) == ["admin", "viewer"])
            #expect(try roles.list().first?.permissions == ["*:*"])
        }
    }

    @Test("a user's roles are replaced as a whole, and an unknown role changes nothing")
    func setRoles() throws {
        try withDatabase { db throws in
            let roles = Roles(db: db)
            let user = try makeUser(db)
            try roles.upsert(name: "admin", permissions: ["*:*", "read:admin_panel"])
            try roles.upsert(name: "viewer", permissions: ["read:data"])
            try roles.setRoles(["viewer", "admin", "viewer"], forUser: user.id)
            #expect(try roles.rolesOf(userId: user.id) == ["admin", "viewer"])
            #expect(throws: StoreError.invalidReference) { try roles.setRoles(["viewer", "ghost"], forUser: user.id) }
            #expect(try roles.unknown(in: ["viewer", "ghost", "spook"]) == ["ghost", "spook"])
            #expect(try roles.rolesOf(userId: user.id) == ["admin", "viewer"])
            #expect(try roles.permissions(forRoles: ["admin", "viewer"]) == ["*:*", "read:admin_panel", "read:data"])
            #expect(try roles.permissions(forRoles: []) == [])
            try roles.setRoles([], forUser: user.id)
            #expect(try roles.rolesOf(userId: user.id) == [])
        }
    }

    @Test("deleting a role removes it from users")
    func deleteRole() throws {
        try withDatabase { db throws in
            let roles = Roles(db: db)
            let user = try makeUser(db)
            try roles.upsert(name: "viewer", permissions: ["read:data"])
            try roles.setRoles(["viewer"], forUser: user.id)
            #expect(try roles.delete(name: "viewer"))
            #expect(try !roles.delete(name: "viewer"))
            #expect(try roles.rolesOf(userId: user.id) == [])
            #expect(try roles.permissions(forRoles: ["viewer"]) == [])
        }
    }
}
