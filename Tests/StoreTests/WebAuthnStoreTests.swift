import Foundation
import Testing

@testable import Store

@Suite struct WebAuthnStoreTests {
    private func user(_ db: Database, _ email: String = "a@example.com") throws -> String {
        try Users(db: db).insert(email: email, name: "A", passwordHash: nil).id
    }

    private func insert(_ db: Database, user: String, id: [UInt8], limit: Int = 10) throws -> PasskeyCredential? {
        try WebAuthnCredentials(db: db).insert(
            userId: user, credentialID: id, publicKey: [0xA0], algorithm: -7, signCount: 0, name: "Key",
            aaguid: [UInt8](repeating: 0, count: 16), backupEligible: true, limit: limit)
    }

    @Test("a passkey is stored, listed, found by credential id and deleted only by its owner", arguments: testBackends)
    func lifecycle(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let alice = try user(db), bob = try user(db, "b@example.com")
            let stored = try #require(try insert(db, user: alice, id: [1, 2, 3]))
            #expect(stored.credentialID == [1, 2, 3])
            #expect(stored.backupEligible)
            #expect(stored.lastUsedAt == nil)
            #expect(try WebAuthnCredentials(db: db).list(userId: alice) == [stored])
            #expect(try WebAuthnCredentials(db: db).find(credentialID: [1, 2, 3]) == stored)
            #expect(try WebAuthnCredentials(db: db).find(credentialID: [9]) == nil)
            #expect(throws: StoreError.duplicate) { try insert(db, user: bob, id: [1, 2, 3]) }
            #expect(try !WebAuthnCredentials(db: db).delete(id: stored.id, userId: bob))
            #expect(try WebAuthnCredentials(db: db).delete(id: stored.id, userId: alice))
            #expect(try WebAuthnCredentials(db: db).list(userId: alice).isEmpty)
        }
    }

    @Test("a user has at most `limit` passkeys; deleteAll removes them", arguments: testBackends)
    func limit(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let alice = try user(db)
            #expect(try insert(db, user: alice, id: [1], limit: 2) != nil)
            #expect(try insert(db, user: alice, id: [2], limit: 2) != nil)
            #expect(try insert(db, user: alice, id: [3], limit: 2) == nil)
            #expect(try WebAuthnCredentials(db: db).deleteAll(userId: alice) == 2)
        }
    }

    @Test("the counter must grow, or stay zero for an authenticator without one", arguments: testBackends)
    func counter(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let alice = try user(db)
            let stored = try #require(try insert(db, user: alice, id: [1]))
            let passkeys = WebAuthnCredentials(db: db)
            #expect(try passkeys.recordUse(id: stored.id, signCount: 0))
            #expect(try passkeys.recordUse(id: stored.id, signCount: 5))
            #expect(try !passkeys.recordUse(id: stored.id, signCount: 5))
            #expect(try !passkeys.recordUse(id: stored.id, signCount: 4))
            #expect(try !passkeys.recordUse(id: stored.id, signCount: 0))
            #expect(try passkeys.recordUse(id: stored.id, signCount: 4_000_000_000))
            let after = try #require(try passkeys.find(id: stored.id))
            #expect(after.signCount == 4_000_000_000)
            #expect(after.lastUsedAt != nil)
        }
    }

    @Test("a challenge is consumed once, for its purpose only, and not after it expired; expired ones are pruned",
          arguments: testBackends)
    func challenges(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let alice = try user(db)
            let challenges = WebAuthnChallenges(db: db)
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            try challenges.issue(
                tokenHash: [1], challengeHash: [2], purpose: .login, userId: alice, identifier: "a@example.com",
                expiresAt: now + 300)
            #expect(try challenges.consume(tokenHash: [1], purpose: .register, now: now) == nil)
            let issued = try #require(try challenges.consume(tokenHash: [1], purpose: .login, now: now))
            #expect(issued.challengeHash == [2])
            #expect(issued.userId == alice)
            #expect(issued.identifier == "a@example.com")
            #expect(try challenges.consume(tokenHash: [1], purpose: .login, now: now) == nil)
            try challenges.issue(tokenHash: [3], challengeHash: [3], purpose: .mfa, userId: nil, identifier: nil, expiresAt: now)
            #expect(try challenges.consume(tokenHash: [3], purpose: .mfa, now: now) == nil)
            #expect(try challenges.count() == 0)
            for index in 0..<5 {
                try challenges.issue(
                    tokenHash: [UInt8(10 + index)], challengeHash: [0], purpose: .register, userId: nil, identifier: nil,
                    expiresAt: now + Double(index * 100))
            }
            #expect(try Retention(db: db).pruneBatch(.webauthnChallenges, before: now + 250, limit: 500) == 3)
            #expect(try challenges.count() == 2)
        }
    }
}
