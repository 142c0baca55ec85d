internal import Glibc

/// The supervisor's listening socket: a unix socket nginx can reach, a TCP address, or one handed over by
/// systemd socket activation (`LISTEN_FDS`, `sd_listen_fds(3)`: the first passed descriptor is 3).
enum ListenSocket {
    /// The descriptor systemd passed, if `LISTEN_PID` names this process and `LISTEN_FDS` is at least 1.
    static func fromSystemd(environment: [String: String]) -> Int32? {
        guard let pid = environment["LISTEN_PID"].flatMap(Int32.init), pid == getpid(),
            let count = environment["LISTEN_FDS"].flatMap(Int.init), count >= 1
        else { return nil }
        return 3
    }

    /// Binds and listens on `address`; a stale unix socket file is replaced, any other file is refused.
    static func open(_ address: ListenAddress, mode: Int, group: String) throws(WorkerError) -> Int32 {
        switch address {
        case .unix(let path):
            return try openUnix(path: path, mode: mode, group: group)
        case .tcp(let host, let port):
            return try openTCP(host: host, port: port)
        }
    }

    private static func openUnix(path: String, mode: Int, group: String) throws(WorkerError) -> Int32 {
        var status = stat()
        if unsafe lstat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFSOCK else {
                throw WorkerError(function: "bind", errno: EEXIST, message: "\(path) exists and is not a socket")
            }
            unsafe unlink(path)
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw WorkerError(function: "socket", errno: errno) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw WorkerError(function: "bind", errno: ENAMETOOLONG, message: path)
        }
        unsafe withUnsafeMutableBytes(of: &address.sun_path) { raw in
            unsafe raw.copyBytes(from: bytes)
        }
        // The socket file takes the umask: bind under a umask that already gives the wanted mode.
        let previous = umask(mode_t(0o777 & ~mode))
        let bound = unsafe withUnsafePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previous)
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw WorkerError(function: "bind", errno: error, message: path)
        }
        unsafe chmod(path, mode_t(mode))
        if !group.isEmpty {
            guard let entry = unsafe getgrnam(group) else {
                close(fd)
                throw WorkerError(function: "getgrnam", errno: ENOENT, message: "no group \(group)")
            }
            guard unsafe chown(path, uid_t.max, entry.pointee.gr_gid) == 0 else {
                let error = errno
                close(fd)
                throw WorkerError(function: "chown", errno: error, message: path)
            }
        }
        return try listenOn(fd)
    }

    private static func openTCP(host: String, port: Int) throws(WorkerError) -> Int32 {
        guard let ip = IPAddress(host) else { throw WorkerError(function: "bind", errno: EINVAL, message: host) }
        let family = ip.isV4 ? AF_INET : AF_INET6
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw WorkerError(function: "socket", errno: errno) }
        var one: Int32 = 1
        unsafe setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if ip.isV4 {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            unsafe withUnsafeMutableBytes(of: &address.sin_addr) { unsafe $0.copyBytes(from: ip.bytes) }
            bound = unsafe withUnsafePointer(to: &address) { pointer in
                unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        } else {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            unsafe withUnsafeMutableBytes(of: &address.sin6_addr) { unsafe $0.copyBytes(from: ip.bytes) }
            bound = unsafe withUnsafePointer(to: &address) { pointer in
                unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        }
        guard bound == 0 else {
            let error = errno
            close(fd)
            throw WorkerError(function: "bind", errno: error, message: "\(host):\(port)")
        }
        return try listenOn(fd)
    }

    private static func listenOn(_ fd: Int32) throws(WorkerError) -> Int32 {
        guard listen(fd, 1024) == 0 else {
            let error = errno
            close(fd)
            throw WorkerError(function: "listen", errno: error)
        }
        return fd
    }

    static func closeDescriptor(_ fd: Int32) { close(fd) }

    static func removeSocketFile(_ path: String) { unsafe unlink(path) }
}
