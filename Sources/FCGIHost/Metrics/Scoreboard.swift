/// Per-worker counter slots in a shared memory-mapped file (Apache's and php-fpm's scoreboard): each slot is
/// written only by the worker that holds it and summed by whoever reads, so every worker reports the whole
/// service. A recycled worker's successor keeps adding to the same slot, so counters never go backwards.
public final class Scoreboard {
    /// The names behind the counter indexes; the same in every process because the wiring builds it the same way.
    /// Route labels are the router's patterns, in the order they were added (``Metrics/countRoutes(of:)``).
    public struct Layout: Sendable {
        /// Counter names and their help text.
        public let counters: [(name: String, help: String)]
        /// Histogram names (in seconds) and their help text.
        public let histograms: [(name: String, help: String)]

        public init(counters: [(name: String, help: String)], histograms: [(name: String, help: String)]) {
            precondition(counters.count <= Scoreboard.maxCounters && histograms.count + 1 <= Scoreboard.maxHistograms)
            self.counters = counters
            self.histograms = [("http_request_duration_seconds", "Time from accept to the last byte written, every route.")]
                + histograms
        }
    }

    public enum SlotState: UInt64 { case free = 0, idle = 1, busy = 2 }

    static let capacity = 256
    static let maxCounters = 64
    static let maxRoutes = 160
    static let maxHistograms = 8
    /// Status codes with their own counter; anything else is counted under the last index as "other".
    public static let statuses: [Int] = [
        200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409, 412, 413, 415, 422, 429, 500, 502, 503,
    ]
    /// Upper bounds of the duration histogram buckets, in seconds (+Inf is the count).
    public static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    // Word offsets inside a slot.
    static let pidWord = 0, stateWord = 1, usedWord = 2, requestsWord = 3
    static let countersWord = 8
    static let routesWord = countersWord + maxCounters
    static let statusCount = statuses.count + 1
    static let histogramsWord = routesWord + maxRoutes * statusCount
    static let histogramStride = buckets.count + 2  // buckets, count, sum in nanoseconds
    static let slotWords = (histogramsWord + maxHistograms * histogramStride + 7) / 8 * 8
    /// Words before the first slot, shared by every process: word 0 is the write generation, word 8 the
    /// ``ConcurrencyGate``'s wake-up sequence, and the `maxGateSlots` words from 16 its holders' pids.
    static let headerWords = 80
    static let gateSequenceWord = 8, gateHoldersWord = 16, maxGateSlots = 64
    static let fileSize = (headerWords + capacity * slotWords) * 8

    let memory: SharedMemory
    /// The slot this process writes, if it is a worker.
    public private(set) var slot: Int?

    /// Opens the scoreboard at `path`; the supervisor creates it (zeroed), workers attach to it.
    public init(path: String, create: Bool) throws(WorkerError) {
        memory = try SharedMemory(path: path, size: Self.fileSize, create: create)
    }

    private func word(_ slot: Int, _ offset: Int) -> Int { Self.headerWords + slot * Self.slotWords + offset }

    // MARK: Write generation

    /// Moves after every state-changing request (and every CLI write), so a process that caches database
    /// state — the verify path's session liveness — knows when to read the database again.
    public var writeGeneration: UInt64 { memory.atomicLoad(0) }

    public func bumpWriteGeneration() {
        memory.atomicAdd(0, 1)
    }

    /// Bumps the write generation of the service whose runtime directory this is, if one is running
    /// (the command-line tools call it after they write).
    public static func bumpWriteGeneration(runtimeDirectory: String) {
        guard let scoreboard = try? Scoreboard(path: Supervisor.scoreboardPath(runtimeDirectory: runtimeDirectory), create: false)
        else { return }
        scoreboard.bumpWriteGeneration()
    }

    // MARK: Supervisor

    /// A free slot for a new worker, preferring slots used before (their counters continue).
    func claimSlot(pid: Int32) -> Int? {
        let candidates = (0..<Self.capacity).filter { memory.load(word($0, Self.pidWord)) == 0 }
        guard let slot = candidates.first(where: { memory.load(word($0, Self.usedWord)) == 1 }) ?? candidates.first else {
            return nil
        }
        memory.store(word(slot, Self.pidWord), UInt64(UInt32(bitPattern: pid)))
        memory.store(word(slot, Self.stateWord), SlotState.idle.rawValue)
        memory.store(word(slot, Self.usedWord), 1)
        return slot
    }

    func setPID(_ pid: Int32, slot: Int) {
        memory.store(word(slot, Self.pidWord), UInt64(UInt32(bitPattern: pid)))
    }

    /// Frees a dead worker's slot (it may have died busy), and any gate slot it held.
    func releaseSlot(_ slot: Int) {
        ConcurrencyGate.releaseSlots(heldBy: memory.load(word(slot, Self.pidWord)), in: memory)
        memory.store(word(slot, Self.stateWord), SlotState.free.rawValue)
        memory.store(word(slot, Self.pidWord), 0)
    }

    // MARK: Worker

    /// Makes this process the writer of `slot`.
    public func attach(slot: Int) {
        precondition(slot >= 0 && slot < Self.capacity)
        self.slot = slot
    }

    public func setState(_ state: SlotState) {
        guard let slot else { return }
        memory.store(word(slot, Self.stateWord), state.rawValue)
    }

    /// Counts one answered request under its route index and status.
    public func recordRequest(route: Int, status: Int, seconds: Double) {
        guard let slot else { return }
        let statusIndex = Self.statuses.firstIndex(of: status) ?? Self.statuses.count
        memory.add(word(slot, Self.requestsWord), 1)
        memory.add(word(slot, Self.routesWord + min(route, Self.maxRoutes - 1) * Self.statusCount + statusIndex), 1)
        observe(histogram: 0, seconds: seconds)
    }

    public func increment(counter: Int, by delta: UInt64 = 1) {
        guard let slot else { return }
        memory.add(word(slot, Self.countersWord + counter), delta)
    }

    public func observe(histogram: Int, seconds: Double) {
        guard let slot else { return }
        let base = Self.histogramsWord + histogram * Self.histogramStride
        if let bucket = Self.buckets.firstIndex(where: { seconds <= $0 }) {
            memory.add(word(slot, base + bucket), 1)
        }
        memory.add(word(slot, base + Self.buckets.count), 1)
        memory.add(word(slot, base + Self.buckets.count + 1), UInt64(max(0, seconds * 1e9)))
    }

    // MARK: Reader

    /// The sums over every slot ever used.
    public func snapshot() -> ScoreboardSnapshot {
        var snapshot = ScoreboardSnapshot()
        snapshot.routeStatus = Array(repeating: Array(repeating: 0, count: Self.statusCount), count: Self.maxRoutes)
        snapshot.counters = Array(repeating: 0, count: Self.maxCounters)
        snapshot.histograms = Array(
            repeating: Array(repeating: 0, count: Self.histogramStride), count: Self.maxHistograms)
        for slot in 0..<Self.capacity where memory.load(word(slot, Self.usedWord)) == 1 {
            let pid = Int32(truncatingIfNeeded: memory.load(word(slot, Self.pidWord)))
            if pid != 0, processExists(pid) {
                snapshot.workers += 1
                if memory.load(word(slot, Self.stateWord)) == SlotState.busy.rawValue { snapshot.busyWorkers += 1 }
            }
            snapshot.requestsTotal += memory.load(word(slot, Self.requestsWord))
            for counter in 0..<Self.maxCounters {
                snapshot.counters[counter] += memory.load(word(slot, Self.countersWord + counter))
            }
            for route in 0..<Self.maxRoutes {
                for status in 0..<Self.statusCount {
                    let value = memory.load(word(slot, Self.routesWord + route * Self.statusCount + status))
                    if value != 0 { snapshot.routeStatus[route][status] += value }
                }
            }
            for histogram in 0..<Self.maxHistograms {
                for index in 0..<Self.histogramStride {
                    snapshot.histograms[histogram][index] += memory.load(
                        word(slot, Self.histogramsWord + histogram * Self.histogramStride + index))
                }
            }
        }
        return snapshot
    }
}

/// Sums read from the scoreboard at one moment.
public struct ScoreboardSnapshot: Sendable {
    public var workers = 0
    public var busyWorkers = 0
    public var requestsTotal: UInt64 = 0
    public var counters: [UInt64] = []
    /// [route index][status index]
    public var routeStatus: [[UInt64]] = []
    /// [histogram][bucket..., count, sum in ns]
    public var histograms: [[UInt64]] = []
}

@available(*, unavailable)
extension Scoreboard: Sendable {}
