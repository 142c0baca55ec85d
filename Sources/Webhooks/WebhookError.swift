/// A failure of the webhook machinery itself (libcurl, the sealing key), never of a receiver.
public struct WebhookError: Error, CustomStringConvertible {
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { "WebhookError: \(message)" }
}
