#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto

/// Standard Webhooks signing: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the secret's bytes, one
/// signature per secret, space-separated in `webhook-signature`.
public enum WebhookSignature {
    /// The headers of one attempt: `webhook-id`, `webhook-timestamp`, `webhook-signature`.
    public static func headers(id: String, timestamp: Int64, body: [UInt8], secrets: [[UInt8]]) -> [String] {
        let signed = Array("\(id).\(timestamp).".utf8) + body
        let signatures = secrets.map { "v1," + Data(HMAC.sha256(key: $0, data: signed)).base64EncodedString() }
        return [
            "Content-Type: application/json",
            "webhook-id: \(id)",
            "webhook-timestamp: \(timestamp)",
            "webhook-signature: \(signatures.joined(separator: " "))",
        ]
    }
}
