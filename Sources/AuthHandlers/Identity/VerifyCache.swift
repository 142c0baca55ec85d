#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Store

/// The per-worker caches of `/auth/verify`: verified tokens (bounded, each until its `exp`), and session
/// liveness, dropped whenever the revocation counter in SQLite moves, so a revocation anywhere is seen by
/// every worker on its next request.
///
/// Reading that counter costs a SQLite read transaction (two `fcntl` locks) per request, so it is read only
/// when the scoreboard's write generation has moved (every state-changing request and CLI write bumps it,
/// after its commit) or when the last read is over a second old, a backstop for writers that do not bump it.
final class VerifyCache {
    /// The last check of a token's context rules that allowed it: for requests from `address`, until the `until`
    /// second (the end of the open hours window), while the assignments counter stays `generation`.
    struct ContextMemo {
        let address: String
        let until: Int64
        let generation: Int64

        func stands(address: String, now: Int64, generation: Int64) -> Bool {
            generation == self.generation && now < until && address == self.address
        }
    }

    private struct Entry {
        let principal: Principal
        let expiresAt: Int64
        var contextAllowed: ContextMemo?
    }

    private let capacity: Int
    private let sessions: Sessions
    private var tokens: [String: Entry] = [:]
    private var liveSessions: [String: Int64] = [:]
    private var epoch: Int64 = -1
    private let writeGeneration: () -> UInt64?
    private var seenGeneration: UInt64?
    private var epochReadAt = ContinuousClock.now - .seconds(10)

    init(capacity: Int, sessions: Sessions, writeGeneration: @escaping () -> UInt64?) {
        self.capacity = capacity
        self.sessions = sessions
        self.writeGeneration = writeGeneration
    }

    /// The cached principal of `token` and its context memo, or nil when not cached (or expired).
    func lookup(_ token: String, now: Date, leeway: Int) -> (principal: Principal, contextAllowed: ContextMemo?)? {
        guard let entry = tokens[token] else { return nil }
        // Saturating: a token's exp is whatever its signer wrote, up to Int64.max.
        let (end, overflow) = entry.expiresAt.addingReportingOverflow(Int64(leeway))
        guard Int64(now.timeIntervalSince1970) < (overflow ? Int64.max : end) else {
            tokens[token] = nil
            return nil
        }
        return (entry.principal, entry.contextAllowed)
    }

    /// Remembers that `token`'s context rules allow requests from `address` until `until`.
    func rememberContextAllowed(_ token: String, _ memo: ContextMemo) {
        tokens[token]?.contextAllowed = memo
    }

    func insert(_ token: String, _ principal: Principal) {
        if tokens.count >= capacity {
            // Expired entries first; if the cache is full of live tokens, start over (bounded memory).
            let now = Int64(Date().timeIntervalSince1970)
            tokens = tokens.filter { $0.value.expiresAt > now }
            if tokens.count >= capacity { tokens.removeAll(keepingCapacity: true) }
        }
        tokens[token] = Entry(principal: principal, expiresAt: principal.claims.exp)
    }

    /// Whether the session is live: one read of the revocation counter, and the session row only when the
    /// counter moved or the session was not seen yet.
    func sessionIsLive(_ id: String, now: Date) throws -> Bool {
        // The generation is read before the database, so a write that lands in between is seen next time.
        let generation = writeGeneration()
        let clock = ContinuousClock.now
        if generation == nil || generation != seenGeneration || epochReadAt.duration(to: clock) > .seconds(1) {
            let current = try sessions.revocationEpoch()
            seenGeneration = generation
            epochReadAt = clock
            if current != epoch {
                liveSessions.removeAll(keepingCapacity: true)
                epoch = current
            }
        }
        let seconds = Int64(now.timeIntervalSince1970)
        if let expiresAt = liveSessions[id] {
            if expiresAt > seconds { return true }
            liveSessions[id] = nil
        }
        guard let session = try sessions.find(id: id), session.isLive(at: now) else { return false }
        if liveSessions.count >= capacity { liveSessions.removeAll(keepingCapacity: true) }
        liveSessions[id] = Int64(session.expiresAt.timeIntervalSince1970)
        return true
    }
}

@available(*, unavailable)
extension VerifyCache: Sendable {}
