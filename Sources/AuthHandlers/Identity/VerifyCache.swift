#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Store

/// The per-worker caches of `/auth/verify`: verified tokens (bounded, each until its `exp`), and session
/// liveness, dropped whenever the revocation counter in SQLite moves, so a revocation anywhere is seen by
/// every worker on its next request.
final class VerifyCache {
    private struct Entry {
        let principal: Principal
        let expiresAt: Int64
    }

    private let capacity: Int
    private let sessions: Sessions
    private var tokens: [String: Entry] = [:]
    private var liveSessions: [String: Int64] = [:]
    private var epoch: Int64 = -1

    init(capacity: Int, sessions: Sessions) {
        self.capacity = capacity
        self.sessions = sessions
    }

    func lookup(_ token: String, now: Date, leeway: Int) -> Principal? {
        guard let entry = tokens[token] else { return nil }
        guard Int64(now.timeIntervalSince1970) < entry.expiresAt + Int64(leeway) else {
            tokens[token] = nil
            return nil
        }
        return entry.principal
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
        let current = try sessions.revocationEpoch()
        if current != epoch {
            liveSessions.removeAll(keepingCapacity: true)
            epoch = current
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
