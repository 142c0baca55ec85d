import Foundation
import Testing

@testable import Store

@Suite struct AssignmentsTests {
    func withRoleAndUser(_ backend: Backend, _ body: (Assignments, User) throws -> Void) throws {
        try withDatabase(backend) { db throws in
            try Roles(db: db).upsert(name: "field-engineer", permissions: ["field:manage"])
            try body(Assignments(db: db), try makeUser(db))
        }
    }

    @Test("a user keeps at most one primary assignment; a new primary replaces the old", arguments: testBackends)
    func singlePrimary(backend: Backend) throws {
        try withRoleAndUser(backend) { assignments, user in
            let a = try assignments.create(
                userId: user.id, zone: "ZoneA", department: "FieldTeam", role: "field-engineer", isPrimary: true, now: t0)
            let b = try assignments.create(
                userId: user.id, zone: "ZoneB", department: "FieldTeam", role: "field-engineer", isPrimary: true, now: t0)
            #expect(try assignments.list(userId: user.id).filter(\.isPrimary).map(\.id) == [b.id])
            _ = try assignments.update(id: a.id, userId: user.id, isPrimary: true)
            #expect(try assignments.list(userId: user.id).filter(\.isPrimary).map(\.id) == [a.id])
            #expect(try assignments.primaryActive(userId: user.id)?.id == a.id)
            _ = try assignments.update(id: a.id, userId: user.id, active: false)
            #expect(try assignments.primaryActive(userId: user.id) == nil)
        }
    }

    @Test("the partial unique index refuses a second primary written behind the repository's back", arguments: testBackends)
    func indexEnforcesOnePrimary(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            try Roles(db: db).upsert(name: "r", permissions: [])
            let user = try makeUser(db)
            _ = try Assignments(db: db).create(userId: user.id, zone: "A", department: "D", role: "r", isPrimary: true)
            #expect(throws: StoreError.duplicate) {
                try db.execute(
                    """
                    INSERT INTO assignments (id, user_id, zone, department, role, is_primary, created_at)
                    VALUES ('x', ?, 'B', 'D', 'r', 1, 0)
                    """, user.id)
            }
        }
    }

    @Test("assignments are unique per zone and department, need a known role, and are scoped to their user", arguments: testBackends)
    func constraints(backend: Backend) throws {
        try withRoleAndUser(backend) { assignments, user in
            let a = try assignments.create(
                userId: user.id, zone: "ZoneA", department: "FieldTeam", role: "field-engineer",
                rules: #"{"hours":"08-18"}"#, now: t0)
            #expect(a.rules == #"{"hours":"08-18"}"# && a.active && !a.isPrimary)
            #expect(throws: StoreError.duplicate) {
                try assignments.create(userId: user.id, zone: "ZoneA", department: "FieldTeam", role: "field-engineer")
            }
            #expect(throws: StoreError.invalidReference) {
                try assignments.create(userId: user.id, zone: "ZoneC", department: "X", role: "ghost")
            }
            #expect(try assignments.find(userId: user.id, zone: "ZoneA", department: "FieldTeam")?.id == a.id)
            #expect(throws: StoreError.notFound) { try assignments.update(id: a.id, userId: "someone-else", zone: "Z") }
            #expect(try !assignments.delete(id: a.id, userId: "someone-else"))
            #expect(try assignments.delete(id: a.id, userId: user.id))
            #expect(try assignments.list(userId: user.id).isEmpty)
        }
    }
}

@Suite struct TOTPSecretsTests {
    @Test("enrolment is confirmed once, steps are accepted once each, recovery codes work once", arguments: testBackends)
    func lifecycle(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let totp = TOTPSecrets(db: db)
            let user = try makeUser(db)
            try totp.enroll(userId: user.id, secret: [1, 2, 3], now: t0)
            try totp.enroll(userId: user.id, secret: [4, 5, 6], now: t0)  // re-enrol before confirming
            #expect(try totp.find(userId: user.id)?.secret == [4, 5, 6])
            #expect(try !totp.recordStep(userId: user.id, step: 100), "not confirmed yet")
            #expect(try totp.confirm(userId: user.id, step: 100, recoveryCodeHashes: [hash(1), hash(2)], now: t0))
            #expect(try !totp.confirm(userId: user.id, step: 101, recoveryCodeHashes: [], now: t0))
            #expect(throws: StoreError.duplicate) { try totp.enroll(userId: user.id, secret: [7], now: t0) }
            #expect(try !totp.recordStep(userId: user.id, step: 100), "the confirming code cannot be replayed")
            #expect(try totp.recordStep(userId: user.id, step: 101))
            #expect(try !totp.recordStep(userId: user.id, step: 99))
            #expect(try totp.remainingRecoveryCodes(userId: user.id) == 2)
            #expect(try totp.consumeRecoveryCode(userId: user.id, hash: hash(1)))
            #expect(try !totp.consumeRecoveryCode(userId: user.id, hash: hash(1)))
            #expect(try totp.remainingRecoveryCodes(userId: user.id) == 1)
            #expect(try totp.disable(userId: user.id))
            #expect(try totp.find(userId: user.id) == nil)
            #expect(try totp.remainingRecoveryCodes(userId: user.id) == 0)
        }
    }
}
