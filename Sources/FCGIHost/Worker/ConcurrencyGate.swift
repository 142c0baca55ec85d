/// Lets at most `limit` processes of the service do one kind of expensive work at once, across every worker.
///
/// Built for argon2id, which takes a core and `ARGON2_MEMORY_KIB` of memory for tens of milliseconds. With more
/// workers than cores (the default is four per core, so cheap requests find a free worker while hashes run),
/// concurrent hashes would only share the cores: each finishes later, all their memory is resident at once,
/// and they evict each other's caches. Behind the gate they run one per core at full speed, and the other
/// workers keep answering. A worker that waits sleeps in the kernel (a futex on the scoreboard).
///
/// When there is a CPU for every slot (in the process's affinity mask), the holder of slot i runs on the i-th of
/// those CPUs alone while it works, and on all of them again afterwards. Left to the scheduler, two holders
/// sometimes shared one core while the other idled (a busy task is not pulled to an idle core at once): measured
/// at login with four workers, two slots and two cores, the machine stood idle 124–339 µs per login, about 20 µs
/// with the holders pinned (docs/PERFORMANCE.md). Two `sched_setaffinity` calls per run.
///
/// The slots live in the scoreboard and hold their owner's pid, taken with a compare-and-swap, so a slot is
/// never lost: the supervisor frees a dead worker's slots when it reaps it, and a waiter that has slept for
/// 50 ms without a wake-up frees slots whose process has gone.
///
/// ```swift
/// let gate = ConcurrencyGate(scoreboard: metrics.scoreboard, limit: config.argon2Concurrency)
/// let hash = try gate.run { try Argon2id.hash(password, parameters: parameters) }
/// ```
public final class ConcurrencyGate {
    private let memory: SharedMemory
    public let limit: Int
    private let pid: UInt64
    private var holding = false
    /// The CPUs this process may run on, when there is one for every slot: the holder of slot i then runs on
    /// the i-th of them while it works (``run(onWait:_:)``). Empty when slots outnumber the CPUs.
    private let slotCPUs: [Int32]

    /// A gate of `limit` slots (clamped to 1...64) over the scoreboard's shared words.
    public init(scoreboard: Scoreboard, limit: Int) {
        memory = scoreboard.memory
        self.limit = min(max(1, limit), Scoreboard.maxGateSlots)
        pid = UInt64(UInt32(bitPattern: ChildProcess.currentPID))
        let cpus = ChildProcess.allowedCPUs()
        slotCPUs = cpus.count >= self.limit ? cpus : []
    }

    /// Runs `body` holding a slot, waiting for one first if all are taken (then `onWait` is called once,
    /// before the wait: a metric of how often work queues).
    /// A call from inside `body` runs at once on the slot already held (waiting for a second one could wait for
    /// ever with a limit of one).
    public func run<T, E: Error>(onWait: () -> Void = {}, _ body: () throws(E) -> T) throws(E) -> T {
        if holding { return try body() }
        let slot = acquire(onWait: onWait)
        holding = true
        let pinned = !slotCPUs.isEmpty && ChildProcess.runOnly(on: [slotCPUs[slot]])
        defer {
            // Should the mask have shrunk meanwhile (a cpuset changed), every CPU is asked for: the kernel keeps
            // those the cgroup allows.
            if pinned, !ChildProcess.runOnly(on: slotCPUs) { ChildProcess.runOnly(on: Array(0..<1024)) }
            holding = false
            release(slot)
        }
        return try body()
    }

    private func acquire(onWait: () -> Void) -> Int {
        var waited = false
        while true {
            // The sequence is read before the slots, so a release between the two ends the wait at once.
            let sequence = memory.atomicLoad(Scoreboard.gateSequenceWord)
            for slot in 0..<limit
            where memory.compareExchange(Scoreboard.gateHoldersWord + slot, expected: 0, desired: pid) {
                return slot
            }
            if !waited {
                waited = true
                onWait()
            }
            let woken = memory.wait(
                Scoreboard.gateSequenceWord, whileLowHalfIs: UInt32(truncatingIfNeeded: sequence),
                timeoutMilliseconds: 50)
            if !woken { freeSlotsOfVanishedProcesses() }
        }
    }

    private func release(_ slot: Int) {
        memory.atomicStore(Scoreboard.gateHoldersWord + slot, 0)
        Self.announceRelease(memory, waking: 1)
    }

    private func freeSlotsOfVanishedProcesses() {
        for slot in 0..<Scoreboard.maxGateSlots {
            let holder = memory.atomicLoad(Scoreboard.gateHoldersWord + slot)
            if holder != 0, !processExists(Int32(truncatingIfNeeded: holder)) {
                Self.releaseSlots(heldBy: holder, in: memory)
            }
        }
    }

    /// Frees every slot `pid` holds (the supervisor calls it for a worker it reaped).
    static func releaseSlots(heldBy pid: UInt64, in memory: SharedMemory) {
        guard pid != 0 else { return }
        var freed = 0
        for slot in 0..<Scoreboard.maxGateSlots
        where memory.compareExchange(Scoreboard.gateHoldersWord + slot, expected: pid, desired: 0) {
            freed += 1
        }
        if freed > 0 { announceRelease(memory, waking: Int32(freed)) }
    }

    private static func announceRelease(_ memory: SharedMemory, waking count: Int32) {
        memory.atomicAdd(Scoreboard.gateSequenceWord, 1)
        memory.wake(Scoreboard.gateSequenceWord, count: count)
    }
}

// One per worker process; shared with other processes only through the scoreboard.
@available(*, unavailable)
extension ConcurrencyGate: Sendable {}
