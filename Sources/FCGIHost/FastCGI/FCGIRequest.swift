internal import CFastCGI
internal import Glibc

/// libfcgi's `FCGX_Request`, on the heap because its streams keep a pointer back to it (STYLE.md rule 24).
/// Everything read from it is copied into Swift values at once: parameter pointers die at the next accept.
@safe
final class FCGIRequest {
    private let handle: UnsafeMutablePointer<FCGX_Request>
    /// Whether connections come over a unix socket (see ``finish()``).
    private let unixSocket: Bool

    /// Prepares a request that accepts on `listenDescriptor`.
    init(listenDescriptor: Int32) throws(WorkerError) {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = unsafe withUnsafeMutablePointer(to: &address) { pointer in
            unsafe pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { unsafe getsockname(listenDescriptor, $0, &length) }
        }
        unixSocket = named == 0 && Int32(address.ss_family) == AF_UNIX
        unsafe handle = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        let rc = unsafe FCGX_InitRequest(handle, listenDescriptor, 0)
        guard rc == 0 else {
            unsafe handle.deallocate()
            throw WorkerError(function: "FCGX_InitRequest", code: rc, errno: errno)
        }
    }

    deinit {
        unsafe FCGX_Free(handle, 1)
        unsafe handle.deallocate()
    }

    /// Sets up libfcgi once per process (it installs SIGPIPE/SIGUSR1/SIGTERM handlers; ours come after).
    static func initializeLibrary() throws(WorkerError) {
        // libfcgi reads these in OS_LibInit (os_unix.c). After answering it half-closes and waits for the peer to
        // close, 2 s by default, and after accept on a unix socket it waits 2 s for the first record: a client
        // that dawdles would pin a synchronous worker that long. nginx closes and sends at once; 200 ms is ample.
        unsafe setenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT", "200", 0)
        unsafe setenv("LIBFCGI_IS_AF_UNIX_KEEPER_POLL_TIMEOUT", "1000", 0)
        let rc = FCGX_Init()
        guard rc == 0 else { throw WorkerError(function: "FCGX_Init", code: rc, errno: errno) }
    }

    /// Finishes the previous request and accepts the next; `nil` when the listen socket had nothing
    /// (non-blocking, another worker took it), or a protocol error closed that connection.
    func accept() throws(WorkerError) -> Bool {
        let rc = unsafe FCGX_Accept_r(handle)
        if rc == 0 { return true }
        let error = errno
        if rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -EINTR || error == EAGAIN { return false }
        throw WorkerError(function: "FCGX_Accept_r", code: rc, errno: error)
    }

    /// Ends the current request: flushes output and closes the connection.
    ///
    /// libfcgi closes "gracefully" (os_unix.c, `OS_Close`): `shutdown(SHUT_WR)`, then it waits in `poll` (up to
    /// `LIBFCGI_OS_CLOSE_POLL_TIMEOUT`) and reads until the peer has closed, "to minimize the potential that a TCP
    /// RST will be sent by our TCP stack in response to receipt of additional data from the client". A unix socket
    /// sends no RST: a peer reads everything written before the close, then end of file, or `ECONNRESET` only
    /// if bytes it sent were still unread here. So when nothing sent is left unread (a peek finds nothing), the
    /// connection is detached from libfcgi first, which then closes it at once (`FCGX_Detach`: `OS_IpcClose`
    /// without the shutdown): the worker goes to its next request instead of sleeping until nginx has read the
    /// answer, a sleep and a wake-up per request. Over TCP, or with input left unread, libfcgi's close is kept.
    func finish() {
        if unixSocket, unsafe handle.pointee.keepConnection == 0 {
            var byte: UInt8 = 0
            let pending = unsafe recv(handle.pointee.ipcFd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT))
            if pending < 0, errno == EAGAIN || errno == EWOULDBLOCK { _ = unsafe FCGX_Detach(handle) }
        }
        unsafe FCGX_Finish_r(handle)
    }

    /// Every FastCGI parameter of the current request, copied as bytes into `raw` (emptied first, its buffers
    /// kept): one pass, no `String` made.
    func copyParameters(into raw: inout RawParameters) {
        raw.removeAll()
        guard var cursor = unsafe handle.pointee.envp else { return }
        while let entry = unsafe cursor.pointee {
            let bytes = unsafe UnsafeRawBufferPointer(start: entry, count: strlen(entry))
            unsafe raw.append(entry: bytes)
            unsafe cursor += 1
        }
    }

    /// Reads up to `count` bytes of the body; fewer means end of input. One byte is read first, so a request
    /// without a body allocates nothing; then the buffer grows as bytes arrive (from 8 KiB).
    func read(upTo count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        let first = unsafe FCGX_GetChar(handle.pointee.in)
        guard first >= 0 else { return [] }
        var buffer = [UInt8](repeating: 0, count: min(count, 8192))
        buffer[0] = UInt8(truncatingIfNeeded: first)
        var filled = 1
        while filled < count {
            if filled == buffer.count {
                buffer.append(contentsOf: repeatElement(0, count: min(count, buffer.count * 2) - buffer.count))
            }
            let got = unsafe buffer.withUnsafeMutableBytes { raw in
                unsafe FCGX_GetStr(
                    raw.baseAddress!.assumingMemoryBound(to: CChar.self) + filled, Int32(min(raw.count - filled, 65536)),
                    handle.pointee.in)
            }
            if got <= 0 { break }
            filled += Int(got)
        }
        buffer.removeSubrange(filled...)
        return buffer
    }

    /// Writes bytes to the response stream; false when the peer has gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        if bytes.isEmpty { return true }
        let written = unsafe bytes.withUnsafeBytes { raw in
            unsafe FCGX_PutStr(raw.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(raw.count), handle.pointee.out)
        }
        return written == Int32(bytes.count)
    }
}

// One request object per single-threaded worker process.
@available(*, unavailable)
extension FCGIRequest: Sendable {}
