import Testing

@testable import Store

@Suite struct RolesTests {
    @Test("upserting a role replaces its description and permissions", arguments: testBackends)
    func upsertReplaces(backend: Backend) throws {
        try withDatabase(backend) { db throws in
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

    @Test("a user's roles are replaced as a whole, and an unknown role changes nothing", arguments: testBackends)
    func setRoles(backend: Backend) throws {
        try withDatabase(backend) { db throws in
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

    @Test("deleting a role removes it from users", arguments: testBackends)
    func deleteRole(backend: Backend) throws {
        try withDatabase(backend) { db throws in
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

    @Test("creating a role that exists throws duplicate and changes nothing", arguments: testBackends)
    func createRefusesExisting(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let roles = Roles(db: db)
            let created = try roles.create(
                name: "viewer", description: "reads", permissions: ["read:data", "read:data"])
            #expect(created == Role(name: "viewer", description: "reads", permissions: ["read:data"]))
            #expect(throws: StoreError.duplicate) {
                try roles.create(name: "viewer", description: "other", permissions: ["*:*"])
            }
            #expect(try roles.find(name: "viewer") == created)
        }
    }

    @Test("keyset paging walks every role once, by name, with its permissions", arguments: testBackends)
    func paging(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let roles = Roles(db: db)
            for index in 0..<7 {
                try roles.upsert(name: "role-\(index)", permissions: ["read:r\(index)", "write:r\(index)"])
            }
            var seen: [Role] = []
            var cursor: String?
            repeat {
                let page = try roles.list(limit: 3, cursor: cursor)
                #expect(page.items.count <= 3)
                seen += page.items
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.map(\.name) == (0..<7).map { "role-\($0)" })
            #expect(seen.last?.permissions == ["read:r6", "write:r6"])
            #expect(try roles.list(limit: 7).nextCursor == nil)
            #expect(throws: StoreError.invalidCursor) { try roles.list(limit: 3, cursor: "!!") }
        }
    }

    @Test("the roles of many users come back in one map, empty for users without roles", arguments: testBackends)
    func rolesOfMany(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let roles = Roles(db: db)
            let ada = try makeUser(db)
            let bob = try makeUser(db, email: "bob@example.com")
            try roles.upsert(name: "admin", permissions: ["*:*"])
            try roles.upsert(name: "viewer", permissions: ["read:data"])
            try roles.setRoles(["viewer", "admin"], forUser: ada.id)
            #expect(try roles.rolesOf(userIds: [ada.id, bob.id]) == [ada.id: ["admin", "viewer"], bob.id: []])
            #expect(try roles.rolesOf(userIds: []) == [:])
        }
    }
}
