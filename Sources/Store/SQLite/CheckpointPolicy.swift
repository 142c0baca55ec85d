internal import CSQLite

/// When a connection copies the write-ahead log back into the database file, and how it makes sure the log then
/// starts again from its beginning: SQLite's automatic checkpoint replaced (`sqlite3_wal_hook`).
///
/// SQLite's own policy runs a PASSIVE checkpoint after every commit that leaves 1,000 or more frames in the log.
/// A passive checkpoint neither waits for readers nor keeps writers out, and the log only starts again when a
/// writer begins after a checkpoint copied every frame while no reader still used one. Under steady writes from
/// several workers that moment never comes: another worker commits while the checkpoint copies, and readers come and
/// go. Measured with four workers signing in (docs/PERFORMANCE.md): the log grew without end (1.1–1.8 GB in 12 s
/// at about 1,150 logins/s, argon2 at its smallest), and since every commit over the mark checkpointed again,
/// the logins paid 0.3 `fdatasync`s each, eight times what one checkpoint per 1,000 frames costs.
///
/// Here the commit that takes the log to `threshold` frames copies it back with a PASSIVE checkpoint (the bulk of
/// the work, two `fdatasync`s included, while other writers go on), then runs a RESTART checkpoint: that one keeps
/// writers out while it copies what they committed meanwhile, waits for the readers of older snapshots, then for
/// every reader to leave the log, so the next writer starts it again from the beginning. Each of its waits is
/// bounded by `wait` (not the connection's busy timeout: a long reader, an online backup say, must not stall every
/// writer); when one runs out the next attempt comes `threshold / 4` frames later, not at the next commit.
final class CheckpointPolicy {
    /// SQLite's default automatic-checkpoint mark, in frames (pages).
    static let defaultThreshold: Int32 = 1000
    /// How long the RESTART checkpoint waits, each time it waits (for the write lock, for readers).
    static let defaultWait: Duration = .milliseconds(20)

    let threshold: Int32
    let wait: Duration
    private let busyHandler: BusyHandler
    /// The log's length at which this connection tries again after a checkpoint that could not finish.
    private var nextAttempt: Int32 = 0
    /// The log's length after this connection's last commit: a shorter log since means it started again.
    private var lastLength: Int32 = 0

    init(threshold: Int32 = defaultThreshold, wait: Duration = defaultWait, busyHandler: BusyHandler) {
        self.threshold = threshold
        self.wait = wait
        self.busyHandler = busyHandler
    }

    /// Called after each commit on the connection with the number of frames now in the log.
    func committed(_ connection: OpaquePointer, frames: Int32) {
        if frames < lastLength { nextAttempt = 0 }
        lastLength = frames
        guard frames >= max(threshold, nextAttempt) else { return }
        // The copy and its two fsyncs first, with writers free to go on; then the restart, which keeps them out
        // only while it copies what they committed meanwhile and waits for the readers.
        _ = unsafe sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        let rc = busyHandler.waiting(atMost: wait) {
            unsafe sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_RESTART, nil, nil)
        }
        nextAttempt = rc == SQLITE_OK ? 0 : frames + threshold / 4
    }

    /// Installs `policy` on `connection` in place of SQLite's automatic checkpoint. The policy is passed
    /// unretained: the caller keeps it alive for as long as the connection is open.
    static func install(_ policy: CheckpointPolicy, on connection: OpaquePointer) {
        let context = unsafe Unmanaged.passUnretained(policy).toOpaque()
        _ = unsafe sqlite3_wal_hook(connection, walCallback, context)
    }
}

/// The C callback (no captures; the policy comes through the context pointer). sqlite.org: the hook "should
/// normally return SQLITE_OK"; an error would fail the statement whose commit has already happened, so a
/// checkpoint's failure stays here.
private func walCallback(
    _ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?, _ schema: UnsafePointer<CChar>?, _ frames: Int32
) -> Int32 {
    guard let context = unsafe context, let connection = unsafe connection else { return SQLITE_OK }
    let policy = unsafe Unmanaged<CheckpointPolicy>.fromOpaque(context).takeUnretainedValue()
    unsafe policy.committed(connection, frames: frames)
    return SQLITE_OK
}

// Owned by one connection, which never crosses threads.
@available(*, unavailable)
extension CheckpointPolicy: Sendable {}
