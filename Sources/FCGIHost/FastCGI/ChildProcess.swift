internal import CFastCGI
internal import Glibc

/// Starting, signalling and reaping worker processes: `posix_spawn` of our own binary, never `fork` of a
/// running Swift process (DESIGN.md, Process model).
public enum ChildProcess {
    /// How a reaped child ended.
    enum Exit: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// Spawns `arguments` (argv[0] included) of the executable at `path`, with `listenDescriptor` as its fd 0
    /// (the FastCGI convention, `FCGI_LISTENSOCK_FILENO`), default signal dispositions and an empty mask.
    static func spawn(path: String, arguments: [String], listenDescriptor: Int32) throws(WorkerError) -> Int32 {
        try spawnProcess(path: path, arguments: arguments, standardInput: listenDescriptor)
    }

    /// Spawns a helper process (the delivery process): like a worker, but with `/dev/null` as its fd 0, never the
    /// listen socket.
    static func spawnHelper(path: String, arguments: [String]) throws(WorkerError) -> Int32 {
        let null = unsafe open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard null >= 0 else { throw WorkerError(function: "open", errno: errno, message: "/dev/null") }
        defer { close(null) }
        return try spawnProcess(path: path, arguments: arguments, standardInput: null)
    }

    /// `posix_spawn` with `standardInput` as the child's fd 0, an empty signal mask and default dispositions
    /// (the supervisor blocks signals; a child must not inherit that).
    private static func spawnProcess(path: String, arguments: [String], standardInput: Int32) throws(WorkerError) -> Int32 {
        var actions = unsafe posix_spawn_file_actions_t()
        unsafe posix_spawn_file_actions_init(&actions)
        defer { unsafe posix_spawn_file_actions_destroy(&actions) }
        unsafe posix_spawn_file_actions_adddup2(&actions, standardInput, 0)

        var attributes = posix_spawnattr_t()
        unsafe posix_spawnattr_init(&attributes)
        defer { unsafe posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        unsafe sigemptyset(&empty)
        unsafe posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        unsafe sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT, SIGPIPE, SIGUSR1] { unsafe sigaddset(&defaults, signal) }
        unsafe posix_spawnattr_setsigdefault(&attributes, &defaults)
        unsafe posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        var pid: pid_t = 0
        let cArguments: [UnsafeMutablePointer<CChar>?] = unsafe arguments.map { unsafe strdup($0) } + [nil]
        defer { unsafe cArguments.forEach { unsafe free($0) } }
        let rc = unsafe cArguments.withUnsafeBufferPointer { argv in
            unsafe posix_spawn(&pid, path, &actions, &attributes, argv.baseAddress!, environ)
        }
        guard rc == 0 else { throw WorkerError(function: "posix_spawn", code: rc, errno: rc, message: path) }
        return pid
    }

    static func signal(_ pid: Int32, _ signal: Int32) {
        kill(pid, signal)
    }

    /// Every child that has ended since the last call, without blocking.
    static func reap() -> [(pid: Int32, exit: Exit)] {
        var result: [(pid: Int32, exit: Exit)] = []
        while true {
            var status: Int32 = 0
            let pid = unsafe waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            let signal = status & 0x7f
            result.append((pid, signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)))
        }
        return result
    }

    /// This process's executable, so workers run exactly the binary the supervisor runs.
    static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = unsafe buffer.withUnsafeMutableBufferPointer { unsafe readlink("/proc/self/exe", $0.baseAddress!, $0.count - 1) }
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static var currentPID: Int32 { getpid() }

    /// Keeps memory a worker has freed mapped for its next request, instead of glibc's default of giving the top
    /// of the heap back to the kernel as soon as 128 KiB are free there. Every request that follows another
    /// worker's commit finds SQLite's page cache stale and frees it, and the next reads allocate it again: with
    /// the default, each login returned those pages with `brk` and faulted fresh zeroed ones back in. Freed
    /// memory past 64 MiB at the top of the heap is still returned; large blocks still come from `mmap`
    /// (from 4 MiB on; the argon2 work area is mapped on its own, see `Argon2Memory`).
    static func keepFreedHeap() {
        _ = mallopt(M_TRIM_THRESHOLD, 64 << 20)
        _ = mallopt(M_MMAP_THRESHOLD, 4 << 20)
    }

    /// The CPUs the calling thread may run on (its affinity mask), in ascending order; empty if unreadable.
    static func allowedCPUs() -> [Int32] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = unsafe cpus.withUnsafeMutableBufferPointer { unsafe cfastcgi_allowed_cpus($0.baseAddress, 1024) }
        return count > 0 ? Array(cpus.prefix(Int(count))) : []
    }

    /// Lets the calling thread run on `cpus` only; false when the kernel refused (a CPU outside the cgroup).
    @discardableResult
    static func runOnly(on cpus: [Int32]) -> Bool {
        unsafe cpus.withUnsafeBufferPointer { unsafe cfastcgi_set_cpus($0.baseAddress, Int32($0.count)) } == 0
    }
}

extension ChildProcess {
    /// Runs `/bin/sh -c command` with `input` on its standard input and waits for it, at most `timeout`;
    /// returns its exit status (a command still running then is killed and reported as 124, like timeout(1)).
    /// Used by the supervisor to hand mail to `MAILER_COMMAND`.
    public static func runShell(_ command: String, input: [UInt8], timeout: Duration = .seconds(30)) throws(WorkerError) -> Int32 {
        var pipeEnds: [Int32] = [0, 0]
        guard unsafe pipe(&pipeEnds) == 0 else { throw WorkerError(function: "pipe", errno: errno) }
        // The write end must not leak into the command, or it would never see end of input.
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        let pid: Int32
        do {
            pid = try spawnProcess(path: "/bin/sh", arguments: ["/bin/sh", "-c", command], standardInput: pipeEnds[0])
        } catch {
            close(pipeEnds[0])
            close(pipeEnds[1])
            throw error
        }
        close(pipeEnds[0])
        var offset = 0
        while offset < input.count {
            let written = unsafe input.withUnsafeBytes { unsafe write(pipeEnds[1], $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { break }  // the command stopped reading; its status says what happened
            offset += written
        }
        close(pipeEnds[1])
        let deadline = ContinuousClock.now + timeout
        while true {
            var status: Int32 = 0
            let done = unsafe waitpid(pid, &status, WNOHANG)
            if done == pid { return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                unsafe waitpid(pid, &status, 0)
                return 124
            }
            usleep(10_000)
        }
    }
}
