import Foundation
import Testing

@testable import Store

@Suite struct SessionsTests {
    @Test("revoking moves the epoch once per session, and a second revoke does nothing", arguments: testBackends)
    func revokeMovesEpoch(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let sessions = Sessions(db: db)
            let user = try makeUser(db)
            let session = try sessions.create(
                userId: user.id, expiresAt: t0.addingTimeInterval(3600), ip: "203.0.113.7", userAgent: "curl", now: t0)
            #expect(session.ip == "203.0.113.7" && session.isLive(at: t0))
            #expect(try sessions.revocationEpoch() == 0)
            #expect(try !sessions.isRevoked(id: session.id))
            #expect(try sessions.revoke(id: session.id, now: t0))
            #expect(try !sessions.revoke(id: session.id, now: t0))
            #expect(try sessions.revocationEpoch() == 1)
            #expect(try sessions.isRevoked(id: session.id))
            #expect(try sessions.isRevoked(id: "missing"))
        }
    }

    @Test("revokeAll spares the named session and lists only live sessions", arguments: testBackends)
    func revokeAllExcept(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let sessions = Sessions(db: db)
            let user = try makeUser(db)
            let other = try makeUser(db, email: "bob@example.com")
            let keep = try sessions.create(userId: user.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            for _ in 0..<3 { _ = try sessions.create(userId: user.id, expiresAt: t0.addingTimeInterval(3600), now: t0) }
            _ = try sessions.create(userId: user.id, expiresAt: t0.addingTimeInterval(-1), now: t0)  // expired
            let bobs = try sessions.create(userId: other.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            #expect(try sessions.list(userId: user.id, now: t0).count == 4)
            #expect(try sessions.revokeAll(userId: user.id, except: keep.id, now: t0) == 4)
            #expect(try sessions.list(userId: user.id, now: t0).map(\.id) == [keep.id])
            #expect(try !sessions.isRevoked(id: bobs.id))
            #expect(try sessions.revokeAll(userId: user.id, now: t0) == 1)
        }
    }

    @Test("touch moves last use forward only", arguments: testBackends)
    func touch(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let sessions = Sessions(db: db)
            let session = try sessions.create(userId: try makeUser(db).id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            try sessions.touch(id: session.id, at: t0.addingTimeInterval(30))
            try sessions.touch(id: session.id, at: t0.addingTimeInterval(10))
            #expect(try sessions.find(id: session.id)?.lastUsedAt == t0.addingTimeInterval(30))
        }
    }
}
