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

    /// A token as the key of the cache: its bytes, hashed and compared as bytes (a `String` key hashes and
    /// compares through Unicode-aware paths, and a token is about 700 bytes). A key made from a slice of
    /// a bigger buffer (the fast lane's raw parameters) is only looked up with; the cache keeps keys of their own.
    struct TokenKey: Hashable {
        let bytes: ArraySlice<UInt8>

        init(_ token: String) { bytes = ArraySlice(token.utf8) }
        init(bytes: ArraySlice<UInt8>) { self.bytes = bytes }

        /// The same key over bytes of its own (not pinning a caller's buffer).
        var owned: TokenKey { TokenKey(bytes: ArraySlice(Array(bytes))) }

        /// The length and the last 64 bytes, which end a JWS's signature: enough to spread tokens over the table
        /// (equality still compares every byte). Only verified tokens are ever stored, and no one can make many
        /// of those that end alike.
        func hash(into hasher: inout Hasher) {
            hasher.combine(bytes.count)
            bytes.suffix(64).withUnsafeBytes { hasher.combine(bytes: $0) }
        }

        /// Eight bytes at a time, then the rest.
        static func == (a: TokenKey, b: TokenKey) -> Bool {
            guard a.bytes.count == b.bytes.count else { return false }
            return a.bytes.withUnsafeBytes { x in
                b.bytes.withUnsafeBytes { y in
                    var offset = 0
                    while offset + 8 <= x.count {
                        guard x.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                            == y.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                        else { return false }
                        offset += 8
                    }
                    while offset < x.count {
                        guard x[offset] == y[offset] else { return false }
                        offset += 1
                    }
                    return true
                }
            }
        }
    }

    /// A verified token: shared by reference, so looking one up copies none of its principal's fields.
    final class Entry {
        let principal: Principal
        let expiresAt: Int64
        var contextAllowed: ContextMemo?
        /// The whole CGI answer `/auth/verify` gave for this token, for the fast lane to send again.
        var answer: [UInt8]?

        init(principal: Principal, expiresAt: Int64) {
            self.principal = principal
            self.expiresAt = expiresAt
        }
    }

    private let capacity: Int
    private let sessions: Sessions
    private var tokens: [TokenKey: Entry] = [:]
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

    /// The cached entry of `token` (its principal, context memo and remembered answer), or nil when not cached
    /// (or expired).
    func lookup(_ token: TokenKey, now: Date, leeway: Int) -> Entry? {
        guard let entry = tokens[token] else { return nil }
        // Saturating: a token's exp is whatever its signer wrote, up to Int64.max.
        let (end, overflow) = entry.expiresAt.addingReportingOverflow(Int64(leeway))
        guard Int64(now.timeIntervalSince1970) < (overflow ? Int64.max : end) else {
            tokens[token] = nil
            return nil
        }
        return entry
    }

    /// Remembers the answer `/auth/verify` gave for a cached `token` (nothing if it is not cached), in a buffer of
    /// its own.
    func rememberAnswer(_ token: TokenKey, _ answer: [UInt8]) {
        tokens[token]?.answer = Array(answer[...])
    }

    @discardableResult
    func insert(_ token: TokenKey, _ principal: Principal) -> Entry {
        if tokens.count >= capacity {
            // Expired entries first; if the cache is full of live tokens, start over (bounded memory).
            let now = Int64(Date().timeIntervalSince1970)
            tokens = tokens.filter { $0.value.expiresAt > now }
            if tokens.count >= capacity { tokens.removeAll(keepingCapacity: true) }
        }
        let entry = Entry(principal: principal, expiresAt: principal.claims.exp)
        tokens[token.owned] = entry
        return entry
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
