#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `CollectedClientData` (WebAuthn §5.8.1), the JSON the browser signs over: ceremony type, challenge, origin.
package struct ClientData: Sendable, Equatable {
    package enum Ceremony: String, Sendable {
        case create = "webauthn.create"
        case get = "webauthn.get"
    }

    package let type: String
    /// The challenge, base64url-decoded.
    package let challenge: [UInt8]
    package let origin: String
    package let crossOrigin: Bool

    private struct Fields: Decodable {
        let type: String
        let challenge: String
        let origin: String
        let crossOrigin: Bool?
    }

    /// Parses client data JSON (at most 8 KiB).
    package init(json: [UInt8]) throws(CryptoError) {
        guard json.count <= 8 * 1024 else { throw Self.bad("over 8 KiB") }
        let fields: Fields
        do {
            fields = try JSONDecoder().decode(Fields.self, from: Data(json))
        } catch {
            throw Self.bad("not a JSON object with string type, challenge and origin")
        }
        type = fields.type
        do {
            challenge = try Base64URL.decode(fields.challenge)
        } catch {
            throw Self.bad("challenge is not base64url")
        }
        origin = fields.origin
        crossOrigin = fields.crossOrigin ?? false
    }

    /// Checks the ceremony, the challenge (in constant time), the origin against `origins`, and that the request
    /// did not come from a cross-origin frame.
    package func check(ceremony: Ceremony, challenge expected: [UInt8], origins: [String]) throws(CryptoError) {
        guard type == ceremony.rawValue else {
            throw CryptoError.webauthnMismatch.with("client data type \(type), expected \(ceremony.rawValue)")
        }
        guard constantTimeEqual(challenge, expected) else {
            throw CryptoError.webauthnMismatch.with("client data challenge is not the one issued")
        }
        guard origins.contains(origin) else {
            throw CryptoError.webauthnMismatch.with("origin \(origin) is not an allowed origin")
        }
        guard !crossOrigin else { throw CryptoError.webauthnMismatch.with("cross-origin request") }
    }

    private static func bad(_ message: String) -> CryptoError {
        CryptoError.malformedWebAuthn.with("client data: \(message)")
    }
}
