internal import CFastCGI
internal import Glibc

/// Signal masks and synchronous waiting: the supervisor and workers never run code in signal handlers.
enum Signals {
    /// Blocks `signals` for this (single-threaded) process so they queue until waited for.
    static func block(_ signals: [Int32]) {
        var set = sigset_t()
        unsafe sigemptyset(&set)
        for signal in signals { unsafe sigaddset(&set, signal) }
        unsafe sigprocmask(SIG_BLOCK, &set, nil)
    }

    /// Ignores `signal` (SIGPIPE: a vanished peer is an error return, not death).
    static func ignore(_ signal: Int32) {
        Glibc.signal(signal, SIG_IGN)
    }

    /// Waits up to `milliseconds` for one of `signals` (which must be blocked); nil on timeout.
    static func wait(for signals: [Int32], milliseconds: Int) -> Int32? {
        var set = sigset_t()
        unsafe sigemptyset(&set)
        for signal in signals { unsafe sigaddset(&set, signal) }
        var timeout = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        let signal = unsafe sigtimedwait(&set, nil, &timeout)
        return signal > 0 ? signal : nil
    }

    /// Asks the kernel to send `signal` to this process when its parent dies.
    static func setParentDeathSignal(_ signal: Int32) {
        _ = cfastcgiParentDeath(signal)
    }
}

/// Stop signals for a helper process that runs its own loop (the delivery process): SIGTERM, SIGINT, SIGQUIT and
/// SIGHUP are blocked and polled between rounds, never handled asynchronously; SIGPIPE is ignored; the process is
/// sent SIGTERM when its parent (the supervisor) dies.
public enum StopSignals {
    static let stopping = [SIGTERM, SIGINT, SIGQUIT, SIGHUP]

    /// Blocks the stop signals and ignores SIGPIPE; call once at start.
    public static func takeOver() {
        Signals.block(stopping)
        Signals.ignore(SIGPIPE)
        Signals.setParentDeathSignal(SIGTERM)
    }

    /// Whether a stop signal has arrived, waiting at most `milliseconds` for one.
    public static func received(waiting milliseconds: Int = 0) -> Bool {
        Signals.wait(for: stopping, milliseconds: milliseconds) != nil
    }
}

/// A `signalfd`: blocked signals become readable events in the worker's poll set.
@safe
final class SignalDescriptor {
    let descriptor: Int32

    init(signals: [Int32]) throws(WorkerError) {
        var set = sigset_t()
        unsafe sigemptyset(&set)
        for signal in signals { unsafe sigaddset(&set, signal) }
        let fd = unsafe signalfd(-1, &set, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        guard fd >= 0 else { throw WorkerError(function: "signalfd", errno: errno) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// The signals that arrived since the last read.
    func drain() -> [Int32] {
        var signals: [Int32] = []
        var info = signalfd_siginfo()
        while unsafe Glibc.read(descriptor, &info, MemoryLayout<signalfd_siginfo>.size) == MemoryLayout<signalfd_siginfo>.size {
            signals.append(Int32(info.ssi_signo))
        }
        return signals
    }
}

@available(*, unavailable)
extension SignalDescriptor: Sendable {}
