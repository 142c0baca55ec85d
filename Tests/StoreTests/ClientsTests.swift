import Foundation
import Testing

@testable import Store

@Suite struct ClientsTests {
    static let hash = [UInt8](repeating: 1, count: 32)

    private func makeClient(_ db: Database, name: String = "Acme", kid: String = "kid000000001") throws -> Client {
        try Clients(db: db).create(
            name: name, ipAllowlist: ["10.0.0.0/8", "2001:db8::/32"], originAllowlist: ["https://app.example.com"],
            rolesAllowed: [], kid: kid, secretHash: Self.hash)
    }

    @Test("a client is created with one primary key and read back with its lists", arguments: testBackends)
    func createAndFind(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let client = try makeClient(db)
            #expect(client.name == "Acme")
            #expect(client.ipAllowlist == ["10.0.0.0/8", "2001:db8::/32"])
            #expect(client.originAllowlist == ["https://app.example.com"])
            #expect(client.keys.map(\.kid) == ["kid000000001"])
            #expect(client.keys.map(\.state) == ["primary"])
            #expect(try Clients(db: db).find(id: client.id) == client)
            #expect(try Clients(db: db).find(id: "nope") == nil)
            let stored = try #require(try Clients(db: db).liveKey(kid: "kid000000001"))
            #expect(stored.secretHash == Self.hash)
            #expect(stored.client.id == client.id)
        }
    }

    @Test("clients page in creation order", arguments: testBackends)
    func paging(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            var ids: [String] = []
            for index in 0..<5 { ids.append(try makeClient(db, name: "c\(index)", kid: "kid00000000\(index)").id) }
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try Clients(db: db).list(limit: 2, cursor: cursor)
                seen += page.items.map(\.id)
                #expect(page.items.allSatisfy { $0.keys.count == 1 })
                cursor = page.nextCursor
            } while cursor != nil
            #expect(Set(seen) == Set(ids))
            #expect(seen.count == 5)
            #expect(throws: StoreError.invalidCursor) { try Clients(db: db).list(cursor: "garbage") }
        }
    }

    @Test("rotation keeps the old primary as secondary and revokes the previous secondary", arguments: testBackends)
    func rotation(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let clients = Clients(db: db)
            let client = try makeClient(db)
            let before = try clients.changeEpoch()
            #expect(try clients.rotate(clientId: client.id, kid: "kid000000002", secretHash: Self.hash))
            #expect(try clients.changeEpoch() > before)
            var keys = try #require(try clients.find(id: client.id)).keys
            #expect(keys.map(\.kid) == ["kid000000002", "kid000000001"])
            #expect(keys.map(\.state) == ["primary", "secondary"])
            #expect(try clients.liveKey(kid: "kid000000001") != nil)
            #expect(try clients.rotate(clientId: client.id, kid: "kid000000003", secretHash: Self.hash))
            keys = try #require(try clients.find(id: client.id)).keys
            #expect(keys.map(\.kid) == ["kid000000003", "kid000000002"])
            #expect(try clients.liveKey(kid: "kid000000001") == nil)
            #expect(try !clients.rotate(clientId: "nope", kid: "kid000000004", secretHash: Self.hash))
        }
    }

    @Test("revoking a key and updating a client move the change counter", arguments: testBackends)
    func revokeAndUpdate(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let clients = Clients(db: db)
            let client = try makeClient(db)
            var epoch = try clients.changeEpoch()
            let updated = try clients.update(id: client.id, ipAllowlist: ["192.0.2.0/24"])
            #expect(updated.ipAllowlist == ["192.0.2.0/24"])
            #expect(updated.name == "Acme")
            #expect(updated.originAllowlist == ["https://app.example.com"])
            #expect(try clients.changeEpoch() > epoch)
            epoch = try clients.changeEpoch()
            #expect(try clients.revokeKey(clientId: client.id, kid: "kid000000001"))
            #expect(try clients.changeEpoch() > epoch)
            #expect(try clients.liveKey(kid: "kid000000001") == nil)
            #expect(try !clients.revokeKey(clientId: client.id, kid: "kid000000001"))
            #expect(try #require(try clients.find(id: client.id)).keys.isEmpty)
            #expect(throws: StoreError.notFound) { try clients.update(id: "nope", name: "x") }
        }
    }

    @Test("last use is written at most once a minute", arguments: testBackends)
    func touch(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let clients = Clients(db: db)
            _ = try makeClient(db)
            let epoch = try clients.changeEpoch()
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            #expect(try clients.touchKey(kid: "kid000000001", at: start))
            #expect(try !clients.touchKey(kid: "kid000000001", at: start.addingTimeInterval(59)))
            #expect(try clients.touchKey(kid: "kid000000001", at: start.addingTimeInterval(60)))
            #expect(try clients.liveKey(kid: "kid000000001")?.lastUsedAt == start.addingTimeInterval(60))
            // Last use is not a change the caches must see.
            #expect(try clients.changeEpoch() == epoch)
        }
    }

    @Test("end users are unique per client and external id, hidden from the default user list", arguments: testBackends)
    func endUsers(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            let a = try makeClient(db, name: "A", kid: "kid00000000a")
            let b = try makeClient(db, name: "B", kid: "kid00000000b")
            let own = try users.insert(email: "own@example.com", name: "Own", passwordHash: nil)
            let first = try users.endUser(tenant: a.id, externalId: "u1", name: "U", profile: nil)
            #expect(first.created)
            #expect(first.user.tenant == a.id && first.user.externalId == "u1")
            let again = try users.endUser(tenant: a.id, externalId: "u1", name: nil, profile: nil)
            #expect(!again.created && again.user.id == first.user.id)
            let other = try users.endUser(tenant: b.id, externalId: "u1", name: nil, profile: nil)
            #expect(other.created && other.user.id != first.user.id)
            #expect(try users.list().items.map(\.id) == [own.id])
            #expect(try users.list(tenant: a.id).items.map(\.id) == [first.user.id])
            #expect(try users.list(tenant: b.id).items.map(\.id) == [other.user.id])
            #expect(try users.find(email: first.user.email) == nil)
            #expect(try users.find(email: "own@example.com")?.id == own.id)
        }
    }

    @Test("deleting a client revokes its end users' sessions and removes its keys and end users", arguments: testBackends)
    func deleteClient(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let clients = Clients(db: db)
            let sessions = Sessions(db: db)
            let client = try makeClient(db)
            let user = try Users(db: db).endUser(tenant: client.id, externalId: "u1", name: nil, profile: nil).user
            let session = try sessions.create(userId: user.id, expiresAt: Date().addingTimeInterval(3600))
            let revocations = try sessions.revocationEpoch()
            let epoch = try clients.changeEpoch()
            #expect(try clients.delete(id: client.id))
            #expect(try sessions.revocationEpoch() > revocations)
            #expect(try clients.changeEpoch() > epoch)
            #expect(try sessions.isRevoked(id: session.id))
            #expect(try Users(db: db).find(id: user.id) == nil)
            #expect(try clients.liveKey(kid: "kid000000001") == nil)
            #expect(try !clients.delete(id: client.id))
        }
    }

    @Test("narrowing roles_allowed takes the roles no longer allowed from the client's end users", arguments: testBackends)
    func narrowRoles(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let roles = Roles(db: db)
            try roles.upsert(name: "small", permissions: ["docs:read"])
            try roles.upsert(name: "big", permissions: ["docs:write"])
            let clients = Clients(db: db)
            let client = try clients.create(
                name: "A", ipAllowlist: [], originAllowlist: [], rolesAllowed: ["small", "big"], kid: "kid000000001",
                secretHash: Self.hash)
            let own = try Users(db: db).insert(email: "own@example.com", passwordHash: nil)
            try roles.setRoles(["big"], forUser: own.id)
            let end = try Users(db: db).endUser(tenant: client.id, externalId: "u", name: nil, profile: nil).user
            try roles.setRoles(["small", "big"], forUser: end.id)
            _ = try clients.update(id: client.id, rolesAllowed: ["small"])
            #expect(try roles.rolesOf(userId: end.id) == ["small"])
            #expect(try roles.rolesOf(userId: own.id) == ["big"])
        }
    }
}
