#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Crypto
public import FCGIHost

/// Webhook signing secrets: made here (`whsec_` and the base64 of 32 random bytes, shown once), stored sealed.
///
/// The signer must read a secret back, so it cannot be hashed like an API key. It is sealed with AES-256-GCM under
/// `KEYS_DIR/webhook-secrets.key` (32 random bytes, mode 0600, made by `gatehouse serve` like the API-key pepper):
/// a database copy or backup alone, or `db copy` to another server, does not let anyone sign webhooks.
public final class WebhookSecrets {
    private let box: SecretBox
    static let context = "gatehouse webhook secret v1 "

    /// The key file beside the signing keys.
    public static func keyPath(config: Config) -> String {
        config.keysDirectory + "/webhook-secrets.key"
    }

    /// Creates the key file when there is none.
    public static func ensureKey(config: Config) throws {
        let path = keyPath(config: config)
        guard !FileManager.default.fileExists(atPath: path) else { return }
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(Random.bytes(count: SecretBox.keyByteCount)),
                attributes: [.posixPermissions: 0o600])
        else { throw ConfigError(key: "KEYS_DIR", message: "cannot write \(path)") }
    }

    /// Reads the key file; nil when it is missing or not 32 bytes (the webhook routes then answer 503).
    public init?(config: Config) {
        guard let data = FileManager.default.contents(atPath: Self.keyPath(config: config)),
            let box = try? SecretBox(key: Array(data))
        else { return nil }
        self.box = box
    }

    /// A new secret for the subscription `id`: the text shown once, and the sealed bytes to store (bound to `id`:
    /// copied into another subscription's row, they do not open).
    public func generate(for id: String) throws -> (shown: String, sealed: [UInt8]) {
        let bytes = Random.bytes(count: 32)
        return ("whsec_" + Data(bytes).base64EncodedString(), try box.seal(bytes, context: Self.context + id))
    }

    /// The secret's bytes, the HMAC key, of a value sealed for the subscription `id`.
    public func open(_ sealed: [UInt8], for id: String) throws -> [UInt8] {
        try box.open(sealed, context: Self.context + id)
    }
}

@available(*, unavailable)
extension WebhookSecrets: Sendable {}
