import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a handler gets beside its request: the logger and the time the request arrived.
public struct RequestContext: Sendable {
    private let baseLogger: Logger
    /// This process's request sequence number, formatted as the request id only when something reads it.
    private let requestNumber: UInt64
    private let givenRequestID: String?
    /// When the request arrived; handlers use it as "now".
    public let receivedAt: Date

    /// A context whose request id is drawn from this process's sequence, formatted only when something reads it.
    public init(logger: Logger, receivedAt: Date = Date()) {
        baseLogger = logger
        requestNumber = RequestCounter.next()
        givenRequestID = nil
        self.receivedAt = receivedAt
    }

    public init(logger: Logger, requestID: String, receivedAt: Date = Date()) {
        baseLogger = logger
        requestNumber = 0
        givenRequestID = requestID
        self.receivedAt = receivedAt
    }

    /// A short id that ties the access-log line to the handler's own lines.
    public var requestID: String {
        givenRequestID ?? Self.format(requestNumber)
    }

    /// The worker's logger with `request.id` in its metadata; made when something logs, not per request.
    public var logger: Logger {
        var logger = baseLogger
        logger.metadata["request.id"] = requestID
        return logger
    }

    /// 16 hex digits, unique enough to grep for (not a secret): a per-process random start, then a counter, so
    /// a request costs no `getrandom` system call.
    public static func makeRequestID() -> String {
        format(RequestCounter.next())
    }

    static func format(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The request-id sequence of this process.
enum RequestCounter {
    private static let state = Mutex<UInt64>(UInt64.random(in: 0...UInt64.max))

    static func next() -> UInt64 {
        state.withLock { value in
            value &+= 0x9E37_79B9_7F4A_7C15  // an odd step: every value once before it repeats
            return value
        }
    }
}
