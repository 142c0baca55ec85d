#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Crypto
public import FCGIHost
public import Store

/// API keys on the way in (API.md "SaaS clients"): the format and checksum first, before any database access; then
/// the key from a per-worker cache of validated keys (or one indexed read by `kid`), its secret's HMAC compared in
/// constant time; then, on every request, cache hit or not, the client's IP allowlist.
///
/// The cache is dropped whenever the client change counter in the database moves (rotation, revocation, client
/// update or deletion), read as ``VerifyCache`` reads the revocation counter: when the scoreboard's write generation
/// moved or the last read is a second old, and on every check when the database is shared across nodes.
public final class APIKeyValidator {
    /// How a presented key was judged, for `/internal/validate-api-key`.
    public enum Outcome {
        case valid(ClientSnapshot)
        case invalid
        case ipNotAllowed(ClientSnapshot)
        case unavailable
    }

    private struct Entry {
        let secretHash: [UInt8]
        let client: ClientSnapshot
        var lastUsedAt: Int64
    }

    private let clients: Clients
    private let pepper: [UInt8]?
    /// The pepper's HMAC context, set up once: a cached key costs one HMAC, not a context and key schedule too.
    private let keyedPepper: HMAC.SHA256Key?
    private let allowlistEnabled: Bool
    private let capacity: Int
    private var keys: [String: Entry] = [:]
    private var byClient: [String: ClientSnapshot?] = [:]
    private var epoch: Int64 = -1
    private let writeGeneration: () -> UInt64?
    /// `auth_api_key_validations_total` (every key checked) and `gateway_ip_whitelist_rejections_total`.
    private let metrics: Metrics?
    private var seenGeneration: UInt64?
    private var epochReadAt = ContinuousClock.now - .seconds(10)
    /// Compared against when the kid is unknown, so an unknown key costs the same HMAC and comparison as a wrong one.
    private let decoy = [UInt8](repeating: 0, count: 32)

    /// - Parameters:
    ///   - pepper: the API-key pepper; nil when its file is missing (every key check then answers 503).
    ///   - writeGeneration: the scoreboard's write generation, or nil when the database is shared across nodes.
    public init(
        database: Database, pepper: [UInt8]?, allowlistEnabled: Bool, capacity: Int = 10_000, metrics: Metrics? = nil,
        writeGeneration: @escaping () -> UInt64?
    ) {
        self.metrics = metrics
        clients = Clients(db: database)
        self.pepper = pepper
        keyedPepper = pepper.map(HMAC.SHA256Key.init)
        self.allowlistEnabled = allowlistEnabled
        self.capacity = capacity
        self.writeGeneration = writeGeneration
    }

    /// Whether keys can be checked and hashed at all (the pepper was read).
    public var isAvailable: Bool { pepper != nil }

    /// The pepper, for hashing new keys.
    /// - Throws: 503 `unavailable` when its file was missing at start.
    public func requirePepper() throws(HTTPError) -> [UInt8] {
        guard let pepper else { throw HTTPError.unavailable }
        return pepper
    }

    /// The client of `presented` when it is a live key and `address` is in its allowlist.
    /// - Throws: 401 `token_invalid` (malformed, bad checksum, unknown, revoked, wrong secret), 403 `ip_not_allowed`,
    ///   503 `unavailable` without a pepper.
    public func validate(_ presented: String, address: String, now: Date = Date()) throws -> ClientSnapshot {
        switch try check(presented, address: address, now: now) {
        case .valid(let client): return client
        case .invalid: throw AuthError.tokenInvalid("The API key is not valid.")
        case .ipNotAllowed: throw AuthError.ipNotAllowed
        case .unavailable: throw HTTPError.unavailable
        }
    }

    /// ``validate(_:address:now:)`` as an outcome rather than an error.
    /// Every call is counted in `auth_api_key_validations_total`, and a refused address in
    /// `gateway_ip_whitelist_rejections_total`.
    public func check(_ presented: String, address: String, now: Date = Date()) throws -> Outcome {
        metrics?.increment(MetricNames.apiKeyValidations)
        let outcome = try judge(presented, address: address, now: now)
        if case .ipNotAllowed = outcome { metrics?.increment(MetricNames.ipAllowlistRejections) }
        return outcome
    }

    private func judge(_ presented: String, address: String, now: Date) throws -> Outcome {
        // Garbage and typos stop here: no database access.
        guard let key = APIKey(parsing: presented) else { return .invalid }
        guard let keyedPepper else { return .unavailable }
        try refreshIfChanged()
        let hash = key.secretHash(pepper: keyedPepper)
        var entry = keys[key.kid]
        if entry == nil, let stored = try clients.liveKey(kid: key.kid) {
            let loaded = Entry(
                secretHash: stored.secretHash, client: ClientSnapshot(stored.client),
                lastUsedAt: Int64(stored.lastUsedAt?.timeIntervalSince1970 ?? 0))
            if keys.count >= capacity { keys.removeAll(keepingCapacity: true) }
            keys[key.kid] = loaded
            entry = loaded
        }
        guard constantTimeEqual(hash, entry?.secretHash ?? decoy), let entry else { return .invalid }
        guard !allowlistEnabled || entry.client.allows(address: address) else { return .ipNotAllowed(entry.client) }
        touch(kid: key.kid, entry: entry, now: now)
        return .valid(entry.client)
    }

    /// The client with this id (for the origin check of SDK-session tokens), or nil when it no longer exists.
    public func client(id: String) throws -> ClientSnapshot? {
        try refreshIfChanged()
        if let cached = byClient[id] { return cached }
        let snapshot = try clients.find(id: id).map(ClientSnapshot.init)
        if byClient.count >= capacity { byClient.removeAll(keepingCapacity: true) }
        byClient[id] = snapshot
        return snapshot
    }

    /// Records use at most once a minute per key; a failed write (a busy database) is not the request's failure.
    private func touch(kid: String, entry: Entry, now: Date) {
        let seconds = Int64(now.timeIntervalSince1970)
        guard seconds - entry.lastUsedAt >= 60 else { return }
        keys[kid]?.lastUsedAt = seconds
        _ = try? clients.touchKey(kid: kid, at: now)
    }

    private func refreshIfChanged() throws {
        // The generation is read before the database, so a write that lands in between is seen next time.
        let generation = writeGeneration()
        let clock = ContinuousClock.now
        guard generation == nil || generation != seenGeneration || epochReadAt.duration(to: clock) > .seconds(1)
        else { return }
        let current = try clients.changeEpoch()
        seenGeneration = generation
        epochReadAt = clock
        if current != epoch {
            keys.removeAll(keepingCapacity: true)
            byClient.removeAll(keepingCapacity: true)
            epoch = current
        }
    }
}

@available(*, unavailable)
extension APIKeyValidator: Sendable {}
