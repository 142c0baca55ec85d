import Foundation
import Synchronization
import Testing

@testable import Store

@Suite struct RefreshTokensTests {
    /// A session with one issued refresh token `hash(1)`, valid for an hour from t0.
    func withIssuedToken(_ backend: Backend, _ body: (Database, Session, RefreshTokens) throws -> Void) throws {
        try withDatabase(backend) { db throws in
            let session = try Sessions(db: db).create(
                userId: try makeUser(db).id, expiresAt: t0.addingTimeInterval(86_400), now: t0)
            let tokens = RefreshTokens(db: db)
            try tokens.issue(hash: hash(1), sessionId: session.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            try body(db, session, tokens)
        }
    }

    @Test("an unused token rotates to its successor, which rotates in turn", arguments: testBackends)
    func rotates(backend: Backend) throws {
        try withIssuedToken(backend) { db, session, tokens in
            let outcome = try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                successorExpiresAt: t0.addingTimeInterval(7200))
            guard case .rotated(let rotated) = outcome else { Issue.record("\(outcome)"); return }
            #expect(rotated.id == session.id)
            let next = try tokens.rotate(
                presentedHash: hash(2), successorHash: hash(3), now: t0.addingTimeInterval(120),
                successorExpiresAt: t0.addingTimeInterval(7200))
            #expect(next == .rotated(try #require(try Sessions(db: db).find(id: session.id))))
            let parent = try #require(try db.queryOne("SELECT parent_hash FROM refresh_tokens WHERE token_hash = ?", hash(3)))
            #expect(try parent.get("parent_hash", as: [UInt8].self) == hash(2))
        }
    }

    @Test("a rotation returns its session as touched at the rotation's time, or as read when already used later",
        arguments: testBackends)
    func rotationTouchesSession(backend: Backend) throws {
        try withIssuedToken(backend) { db, session, tokens in
            let outcome = try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                successorExpiresAt: t0.addingTimeInterval(7200))
            let stored = try #require(try Sessions(db: db).find(id: session.id))
            #expect(stored.lastUsedAt == t0.addingTimeInterval(60))
            #expect(outcome == .rotated(stored))
            // A later use already recorded (another node's clock ahead): nothing to write, the session as it is.
            try Sessions(db: db).touch(id: session.id, at: t0.addingTimeInterval(90))
            let next = try tokens.rotate(
                presentedHash: hash(2), successorHash: hash(3), now: t0.addingTimeInterval(80),
                successorExpiresAt: t0.addingTimeInterval(7200))
            let unchanged = try #require(try Sessions(db: db).find(id: session.id))
            #expect(unchanged.lastUsedAt == t0.addingTimeInterval(90))
            #expect(next == .rotated(unchanged))
        }
    }

    @Test("a rotation on PostgreSQL takes eight round trips: BEGIN, the token, its session and the token again locked, three writes, COMMIT",
        .enabled(if: postgresAdminURL != nil, "needs GATEHOUSE_TEST_POSTGRES_URL"))
    func rotationRoundTrips() throws {
        try withIssuedToken(.postgresql) { db, _, tokens in
            let connection = try #require(db.connection as? PostgreSQLConnection)
            _ = try tokens.rotate(  // prepares the statements
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                successorExpiresAt: t0.addingTimeInterval(7200))
            let before = connection.roundTrips
            let outcome = try tokens.rotate(
                presentedHash: hash(2), successorHash: hash(3), now: t0.addingTimeInterval(120),
                successorExpiresAt: t0.addingTimeInterval(7200))
            guard case .rotated = outcome else { Issue.record("\(outcome)"); return }
            #expect(connection.roundTrips - before == 8)
        }
    }

    @Test("a second tab within the grace window gets the same successor, and the session survives", arguments: testBackends)
    func graceReplay(backend: Backend) throws {
        try withIssuedToken(backend) { db, session, tokens in
            let epoch = try Sessions(db: db).revocationEpoch()
            _ = try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                successorExpiresAt: t0.addingTimeInterval(7200))
            let replay = try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(65), graceSeconds: 10,
                successorExpiresAt: t0.addingTimeInterval(7200))
            guard case .graceReplay(let replayed) = replay else { Issue.record("\(replay)"); return }
            #expect(replayed.id == session.id)
            #expect(try !Sessions(db: db).isRevoked(id: session.id))
            #expect(try Sessions(db: db).revocationEpoch() == epoch)
        }
    }

    @Test("reuse after the grace window revokes the session and all its tokens, and moves the epoch", arguments: testBackends)
    func reuseAfterGrace(backend: Backend) throws {
        try withIssuedToken(backend) { db, session, tokens in
            let epoch = try Sessions(db: db).revocationEpoch()
            _ = try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                successorExpiresAt: t0.addingTimeInterval(7200))
            let reuse = try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(71), graceSeconds: 10,
                successorExpiresAt: t0.addingTimeInterval(7200))
            #expect(reuse == .reused(sessionId: session.id))
            #expect(try Sessions(db: db).isRevoked(id: session.id))
            #expect(try Sessions(db: db).find(id: session.id)?.revokeReason == "refresh token reuse")
            #expect(try Sessions(db: db).revocationEpoch() == epoch + 1)
            // The successor the thief or the owner holds is dead too.
            let successor = try tokens.rotate(
                presentedHash: hash(2), successorHash: hash(3), now: t0.addingTimeInterval(72),
                successorExpiresAt: t0.addingTimeInterval(7200))
            #expect(successor == .revoked)
        }
    }

    @Test("a used token presented with another successor inside the grace window counts as reuse", arguments: testBackends)
    func successorMismatch(backend: Backend) throws {
        try withIssuedToken(backend) { db, session, tokens in
            _ = try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                successorExpiresAt: t0.addingTimeInterval(7200))
            let outcome = try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(9), now: t0.addingTimeInterval(61),
                successorExpiresAt: t0.addingTimeInterval(7200))
            #expect(outcome == .reused(sessionId: session.id))
        }
    }

    @Test("unknown and expired tokens, and tokens of revoked sessions, do not rotate", arguments: testBackends)
    func refusals(backend: Backend) throws {
        try withIssuedToken(backend) { db, session, tokens in
            #expect(try tokens.rotate(
                presentedHash: hash(7), successorHash: hash(8), now: t0, successorExpiresAt: t0) == .unknown)
            #expect(try tokens.rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(3600),
                successorExpiresAt: t0.addingTimeInterval(7200)) == .expired)
            #expect(try db.query("SELECT * FROM refresh_tokens").count == 1, "nothing was issued")
            try tokens.issue(hash: hash(5), sessionId: session.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            try Sessions(db: db).revoke(id: session.id, now: t0)
            #expect(try tokens.rotate(
                presentedHash: hash(5), successorHash: hash(6), now: t0.addingTimeInterval(1),
                successorExpiresAt: t0.addingTimeInterval(7200)) == .revoked)
        }
    }

    @Test("on PostgreSQL a rotation does not wait for the one write lock: other writers' transactions do not hold it up",
        .enabled(if: postgresAdminURL != nil, "needs GATEHOUSE_TEST_POSTGRES_URL"))
    func rotationBesideAWriter() throws {
        try withDatabaseURL(.postgresql) { url in
            let writer = try Database.open(url: url)
            let rotator = try Database.open(url: url)
            let session = try Sessions(db: writer).create(
                userId: try makeUser(writer).id, expiresAt: t0.addingTimeInterval(86_400), now: t0)
            try RefreshTokens(db: writer).issue(
                hash: hash(1), sessionId: session.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            try writer.connection.beginWrite()  // holds the write lock, as a long unit of work elsewhere would
            defer { writer.connection.rollback() }
            let started = ContinuousClock.now
            let outcome = try RefreshTokens(db: rotator).rotate(
                presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                successorExpiresAt: t0.addingTimeInterval(7200))
            guard case .rotated = outcome else { Issue.record("\(outcome)"); return }
            // Waiting for the lock would have ended in lock_timeout's error after 5 s.
            #expect(started.duration(to: .now) < .seconds(4))
        }
    }

    @Test("a rotation waits for a writer that holds its session, and sees the revocation that writer commits",
        arguments: testBackends)
    func rotationWaitsForItsSession(backend: Backend) throws {
        try withDatabaseURL(backend) { url in
            let revoker = try Database.open(url: url)
            let session = try Sessions(db: revoker).create(
                userId: try makeUser(revoker).id, expiresAt: t0.addingTimeInterval(86_400), now: t0)
            try RefreshTokens(db: revoker).issue(
                hash: hash(1), sessionId: session.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            try revoker.connection.beginWrite()
            #expect(try Sessions(db: revoker).revoke(id: session.id, now: t0.addingTimeInterval(30)))
            let outcome = Mutex<Result<RotationOutcome, any Error>?>(nil)
            Thread {
                let result = Result {
                    try RefreshTokens(db: try Database.open(url: url)).rotate(
                        presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                        successorExpiresAt: t0.addingTimeInterval(7200))
                }
                outcome.withLock { $0 = result }
            }.start()
            usleep(300_000)
            #expect(outcome.withLock { $0 == nil }, "the rotation waits while the revocation is uncommitted")
            try revoker.connection.commit()
            while outcome.withLock({ $0 == nil }) { usleep(1_000) }
            #expect(try outcome.withLock { try $0!.get() } == .revoked)
            #expect(try revoker.query("SELECT * FROM refresh_tokens").count == 1, "nothing was issued")
        }
    }

    @Test("a second connection presenting the token just after the first gets the same successor, not a second one",
        arguments: testBackends)
    func twoConnectionsRace(backend: Backend) throws {
        try withDatabaseURL(backend) { url in
            let first = try Database.open(url: url)
            let second = try Database.open(url: url)
            let session = try Sessions(db: first).create(
                userId: try makeUser(first).id, expiresAt: t0.addingTimeInterval(86_400), now: t0)
            try RefreshTokens(db: first).issue(
                hash: hash(1), sessionId: session.id, expiresAt: t0.addingTimeInterval(3600), now: t0)
            let outcomes = try [first, second].map { db in
                try RefreshTokens(db: db).rotate(
                    presentedHash: hash(1), successorHash: hash(2), now: t0.addingTimeInterval(60),
                    successorExpiresAt: t0.addingTimeInterval(7200))
            }
            guard case .rotated = outcomes[0], case .graceReplay = outcomes[1] else {
                Issue.record("\(outcomes)")
                return
            }
            #expect(try first.query("SELECT * FROM refresh_tokens").count == 2, "one successor row, not two")
        }
    }
}
