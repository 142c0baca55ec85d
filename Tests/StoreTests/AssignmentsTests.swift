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
