internal import CCurl
internal import Glibc

/// One HTTP POST to send.
public struct OutgoingRequest: Sendable {
    public let url: String
    /// `Name: value` lines.
    public let headers: [String]
    public let body: [UInt8]
    /// The whole exchange, connection included.
    public let timeout: Duration
    /// Whether loopback, private, link-local and multicast addresses may be connected to.
    public let allowPrivate: Bool

    public init(url: String, headers: [String], body: [UInt8], timeout: Duration, allowPrivate: Bool) {
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.allowPrivate = allowPrivate
    }
}

/// How a transfer ended.
public enum TransferResult: Sendable, Equatable {
    /// An HTTP answer; `retryAfter` is its `Retry-After` header, as sent.
    case response(status: Int, retryAfter: String?)
    /// No answer: the message says why (curl's own text, or the refused address).
    case failure(String)
}

/// Many POSTs in flight at once over libcurl's multi interface, driven by ``poll(milliseconds:)`` from one thread.
///
/// Every transfer: no redirect followed (CURLOPT_FOLLOWLOCATION stays off), no proxy from the environment, http and
/// https only, one timeout for the whole exchange, and (unless `allowPrivate`) the address curl is about to connect
/// to checked in CURLOPT_OPENSOCKETFUNCTION: "This callback … lets the application reject the connection by
/// returning CURL_SOCKET_BAD" (curl docs), so a name that resolves to 127.0.0.1, or resolves differently now than
/// when the subscription was checked, is refused at the address actually used.
@safe
public final class CurlMulti {
    private let multi: UnsafeMutableRawPointer
    private var transfers: [Int: Transfer] = [:]

    public init() throws(WebhookError) {
        guard unsafe curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK, let multi = unsafe curl_multi_init() else {
            throw WebhookError("curl_multi_init failed")
        }
        unsafe self.multi = multi
    }

    deinit {
        for transfer in transfers.values { unsafe curl_multi_remove_handle(multi, transfer.easy) }
        transfers.removeAll()
        unsafe curl_multi_cleanup(multi)
    }

    /// Transfers still running.
    public var inFlight: Int { transfers.count }

    /// Starts `request`; its result comes back from a later ``poll(milliseconds:)`` under `tag`.
    public func start(_ request: OutgoingRequest, tag: Int) throws(WebhookError) {
        let transfer = try Transfer(request)
        guard unsafe curl_multi_add_handle(multi, transfer.easy) == CURLM_OK else {
            throw WebhookError("curl_multi_add_handle failed")
        }
        transfers[tag] = transfer
    }

    /// Lets the transfers progress for at most `milliseconds` (less when one finishes or has work), and returns
    /// those that finished.
    public func poll(milliseconds: Int) -> [(tag: Int, result: TransferResult)] {
        var running: Int32 = 0
        if !transfers.isEmpty {
            unsafe curl_multi_poll(multi, nil, 0, Int32(milliseconds), nil)
        }
        unsafe curl_multi_perform(multi, &running)
        var finished: [(Int, TransferResult)] = []
        var queued: Int32 = 0
        while let message = unsafe curl_multi_info_read(multi, &queued) {
            guard unsafe message.pointee.msg == CURLMSG_DONE, let easy = unsafe message.pointee.easy_handle else {
                continue
            }
            let code = unsafe message.pointee.data.result
            guard let (tag, transfer) = transfers.first(where: { unsafe $0.value.easy == easy }) else { continue }
            transfers[tag] = nil
            unsafe curl_multi_remove_handle(multi, easy)
            finished.append((tag, transfer.result(code)))
        }
        return finished
    }
}

@available(*, unavailable)
extension CurlMulti: Sendable {}

/// One easy handle with what must outlive it: the header list and the socket-check context.
@safe
final class Transfer {
    let easy: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let guardContext: SocketGuard
    private let guardPointer: UnsafeMutableRawPointer

    init(_ request: OutgoingRequest) throws(WebhookError) {
        guard let easy = unsafe curl_easy_init() else { throw WebhookError("curl_easy_init failed") }
        unsafe self.easy = easy
        guardContext = SocketGuard(allowPrivate: request.allowPrivate)
        unsafe guardPointer = Unmanaged.passUnretained(guardContext).toOpaque()
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for header in request.headers { unsafe list = unsafe curl_slist_append(list, header) }
        // An empty Expect: keeps curl from waiting for a 100-continue on larger bodies.
        unsafe list = unsafe curl_slist_append(list, "Expect:")
        unsafe headerList = unsafe list
        let milliseconds = Int(request.timeout.components.seconds * 1000)
        let codes: [CURLcode] = unsafe [
            ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url),
            ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"),
            ccurl_easy_setopt_string(easy, CURLOPT_PROXY, ""),
            ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0),
            ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1),
            ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, milliseconds),
            ccurl_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, milliseconds),
            ccurl_easy_setopt_long(easy, CURLOPT_POST, 1),
            ccurl_easy_setopt_long(easy, CURLOPT_POSTFIELDSIZE, request.body.count),
            request.body.withUnsafeBytes { body in
                unsafe ccurl_easy_setopt_pointer(
                    easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: body.baseAddress))
            },
            ccurl_easy_setopt_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(list)),
            ccurl_easy_setopt_string(easy, CURLOPT_USERAGENT, "Gatehouse-Webhooks/1"),
            ccurl_easy_setopt_write(easy, discardBody),
            ccurl_easy_setopt_opensocket(easy, openCheckedSocket),
            ccurl_easy_setopt_pointer(easy, CURLOPT_OPENSOCKETDATA, guardPointer),
        ]
        guard codes.allSatisfy({ $0 == CURLE_OK }) else { throw WebhookError("curl_easy_setopt failed") }
    }

    deinit {
        unsafe curl_easy_cleanup(easy)
        unsafe curl_slist_free_all(headerList)
    }

    /// The outcome, read from the handle once curl reports it done with `code`.
    func result(_ code: CURLcode) -> TransferResult {
        if let refused = guardContext.refused {
            return .failure("refused to connect to \(refused): not a public address (WEBHOOK_ALLOW_PRIVATE)")
        }
        guard code == CURLE_OK else {
            return .failure(unsafe String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        unsafe ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
        var header: UnsafeMutablePointer<curl_header>? = nil
        var retryAfter: String?
        if unsafe curl_easy_header(easy, "Retry-After", 0, UInt32(CURLH_HEADER), -1, &header) == CURLHE_OK,
            let header = unsafe header, let value = unsafe header.pointee.value
        {
            retryAfter = unsafe String(cString: value)
        }
        return .response(status: status, retryAfter: retryAfter)
    }
}

@available(*, unavailable)
extension Transfer: Sendable {}

/// What the socket callback of one transfer knows: whether private addresses may be used, and the address it
/// refused, if any.
final class SocketGuard {
    let allowPrivate: Bool
    var refused: String?

    init(allowPrivate: Bool) {
        self.allowPrivate = allowPrivate
    }
}

@available(*, unavailable)
extension SocketGuard: Sendable {}

/// CURLOPT_WRITEFUNCTION: the receiver's body is not kept (curl would otherwise write it to standard output).
private let discardBody: curl_write_callback = { _, size, count, _ in size * count }

/// CURLOPT_OPENSOCKETFUNCTION: opens the socket only for an address the policy allows.
private let openCheckedSocket: curl_opensocket_callback = { clientp, _, address in
    guard let clientp = unsafe clientp, let address = unsafe address else { return -1 }
    let context = unsafe Unmanaged<SocketGuard>.fromOpaque(clientp).takeUnretainedValue()
    let family = unsafe address.pointee.family
    let raw = unsafe UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \curl_sockaddr.addr)!
    let bytes: [UInt8]
    switch family {
    case AF_INET:
        // struct sockaddr_in: family (2), port (2), address (4).
        bytes = unsafe Array(UnsafeRawBufferPointer(start: raw + 4, count: 4))
    case AF_INET6:
        // struct sockaddr_in6: family (2), port (2), flow info (4), address (16).
        bytes = unsafe Array(UnsafeRawBufferPointer(start: raw + 8, count: 16))
    default:
        context.refused = "an address of family \(family)"
        return -1
    }
    if !context.allowPrivate, !AddressPolicy.isPublic(bytes) {
        context.refused = AddressPolicy.text(bytes)
        return -1
    }
    return unsafe socket(family, unsafe address.pointee.socktype, unsafe address.pointee.protocol)
}
