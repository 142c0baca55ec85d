import Foundation
import Testing

@testable import Store

@Suite struct TOTPSecretsTests {
    @Test("enrolment is confirmed once, steps are accepted once each, recovery codes work once", arguments: testBackends)
    func lifecycle(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let totp = TOTPSecrets(db: db)
            let user = try makeUser(db)
            try totp.enroll(userId: user.id, sealedSecret: [1, 2, 3], now: t0)
            try totp.enroll(userId: user.id, sealedSecret: [4, 5, 6], now: t0)  // re-enrol before confirming
            #expect(try totp.find(userId: user.id)?.sealedSecret == [4, 5, 6])
            #expect(try !totp.recordStep(userId: user.id, step: 100), "not confirmed yet")
            #expect(try !totp.replaceRecoveryCodes(userId: user.id, hashes: [hash(9)]), "not confirmed yet")
            #expect(try totp.confirm(userId: user.id, step: 100, recoveryCodeHashes: [hash(1), hash(2)], now: t0))
            #expect(try !totp.confirm(userId: user.id, step: 101, recoveryCodeHashes: [], now: t0))
            #expect(throws: StoreError.duplicate) { try totp.enroll(userId: user.id, sealedSecret: [7], now: t0) }
            #expect(try !totp.recordStep(userId: user.id, step: 100), "the confirming code cannot be replayed")
            #expect(try totp.recordStep(userId: user.id, step: 101))
            #expect(try !totp.recordStep(userId: user.id, step: 99))
            #expect(try totp.find(userId: user.id)?.lastStep == 101)
            #expect(try totp.remainingRecoveryCodes(userId: user.id) == 2)
            #expect(try totp.consumeRecoveryCode(userId: user.id, hash: hash(1)))
            #expect(try !totp.consumeRecoveryCode(userId: user.id, hash: hash(1)))
            #expect(try totp.remainingRecoveryCodes(userId: user.id) == 1)
            #expect(try totp.disable(userId: user.id))
            #expect(try totp.find(userId: user.id) == nil)
            #expect(try totp.remainingRecoveryCodes(userId: user.id) == 0)
        }
    }

    @Test("a new set of recovery codes replaces the old one, used codes included", arguments: testBackends)
    func regenerate(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let totp = TOTPSecrets(db: db)
            let user = try makeUser(db)
            let other = try makeUser(db, email: "bob@example.com")
            try totp.enroll(userId: user.id, sealedSecret: [1], now: t0)
            #expect(try totp.confirm(userId: user.id, step: 1, recoveryCodeHashes: [hash(1), hash(2)], now: t0))
            #expect(try totp.consumeRecoveryCode(userId: user.id, hash: hash(1)))
            #expect(try totp.replaceRecoveryCodes(userId: user.id, hashes: [hash(3), hash(4), hash(5)]))
            #expect(try totp.remainingRecoveryCodes(userId: user.id) == 3)
            #expect(try !totp.consumeRecoveryCode(userId: user.id, hash: hash(2)), "the old set stopped working")
            #expect(try !totp.consumeRecoveryCode(userId: other.id, hash: hash(3)), "another user's code")
            #expect(try totp.consumeRecoveryCode(userId: user.id, hash: hash(3)))
        }
    }
}

@Suite struct MFAChallengesTests {
    @Test("a challenge is used once, never after it expires, and a reset ends them all", arguments: testBackends)
    func singleUse(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let challenges = MFAChallenges(db: db)
            let user = try makeUser(db)
            try challenges.create(hash: hash(1), userId: user.id, expiresAt: t0 + 300, useCookies: true, now: t0)
            try challenges.create(hash: hash(2), userId: user.id, expiresAt: t0 + 300, useCookies: false, now: t0)
            try challenges.create(hash: hash(3), userId: user.id, expiresAt: t0 + 300, useCookies: false, now: t0)
            let found = try #require(try challenges.find(hash: hash(1)))
            #expect(found.userId == user.id && found.useCookies && found.usedAt == nil && found.expiresAt == t0 + 300)
            #expect(try challenges.find(hash: hash(9)) == nil)
            #expect(try challenges.consume(hash: hash(1), now: t0 + 10))
            #expect(try !challenges.consume(hash: hash(1), now: t0 + 11), "used")
            #expect(try challenges.find(hash: hash(1))?.usedAt == t0 + 10)
            #expect(try !challenges.consume(hash: hash(2), now: t0 + 300), "expired")
            #expect(try challenges.revokeAll(userId: user.id, now: t0 + 20) == 2)
            #expect(try !challenges.consume(hash: hash(3), now: t0 + 21))
            #expect(throws: StoreError.invalidReference) {
                try challenges.create(hash: hash(4), userId: "no-such-user", expiresAt: t0 + 300, useCookies: false)
            }
        }
    }

    @Test("expired challenges are pruned, live ones stay", arguments: testBackends)
    func pruned(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let challenges = MFAChallenges(db: db)
            let user = try makeUser(db)
            try challenges.create(hash: hash(1), userId: user.id, expiresAt: t0 + 300, useCookies: false, now: t0)
            try challenges.create(hash: hash(2), userId: user.id, expiresAt: t0 + 900, useCookies: false, now: t0)
            #expect(try Retention(db: db).pruneBatch(.mfaChallenges, before: t0 + 600) == 1)
            #expect(try challenges.find(hash: hash(1)) == nil)
            #expect(try challenges.find(hash: hash(2)) != nil)
        }
    }

    @Test("a session keeps the methods of its login", arguments: testBackends)
    func sessionMethods(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let sessions = Sessions(db: db)
            let user = try makeUser(db)
            let two = try sessions.create(userId: user.id, expiresAt: t0 + 3600, amr: ["pwd", "otp"], now: t0)
            let none = try sessions.create(userId: user.id, expiresAt: t0 + 3600, now: t0)
            #expect(try sessions.find(id: two.id)?.amr == ["pwd", "otp"])
            #expect(try sessions.find(id: none.id)?.amr == [])
        }
    }
}
