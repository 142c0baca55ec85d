#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import FCGIHost
public import Store

/// The supervisor's pruning of expired state, every `PRUNE_INTERVAL`: lockouts, rate-limit buckets, sessions,
/// refresh and reset tokens, reset requests and old mail, expired WebAuthn challenges, and audit/activity rows past `AUDIT_RETENTION`.
///
/// It deletes in batches of ``batchSize`` rows (each its own short write transaction) and spends at most
/// ``budget`` per supervisor tick, carrying on at the next tick, so neither the workers' writes nor the
/// supervisor's own signal handling wait on it.
public final class Housekeeping {
    public static let batchSize = 500
    public static let budget: Duration = .milliseconds(50)

    let retention: Retention
    let logger: Logger
    private var nextRun: ContinuousClock.Instant?
    /// The kinds still to prune in the current pass, and the cutoffs the pass started with.
    private var remaining: [Retention.Kind] = []
    private var cutoffs: [Retention.Kind: Date] = [:]
    private var deleted: [Retention.Kind: Int] = [:]

    public init(database: Database, logger: Logger) {
        retention = Retention(db: database)
        self.logger = logger
    }

    /// When each kind of row has expired, under `config`, at `now`.
    public static func cutoffs(config: Config, now: Date) -> [Retention.Kind: Date] {
        func ago(_ seconds: Int) -> Date { now.addingTimeInterval(-TimeInterval(seconds)) }
        // A bucket untouched for its whole period is full again; the longest period of any bucket covers all.
        let longestRatePeriod = config.rateLimits.values.map(\.periodSeconds).max() ?? 0
        return [
            // Keep a lock's history as long as it can still double the next lock.
            .lockouts: ago(max(config.lockoutWindow, config.lockoutMaxDuration)),
            .rateLimits: ago(longestRatePeriod),
            .expiredSessions: now,
            // A revoked session stays a day, so a stolen refresh token replayed meanwhile still reads as revoked.
            .revokedSessions: ago(86_400),
            .refreshTokens: now,
            .passwordResets: now,
            .resetRequests: ago(3600),
            .outbox: ago(86_400),
            .audit: ago(config.auditRetention),
            .activity: ago(config.auditRetention),
            .mfaChallenges: now,
            .webauthnChallenges: now,
            .events: ago(config.auditRetention),
        ]
    }

    /// Called from the supervisor's tick: starts a pass every `PRUNE_INTERVAL`, and works on it for at most
    /// ``budget``.
    public func tick(config: Config, now: Date = Date()) {
        let clock = ContinuousClock.now
        if remaining.isEmpty {
            // The first pass soon after start (at most 10 s), not at once: start-up has enough to do.
            guard let due = nextRun else {
                nextRun = clock + .seconds(min(10, config.pruneInterval))
                return
            }
            guard clock >= due else { return }
            nextRun = clock + .seconds(config.pruneInterval)
            remaining = Retention.Kind.allCases
            cutoffs = Self.cutoffs(config: config, now: now)
            deleted = [:]
        }
        let deadline = clock + Self.budget
        do {
            while let kind = remaining.first, ContinuousClock.now < deadline {
                let count = try retention.pruneBatch(kind, before: cutoffs[kind] ?? now, limit: Self.batchSize)
                deleted[kind, default: 0] += count
                if count < Self.batchSize { remaining.removeFirst() }
            }
        } catch {
            logger.error("Pruning failed; trying again next interval", metadata: ["error": "\(error)"])
            remaining = []
        }
        if remaining.isEmpty, deleted.values.contains(where: { $0 > 0 }) {
            logger.info(
                "Expired rows deleted",
                metadata: Dictionary(uniqueKeysWithValues: deleted.filter { $0.value > 0 }.map { ("prune.\($0.key.rawValue)", "\($0.value)") }))
        }
    }

    /// One whole pass now (`gatehouse prune`): every kind until nothing expired is left. Returns the rows
    /// deleted per kind.
    public func pruneAll(config: Config, now: Date = Date()) throws -> [(Retention.Kind, Int)] {
        let cutoffs = Self.cutoffs(config: config, now: now)
        return try Retention.Kind.allCases.map { kind in
            var total = 0
            while true {
                let count = try retention.pruneBatch(kind, before: cutoffs[kind] ?? now, limit: Self.batchSize)
                total += count
                if count < Self.batchSize { break }
            }
            return (kind, total)
        }
    }
}

@available(*, unavailable)
extension Housekeeping: Sendable {}
