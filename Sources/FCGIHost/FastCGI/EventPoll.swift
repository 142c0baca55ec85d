internal import CFastCGI
internal import Glibc

/// An epoll set; the listen socket is added with `EPOLLEXCLUSIVE`, so one idle worker wakes per connection
/// instead of all of them.
@safe
final class EventPoll {
    private let descriptor: Int32

    init() throws(WorkerError) {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw WorkerError(function: "epoll_create1", errno: errno) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    func add(_ fd: Int32, exclusive: Bool) throws(WorkerError) {
        var event = unsafe epoll_event()
        unsafe event.events = EPOLLIN.rawValue | (exclusive ? EPOLLEXCLUSIVE.rawValue : 0)
        unsafe event.data.fd = fd
        guard unsafe epoll_ctl(descriptor, EPOLL_CTL_ADD, fd, &event) == 0 else {
            throw WorkerError(function: "epoll_ctl", errno: errno)
        }
    }

    /// Blocks until a descriptor is readable (or a signal interrupts); returns the ready descriptors.
    func wait() throws(WorkerError) -> [Int32] {
        var events = unsafe [epoll_event](repeating: epoll_event(), count: 4)
        let count = unsafe events.withUnsafeMutableBufferPointer { buffer in
            unsafe epoll_wait(descriptor, buffer.baseAddress, Int32(buffer.count), -1)
        }
        if count < 0 {
            if errno == EINTR { return [] }
            throw WorkerError(function: "epoll_wait", errno: errno)
        }
        return unsafe events.prefix(Int(count)).map { unsafe $0.data.fd }
    }
}

@available(*, unavailable)
extension EventPoll: Sendable {}

/// Makes `fd` non-blocking (the shared listen socket: a worker that loses the race gets EAGAIN, not a hang).
func setNonBlocking(_ fd: Int32) throws(WorkerError) {
    let flags = fcntl(fd, F_GETFL)
    guard flags >= 0, fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 else {
        throw WorkerError(function: "fcntl(O_NONBLOCK)", errno: errno)
    }
}

func cfastcgiParentDeath(_ signal: Int32) -> Int32 {
    cfastcgi_set_parent_death_signal(signal)
}
