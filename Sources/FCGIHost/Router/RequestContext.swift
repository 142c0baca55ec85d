#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a handler gets beside its request: the logger and the time the request arrived.
public struct RequestContext: Sendable {
    public var logger: Logger
    /// A short id that ties the access-log line to the handler's own lines.
    public let requestID: String
    /// When the request arrived; handlers use it as "now".
    public let receivedAt: Date

    public init(logger: Logger, requestID: String = RequestContext.makeRequestID(), receivedAt: Date = Date()) {
        var logger = logger
        logger.metadata["request.id"] = requestID
        self.logger = logger
        self.requestID = requestID
        self.receivedAt = receivedAt
    }

    /// 16 hex digits from the system generator (not a secret, only unique enough to grep for).
    public static func makeRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
