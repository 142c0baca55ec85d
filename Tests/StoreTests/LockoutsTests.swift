import Foundation
import Testing

@testable import Store

@Suite struct LockoutsTests {
    @Test("the threshold-th failure still checks the password; the next attempt is locked", arguments: testBackends)
    func lockAtThreshold(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let lockouts = Lockouts(db: db)
            for attempt in 1...5 {
                #expect(try lockouts.wrongAttempt(at: t0) == .proceed(attempt: attempt))
            }
            #expect(try lockouts.wrongAttempt(at: t0.addingTimeInterval(10)) == .locked(retryAfterSeconds: 890))
            #expect(try lockouts.lockedUntil(identifier: "ada@example.com", now: t0) == t0.addingTimeInterval(900))
            // Another identifier is not affected.
            #expect(try lockouts.begin(identifier: "bob@example.com", now: t0, threshold: 5, window: 900)
                == .proceed(attempt: 1))
        }
    }

    @Test("failures spread over more than the window never lock", arguments: testBackends)
    func windowExpiry(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let lockouts = Lockouts(db: db)
            for attempt in 1...4 { #expect(try lockouts.wrongAttempt(at: t0) == .proceed(attempt: attempt)) }
            #expect(try lockouts.wrongAttempt(at: t0.addingTimeInterval(900)) == .proceed(attempt: 1))
            #expect(try lockouts.wrongAttempt(at: t0.addingTimeInterval(901)) == .proceed(attempt: 2))
        }
    }

    @Test("each new lock doubles the duration, up to the cap", arguments: testBackends)
    func progressiveDoubling(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let lockouts = Lockouts(db: db)
            var now = t0
            var durations: [Int] = []
            for _ in 0..<5 {
                for _ in 0..<5 { _ = try lockouts.wrongAttempt(at: now, base: 60, max: 300) }
                guard case .locked(let retryAfter) = try lockouts.wrongAttempt(at: now, base: 60, max: 300) else {
                    Issue.record("not locked")
                    return
                }
                durations.append(retryAfter)
                now = now.addingTimeInterval(TimeInterval(retryAfter))  // the lock has just ended
            }
            #expect(durations == [60, 120, 240, 300, 300])
        }
    }

    @Test("a correct password resets the counter and the lock history", arguments: testBackends)
    func successResets(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let lockouts = Lockouts(db: db)
            for _ in 0..<4 { _ = try lockouts.wrongAttempt(at: t0) }
            #expect(try lockouts.begin(identifier: "ada@example.com", now: t0, threshold: 5, window: 900)
                == .proceed(attempt: 5))
            try lockouts.succeed(identifier: "ada@example.com")
            #expect(try lockouts.wrongAttempt(at: t0) == .proceed(attempt: 1))
        }
    }

    @Test("of several attempts failing at once only one sets the lock, and locked attempts are not counted", arguments: testBackends)
    func oneLockPerEpisode(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let lockouts = Lockouts(db: db)
            for attempt in 1...5 {
                #expect(try lockouts.begin(identifier: "x", now: t0, threshold: 5, window: 900) == .proceed(attempt: attempt))
            }
            #expect(try lockouts.begin(identifier: "x", now: t0, threshold: 5, window: 900)
                == .locked(retryAfterSeconds: 900), "past the threshold before any lock: refused until the window ends")
            let set = try (0..<5).map { _ in
                try lockouts.fail(identifier: "x", now: t0, threshold: 5, baseDuration: 60, maxDuration: 600)
            }
            #expect(set == [true, false, false, false, false])
            #expect(try lockouts.begin(identifier: "x", now: t0.addingTimeInterval(59), threshold: 5, window: 900)
                == .locked(retryAfterSeconds: 1))
            #expect(try lockouts.begin(identifier: "x", now: t0.addingTimeInterval(60), threshold: 5, window: 900)
                == .proceed(attempt: 1))
        }
    }
}

extension Lockouts {
    /// One wrong-password attempt at `now` (threshold 5, window 15 min); returns what `begin` said.
    func wrongAttempt(at now: Date, base: TimeInterval = 900, max: TimeInterval = 86_400) throws -> LockoutDecision {
        let decision = try begin(identifier: "ada@example.com", now: now, threshold: 5, window: 900)
        if case .proceed = decision {
            try fail(identifier: "ada@example.com", now: now, threshold: 5, baseDuration: base, maxDuration: max)
        }
        return decision
    }
}
