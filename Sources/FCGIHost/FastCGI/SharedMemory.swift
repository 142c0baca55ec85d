internal import CFastCGI
internal import Glibc

/// A file mapped `MAP_SHARED` into memory and read as 64-bit words: the worker scoreboard.
/// Each word has one writer (its worker); aligned 8-byte loads and stores do not tear on x86-64 and arm64.
@safe
final class SharedMemory {
    private let base: UnsafeMutableRawPointer
    let wordCount: Int

    /// Maps `path`; with `create`, the file is made (or truncated) to `size` zero bytes first.
    init(path: String, size: Int, create: Bool) throws(WorkerError) {
        let flags = create ? (O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC) : (O_RDWR | O_CLOEXEC)
        let fd = unsafe Glibc.open(path, flags, 0o600)
        guard fd >= 0 else { throw WorkerError(function: "open", errno: errno, message: path) }
        defer { close(fd) }
        if create {
            guard ftruncate(fd, off_t(size)) == 0 else { throw WorkerError(function: "ftruncate", errno: errno, message: path) }
        } else {
            var status = stat()
            guard unsafe fstat(fd, &status) == 0, Int(status.st_size) >= size else {
                throw WorkerError(function: "fstat", errno: EINVAL, message: "\(path) is smaller than the scoreboard")
            }
        }
        let mapped = unsafe mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let mapped = unsafe mapped, unsafe mapped != MAP_FAILED else {
            throw WorkerError(function: "mmap", errno: errno, message: path)
        }
        unsafe base = mapped
        wordCount = size / 8
    }

    deinit { unsafe munmap(base, wordCount * 8) }

    func load(_ word: Int) -> UInt64 {
        precondition(word >= 0 && word < wordCount, "scoreboard word out of range")
        return unsafe base.load(fromByteOffset: word * 8, as: UInt64.self)
    }

    func store(_ word: Int, _ value: UInt64) {
        precondition(word >= 0 && word < wordCount, "scoreboard word out of range")
        unsafe base.storeBytes(of: value, toByteOffset: word * 8, as: UInt64.self)
    }

    func add(_ word: Int, _ delta: UInt64) {
        store(word, load(word) &+ delta)
    }

    /// An atomic add, for the few words every process writes.
    func atomicAdd(_ word: Int, _ delta: UInt64) {
        _ = unsafe cfastcgi_atomic_add(pointer(word), delta)
    }

    func atomicLoad(_ word: Int) -> UInt64 {
        return unsafe cfastcgi_atomic_load(pointer(word))
    }

    func atomicStore(_ word: Int, _ value: UInt64) {
        unsafe cfastcgi_atomic_store(pointer(word), value)
    }

    /// Sets `word` to `desired` if it holds `expected`, atomically across processes.
    func compareExchange(_ word: Int, expected: UInt64, desired: UInt64) -> Bool {
        unsafe cfastcgi_atomic_cas(pointer(word), expected, desired)
    }

    /// Sleeps while the low half of `word` equals `expected`, until woken or `timeoutMilliseconds` pass;
    /// false when the time ran out.
    func wait(_ word: Int, whileLowHalfIs expected: UInt32, timeoutMilliseconds: Int) -> Bool {
        unsafe cfastcgi_futex_wait(pointer(word), expected, timeoutMilliseconds) == 0 || errno != ETIMEDOUT
    }

    /// Wakes up to `count` processes sleeping in ``wait(_:whileLowHalfIs:timeoutMilliseconds:)`` on `word`.
    func wake(_ word: Int, count: Int32) {
        _ = unsafe cfastcgi_futex_wake(pointer(word), count)
    }

    private func pointer(_ word: Int) -> UnsafeMutablePointer<UInt64> {
        precondition(word >= 0 && word < wordCount, "scoreboard word out of range")
        return unsafe (base + word * 8).assumingMemoryBound(to: UInt64.self)
    }
}

// Shared between processes through the file, never between threads.
@available(*, unavailable)
extension SharedMemory: Sendable {}

/// Whether a process with this pid exists (signal 0 probes without sending).
func processExists(_ pid: Int32) -> Bool {
    pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
}
