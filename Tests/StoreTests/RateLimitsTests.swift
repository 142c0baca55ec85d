import Foundation
import Testing

@testable import Store

@Suite struct RateLimitsTests {
    @Test("a bucket allows its capacity at once, then refills at its rate and says when to retry", arguments: testBackends)
    func tokenBucket(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let limits = RateLimits(db: db)
            for _ in 0..<3 { #expect(try limits.take(at: 0) == Outcome(true, 0)) }
            #expect(try limits.take(at: 0) == Outcome(false, 2))
            #expect(try limits.take(at: 1) == Outcome(false, 1), "half a token after one second")
            #expect(try limits.take(at: 2) == Outcome(true, 0), "a whole token after two; refusals did not drain the bucket")
            #expect(try limits.take(at: 2.5) == Outcome(false, 2))
            #expect(try limits.take(at: 100) == Outcome(true, 0), "refilled, but never beyond capacity")
            #expect(try limits.take(at: 100) == Outcome(true, 0))
            #expect(try limits.take(at: 100) == Outcome(true, 0))
            #expect(try limits.take(at: 100) == Outcome(false, 2))
            #expect(try limits.take(key: "other", capacity: 1, refillPerSecond: 1, now: t0).allowed)
        }
    }

    @Test("a clock that steps back never adds tokens", arguments: testBackends)
    func clockStepsBack(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let limits = RateLimits(db: db)
            #expect(try limits.take(key: "k", capacity: 1, refillPerSecond: 1, now: t0).allowed)
            #expect(try !limits.take(key: "k", capacity: 1, refillPerSecond: 1, now: t0.addingTimeInterval(-30)).allowed)
            #expect(try limits.take(key: "k", capacity: 1, refillPerSecond: 1, now: t0.addingTimeInterval(1)).allowed)
        }
    }
}

/// `take`'s answer as an Equatable value.
struct Outcome: Equatable {
    let allowed: Bool
    let retryAfterSeconds: Int
    init(_ allowed: Bool, _ retryAfterSeconds: Int) {
        self.allowed = allowed
        self.retryAfterSeconds = retryAfterSeconds
    }
}

extension RateLimits {
    /// One take from a 3-token bucket refilling at half a token a second, `seconds` after t0.
    func take(at seconds: Double) throws -> Outcome {
        let result = try take(
            key: "login:ip:203.0.113.7", capacity: 3, refillPerSecond: 0.5, now: t0.addingTimeInterval(seconds))
        return Outcome(result.allowed, result.retryAfterSeconds)
    }
}

@Suite struct PasswordResetsTests {
    @Test("a reset token works once, and using it spends the user's other tokens", arguments: testBackends)
    func singleUse(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let resets = PasswordResets(db: db)
            let user = try makeUser(db)
            try resets.create(hash: hash(1), userId: user.id, expiresAt: t0.addingTimeInterval(1800), now: t0)
            try resets.create(hash: hash(2), userId: user.id, expiresAt: t0.addingTimeInterval(1800), now: t0)
            #expect(try resets.consume(hash: hash(1), now: t0.addingTimeInterval(60)) == user.id)
            #expect(try resets.consume(hash: hash(1), now: t0.addingTimeInterval(61)) == nil)
            #expect(try resets.consume(hash: hash(2), now: t0.addingTimeInterval(62)) == nil)
            #expect(try resets.consume(hash: hash(9), now: t0) == nil)
        }
    }

    @Test("an expired reset token is refused", arguments: testBackends)
    func expired(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let resets = PasswordResets(db: db)
            let user = try makeUser(db)
            try resets.create(hash: hash(1), userId: user.id, expiresAt: t0.addingTimeInterval(1800), now: t0)
            #expect(try resets.consume(hash: hash(1), now: t0.addingTimeInterval(1800)) == nil)
        }
    }
}

@Suite struct OutboxTests {
    @Test("due messages are claimed once, retried after failures, and given up after the last attempt", arguments: testBackends)
    func delivery(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let outbox = Outbox(db: db)
            let id = try outbox.enqueue(recipient: "ada@example.com", subject: "Reset", body: "link", now: t0)
            let first = try outbox.due(now: t0, lease: 60)
            #expect(first.map(\.id) == [id])
            #expect(try outbox.due(now: t0.addingTimeInterval(1)).isEmpty, "claimed: another worker sees nothing")
            #expect(try !outbox.markFailed(id: id, error: "exit 1", nextAttemptAt: t0.addingTimeInterval(30), maxAttempts: 2))
            #expect(try outbox.due(now: t0.addingTimeInterval(29)).isEmpty)
            #expect(try outbox.due(now: t0.addingTimeInterval(30)).first?.attempts == 1)
            #expect(try outbox.markFailed(id: id, error: "exit 1", nextAttemptAt: t0.addingTimeInterval(90), maxAttempts: 2))
            #expect(try outbox.due(now: t0.addingTimeInterval(1000)).isEmpty, "given up")
            let row = try #require(try db.queryOne("SELECT body, failed_at, last_error FROM outbox WHERE id = ?", id))
            #expect(row["body"] == .text("") && row["failed_at"] != .null && row["last_error"] == .text("exit 1"))

            let sent = try outbox.enqueue(recipient: "bob@example.com", subject: "Hi", body: "secret link", now: t0)
            _ = try outbox.due(now: t0)
            try outbox.markSent(id: sent, now: t0)
            #expect(try outbox.due(now: t0.addingTimeInterval(1000)).isEmpty)
            #expect(try db.queryOne("SELECT body FROM outbox WHERE id = ?", sent)?["body"] == .text(""))
        }
    }
}

@Suite struct AuditTests {
    @Test("the audit log pages newest first and filters by user and event", arguments: testBackends)
    func paging(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let audit = Audit(db: db)
            for index in 0..<12 {
                try audit.append(
                    event: index % 3 == 0 ? "login.failed" : "login.succeeded", actorId: nil,
                    userId: index % 2 == 0 ? "u1" : "u2", ip: "203.0.113.7", details: #"{"n":\#(index)}"#, at: t0)
            }
            var ids: [Int64] = []
            var cursor: String?
            repeat {
                let page = try audit.list(limit: 5, cursor: cursor)
                ids += page.items.map(\.id)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(ids == Array((1...12).reversed()))
            #expect(try audit.list(userId: "u1").items.count == 6)
            #expect(try audit.list(event: "login.failed").items.count == 4)
            #expect(try audit.list(userId: "u1", event: "login.failed").items.map(\.details)
                == [#"{"n":6}"#, #"{"n":0}"#])
            let firstTwo = try audit.list(limit: 2, userId: "u2")
            #expect(try audit.list(limit: 10, cursor: firstTwo.nextCursor, userId: "u2").items.count == 4)
            #expect(throws: StoreError.constraint) { try audit.append(event: "x", details: "not json") }
        }
    }
}
