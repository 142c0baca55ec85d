#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
internal import Glibc

/// `gatehouse serve`: opens the listen socket, keeps `WORKERS` worker processes running on it, replaces the
/// dead, and handles SIGTERM (graceful stop), SIGHUP (re-read config, replace workers) and SIGINT (as SIGTERM).
/// Single-threaded: signals are blocked and taken with `sigtimedwait`, never handled asynchronously.
///
/// Beside the workers it keeps one helper process running when `helperArguments` is given (`gatehouse deliver`:
/// webhooks and mail). The helper does its slow network work in its own process, so a receiver that hangs never
/// delays reaping, respawning or signal handling here; a helper that dies is restarted within a second.
public final class Supervisor {
    /// How to build a worker's argv for a scoreboard slot; argv[0] included.
    public typealias WorkerArguments = (_ slot: Int) -> [String]

    struct Child {
        let slot: Int
        let generation: Int
        let startedAt: ContinuousClock.Instant
    }

    private var config: Config
    private let loadConfig: () throws(ConfigError) -> Config
    private let workerArguments: WorkerArguments
    private let logger: Logger
    private let pidFile: String?
    private let tick: (Config) -> Void
    private var children: [Int32: Child] = [:]
    private var generation = 0
    private var quickDeaths = 0
    private var respawnAt: ContinuousClock.Instant?
    private let helperArguments: [String]?
    /// The running helper's pid, and when a dead one is started again.
    private var helper: Int32?
    private var helperRespawnAt: ContinuousClock.Instant?

    /// - Parameters:
    ///   - loadConfig: re-reads the configuration on SIGHUP; a failure keeps the running one.
    ///   - tick: called about every 250 ms between signals with the current (possibly reloaded) configuration
    ///     (outbox delivery and other housekeeping).
    public init(
        config: Config, loadConfig: @escaping () throws(ConfigError) -> Config, pidFile: String?,
        logger: Logger, workerArguments: @escaping WorkerArguments, helperArguments: [String]? = nil,
        tick: @escaping (Config) -> Void = { _ in }
    ) {
        self.helperArguments = helperArguments
        self.config = config
        self.loadConfig = loadConfig
        self.pidFile = pidFile
        self.logger = logger
        self.workerArguments = workerArguments
        self.tick = tick
    }

    /// The scoreboard file under the runtime directory.
    public static func scoreboardPath(runtimeDirectory: String) -> String {
        runtimeDirectory + "/scoreboard"
    }

    /// Runs until SIGTERM or SIGINT and every worker has exited; returns the process exit status.
    public func run(environment: [String: String]) throws(WorkerError) -> Int32 {
        let handled = [SIGTERM, SIGINT, SIGQUIT, SIGHUP, SIGCHLD]
        Signals.block(handled)
        Signals.ignore(SIGPIPE)
        do {
            try FileManager.default.createDirectory(atPath: config.runtimeDirectory, withIntermediateDirectories: true)
        } catch {
            throw WorkerError(function: "mkdir", errno: EACCES, message: config.runtimeDirectory)
        }
        let scoreboard = try Scoreboard(path: Self.scoreboardPath(runtimeDirectory: config.runtimeDirectory), create: true)

        let activated = ListenSocket.fromSystemd(environment: environment)
        let listenDescriptor: Int32
        if let activated {
            listenDescriptor = activated
            logger.info("Listening", metadata: ["listen": "systemd socket activation", "fd": "\(activated)"])
        } else {
            listenDescriptor = try ListenSocket.open(config.listen, mode: config.socketMode, group: config.socketGroup)
            logger.info("Listening", metadata: ["listen": "\(config.listen)"])
        }
        if let pidFile {
            try? "\(ChildProcess.currentPID)\n".write(toFile: pidFile, atomically: true, encoding: .utf8)
        }
        defer {
            if let pidFile { try? FileManager.default.removeItem(atPath: pidFile) }
        }

        spawnMissing(scoreboard: scoreboard, listenDescriptor: listenDescriptor)
        spawnHelper()
        var stopping: ContinuousClock.Instant?
        while true {
            let signal = Signals.wait(for: handled, milliseconds: 250)
            switch signal {
            case SIGTERM, SIGINT, SIGQUIT:
                if stopping == nil {
                    logger.notice("Stopping", metadata: ["signal": "\(signal!)", "workers": "\(children.count)"])
                    stopping = .now + .seconds(config.shutdownTimeout)
                    if activated == nil, case .unix(let path) = config.listen { ListenSocket.removeSocketFile(path) }
                    for pid in children.keys { ChildProcess.signal(pid, SIGTERM) }
                    if let helper { ChildProcess.signal(helper, SIGTERM) }
                }
            case SIGHUP where stopping == nil:
                reload(scoreboard: scoreboard, listenDescriptor: listenDescriptor)
            default:
                break
            }
            reap(scoreboard: scoreboard, respawn: stopping == nil)
            if let deadline = stopping {
                if children.isEmpty && helper == nil { break }
                if .now >= deadline {
                    logger.warning("Shutdown timeout; killing workers", metadata: ["workers": "\(children.count)"])
                    for pid in children.keys { ChildProcess.signal(pid, SIGKILL) }
                    if let helper { ChildProcess.signal(helper, SIGKILL) }
                    stopping = .now + .seconds(5)
                }
                continue
            }
            if let due = respawnAt, .now >= due {
                respawnAt = nil
                spawnMissing(scoreboard: scoreboard, listenDescriptor: listenDescriptor)
            }
            if helper == nil, let due = helperRespawnAt, .now >= due {
                helperRespawnAt = nil
                spawnHelper()
            }
            tick(config)
        }
        ListenSocket.closeDescriptor(listenDescriptor)
        logger.notice("Stopped")
        return 0
    }

    private func spawnMissing(scoreboard: Scoreboard, listenDescriptor: Int32) {
        let current = children.values.filter { $0.generation == generation }.count
        for _ in current..<max(current, config.workers) {
            guard let slot = scoreboard.claimSlot(pid: -1) else {
                logger.error("No free scoreboard slot")
                return
            }
            do {
                let pid = try ChildProcess.spawn(
                    path: ChildProcess.currentExecutable(), arguments: workerArguments(slot),
                    listenDescriptor: listenDescriptor)
                scoreboard.setPID(pid, slot: slot)
                children[pid] = Child(slot: slot, generation: generation, startedAt: .now)
            } catch {
                scoreboard.releaseSlot(slot)
                logger.error("Cannot start worker", metadata: ["error": "\(error)"])
                respawnAt = .now + .seconds(1)
                return
            }
        }
    }

    /// Starts the helper process, if there is one to run; on failure, tries again in a second.
    private func spawnHelper() {
        guard let helperArguments, helper == nil else { return }
        do {
            helper = try ChildProcess.spawnHelper(path: ChildProcess.currentExecutable(), arguments: helperArguments)
        } catch {
            logger.error("Cannot start the delivery process", metadata: ["error": "\(error)"])
            helperRespawnAt = .now + .seconds(1)
        }
    }

    private func reap(scoreboard: Scoreboard, respawn: Bool) {
        var lost = false
        for (pid, exit) in ChildProcess.reap() {
            if pid == helper {
                helper = nil
                switch exit {
                case .exited(0), .signaled(SIGTERM):
                    // Asked to stop: a shutdown, or a reload replacing it.
                    logger.info("Delivery process stopped", metadata: ["helper.pid": "\(pid)"])
                default:
                    logger.error("Delivery process died", metadata: ["helper.pid": "\(pid)", "exit": "\(exit)"])
                }
                // Restarted within a second, never in a tight loop.
                if respawn { helperRespawnAt = .now + .milliseconds(500) }
                continue
            }
            guard let child = children.removeValue(forKey: pid) else { continue }
            scoreboard.releaseSlot(child.slot)
            let lived = child.startedAt.duration(to: .now)
            switch exit {
            case .exited(0):
                logger.info("Worker exited", metadata: ["worker.pid": "\(pid)", "worker.slot": "\(child.slot)"])
            case .exited(let code):
                logger.error("Worker failed", metadata: ["worker.pid": "\(pid)", "exit.code": "\(code)"])
            case .signaled(SIGTERM) where child.generation != generation || !respawn:
                // Asked to stop (a reload or shutdown) before it had set up its own handling: it served nothing.
                logger.info(
                    "Worker stopped while starting", metadata: ["worker.pid": "\(pid)", "worker.slot": "\(child.slot)"])
            case .signaled(let signal):
                logger.error("Worker killed", metadata: ["worker.pid": "\(pid)", "signal": "\(signal)"])
            }
            if child.generation == generation {
                lost = true
                quickDeaths = (exit != .exited(0) && lived < .seconds(1)) ? quickDeaths + 1 : 0
            }
        }
        guard respawn, lost, respawnAt == nil else { return }
        // A worker that keeps dying at start-up (bad database, bad keys) is retried with back-off, not in a loop.
        let delay = quickDeaths >= 3 ? Duration.milliseconds(min(5000, 250 << min(quickDeaths - 3, 5))) : .zero
        respawnAt = .now + delay
        if delay > .zero { logger.warning("Workers keep failing; backing off", metadata: ["delay_ms": "\(delay)"]) }
    }

    private func reload(scoreboard: Scoreboard, listenDescriptor: Int32) {
        let fresh: Config
        do {
            fresh = try loadConfig()
        } catch {
            logger.error("Reload refused: configuration invalid; keeping the running one", metadata: ["error": "\(error)"])
            return
        }
        if fresh.listen != config.listen {
            logger.warning("LISTEN changed; it takes effect on restart, not reload")
        }
        config = fresh
        let old = children.filter { $0.value.generation == generation }.map(\.key)
        generation += 1
        quickDeaths = 0
        spawnMissing(scoreboard: scoreboard, listenDescriptor: listenDescriptor)
        // The new workers are accepting before the old ones are asked to finish, so no request finds nobody.
        for pid in old { ChildProcess.signal(pid, SIGTERM) }
        // The helper picks up the new configuration by being replaced; its claims keep an attempt from going out
        // twice while the old one finishes.
        if let helper { ChildProcess.signal(helper, SIGTERM) }
        logger.notice("Reloaded", metadata: ["workers": "\(config.workers)", "replaced": "\(old.count)"])
    }
}

@available(*, unavailable)
extension Supervisor: Sendable {}
