import Foundation
import Testing

@testable import Store

@Suite struct UsersTests {
    @Test("a user round-trips with a lowercase UUID id and whole-second times", arguments: testBackends)
    func insertAndFind(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            let user = try users.insert(
                email: "ada@example.com", name: "Ada", passwordHash: "$argon2id$h", profile: #"{"tz":"UTC"}"#,
                now: t0.addingTimeInterval(0.7))
            #expect(UUID(uuidString: user.id) != nil)
            #expect(user.id == user.id.lowercased())
            #expect(user.createdAt == t0)
            #expect(user.isActive)
            #expect(try users.find(id: user.id) == user)
            #expect(try users.find(email: "ada@example.com") == user)
            #expect(try users.find(email: "nobody@example.com") == nil)
        }
    }

    @Test("registering an email twice throws duplicate", arguments: testBackends)
    func duplicateEmail(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            try users.insert(email: "ada@example.com", passwordHash: nil)
            #expect(throws: StoreError.duplicate) { try users.insert(email: "ada@example.com", passwordHash: nil) }
            let other = try users.insert(email: "bob@example.com", passwordHash: nil)
            #expect(throws: StoreError.duplicate) { try users.update(id: other.id, email: "ada@example.com") }
        }
    }

    @Test("a partial update changes only the fields given", arguments: testBackends)
    func partialUpdate(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            let user = try users.insert(email: "ada@example.com", name: "Ada", passwordHash: "h", now: t0)
            let renamed = try users.update(id: user.id, name: "Ada L.", now: t0.addingTimeInterval(5))
            #expect(renamed.name == "Ada L.")
            #expect(renamed.email == user.email && renamed.isActive && renamed.profile == "{}")
            #expect(renamed.passwordHash == "h")
            #expect(renamed.updatedAt == t0.addingTimeInterval(5))
            #expect(throws: StoreError.notFound) { try users.update(id: "missing", name: "x") }
            #expect(throws: StoreError.constraint) { try users.update(id: user.id, profile: "not json") }
        }
    }

    @Test("deactivating a user revokes their sessions and moves the revocation epoch", arguments: testBackends)
    func deactivationRevokes(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            let sessions = Sessions(db: db)
            let user = try makeUser(db)
            let session = try sessions.create(userId: user.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            let epoch = try sessions.revocationEpoch()
            _ = try users.update(id: user.id, isActive: false, now: t0)
            #expect(try sessions.isRevoked(id: session.id))
            #expect(try sessions.find(id: session.id)?.revokeReason == "deactivated")
            #expect(try sessions.revocationEpoch() > epoch)
        }
    }

    @Test("a password change keeps the current session and revokes the others", arguments: testBackends)
    func passwordChange(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            let sessions = Sessions(db: db)
            let user = try makeUser(db)
            let current = try sessions.create(userId: user.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            let other = try sessions.create(userId: user.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            #expect(try users.setPasswordHash("new", forUser: user.id, keepingSession: current.id, now: t0) == 1)
            #expect(try users.find(id: user.id)?.passwordHash == "new")
            #expect(try !sessions.isRevoked(id: current.id))
            #expect(try sessions.isRevoked(id: other.id))
            #expect(throws: StoreError.notFound) { try users.setPasswordHash("x", forUser: "missing") }
        }
    }

    @Test("deleting a user removes their sessions and moves the revocation epoch", arguments: testBackends)
    func deleteCascades(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            let sessions = Sessions(db: db)
            let user = try makeUser(db)
            let session = try sessions.create(userId: user.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            try RefreshTokens(db: db).issue(hash: hash(1), sessionId: session.id, expiresAt: t0.addingTimeInterval(60))
            let epoch = try sessions.revocationEpoch()
            #expect(try users.delete(id: user.id))
            #expect(try !users.delete(id: user.id))
            #expect(try sessions.find(id: session.id) == nil)
            #expect(try sessions.isRevoked(id: session.id))
            #expect(try sessions.revocationEpoch() == epoch + 1)
            #expect(try db.query("SELECT * FROM refresh_tokens").isEmpty)
        }
    }

    @Test("keyset paging walks every user once, in order, while users are being added", arguments: testBackends)
    func keysetPaging(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            var original: [String] = []
            for index in 0..<23 {
                // Several users share a second, so the id breaks ties.
                original.append(try users.insert(
                    email: "u\(index)@example.com", passwordHash: nil, now: t0.addingTimeInterval(Double(index / 4))
                ).id)
            }
            var seen: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                let page = try users.list(limit: 5, cursor: cursor)
                seen += page.items.map(\.id)
                cursor = page.nextCursor
                pages += 1
                // New sign-ups arrive while the admin pages through.
                try users.insert(email: "late\(pages)@example.com", passwordHash: nil, now: t0.addingTimeInterval(100))
                try users.insert(email: "early\(pages)@example.com", passwordHash: nil, now: t0.addingTimeInterval(-100))
            } while cursor != nil && pages < 50
            #expect(Set(seen).count == seen.count, "no user twice")
            #expect(Set(original).isSubset(of: Set(seen)), "no user skipped")
            #expect(try users.count() == 23 + 2 * pages)
            #expect(throws: StoreError.invalidCursor) { try users.list(cursor: "garbage!") }
            #expect(throws: StoreError.invalidCursor) { try users.list(cursor: "eA") }
        }
    }

    @Test("the list filters on a substring of email or name, case-insensitively", arguments: testBackends)
    func search(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let users = Users(db: db)
            try users.insert(email: "ada@example.com", name: "Ada Lovelace", passwordHash: nil)
            try users.insert(email: "bob@example.org", name: "Bob", passwordHash: nil)
            try users.insert(email: "100%@example.org", name: "Percent", passwordHash: nil)
            #expect(try users.list(query: "LOVE").items.map(\.email) == ["ada@example.com"])
            #expect(try users.list(query: "example.org").items.count == 2)
            #expect(try users.list(query: "%").items.map(\.name) == ["Percent"])
            #expect(try users.count(query: "example") == 3)
            let first = try users.list(limit: 1, query: "example.org")
            let second = try users.list(limit: 1, cursor: first.nextCursor, query: "example.org")
            #expect(second.items.count == 1 && second.nextCursor == nil)
            #expect(first.items[0].id != second.items[0].id)
        }
    }
}
