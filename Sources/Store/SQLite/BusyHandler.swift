internal import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decides, each time SQLite finds the database locked, whether to wait and try again.
///
/// SQLite's own busy timeout sleeps with a growing back-off (1, 2, 5, 10 … 100 ms), so a writer that
/// arrives while another commits may sleep far longer than the lock is held, and with several writer
/// processes the waits are unfair (0.6–1.8 s worst case measured, FACTS.md). Our write transactions last
/// tens of microseconds, so this handler retries after a short, jittered sleep instead: the jitter keeps
/// processes from retrying in lockstep, and no waiter sleeps more than a quarter of a millisecond at a time.
/// In the parallel-login test (8 processes, 2 cores) the worst single wait fell from 54–135 ms with
/// `sqlite3_busy_timeout` to 5–16 ms with this handler.
/// It gives up, and the call fails with `SQLITE_BUSY` (``StoreError/busy``), once `timeout` has passed
/// since the first retry of this lock wait.
final class BusyHandler {
    private(set) var timeout: Duration
    private var waitStarted = ContinuousClock.now
    /// The jitter's source: SplitMix64 (Steele, Lea and Flood 2014), seeded once from the system's generator. The
    /// jitter needs no secrecy, and the system's generator is a `getrandom` system call on every draw: one per
    /// retry, up to thirteen a login under contention (`strace -c`).
    private var generator = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))

    init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Called by SQLite with the number of times it already called for this lock wait.
    /// sqlite.org: "If the busy callback returns 0, then no additional attempts are made to access the
    /// database and SQLITE_BUSY is returned to the application."
    func shouldRetry(priorCalls: Int32) -> Bool {
        let now = ContinuousClock.now
        if priorCalls == 0 { waitStarted = now }
        guard now - waitStarted < timeout else { return false }
        // The first retries come quickly, since the holder is usually one short transaction;
        // later ones spread out to at most 250 µs.
        let ceiling: UInt32 = priorCalls < 4 ? 60 : min(250, 60 + UInt32(priorCalls) * 20)
        usleep(UInt32.random(in: 10...ceiling, using: &generator))
        return true
    }

    /// Runs `body` with the timeout shortened to at most `limit`: one call that should give up sooner than a
    /// statement would (``CheckpointPolicy``).
    func waiting<T>(atMost limit: Duration, _ body: () -> T) -> T {
        let saved = timeout
        timeout = min(timeout, limit)
        defer { timeout = saved }
        return body()
    }

    /// Installs `handler` on `connection`. The handler is passed unretained: the caller keeps it alive
    /// for as long as the connection is open.
    static func install(_ handler: BusyHandler, on connection: OpaquePointer) throws(StoreError) {
        let context = unsafe Unmanaged.passUnretained(handler).toOpaque()
        try unsafe sqlite(connection) {
            unsafe sqlite3_busy_handler(connection, busyCallback, context)
        }
    }
}

/// Steele, Lea and Flood's SplitMix64: a 64-bit state stepped by the golden-ratio increment, then mixed.
private struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The C callback: no captures (a capturing `@convention(c)` closure crashes the 6.3 compiler), the
/// handler comes through the context pointer.
private func busyCallback(_ context: UnsafeMutableRawPointer?, _ priorCalls: Int32) -> Int32 {
    guard let context = unsafe context else { return 0 }
    let handler = unsafe Unmanaged<BusyHandler>.fromOpaque(context).takeUnretainedValue()
    return handler.shouldRetry(priorCalls: priorCalls) ? 1 : 0
}

// Owned by one Database, which never crosses threads.
@available(*, unavailable)
extension BusyHandler: Sendable {}
