import Crypto
import FCGIHost

/// A `RegistrationResponseJSON` or `AuthenticationResponseJSON` (WebAuthn Level 3 §5.1), its base64url members
/// decoded. Members Gatehouse does not use (transports, extension results, attachment) are ignored.
struct PasskeyResponse: Decodable {
    struct Inner: Decodable {
        let clientDataJSON: String
        let attestationObject: String?
        let authenticatorData: String?
        let signature: String?
        let userHandle: String?
    }

    let id: String
    let rawId: String
    let type: String
    let response: Inner

    /// The decoded parts, checked for shape; a bad one is 422 on `field`.
    struct Decoded {
        let credentialID: [UInt8]
        let clientDataJSON: [UInt8]
        let attestationObject: [UInt8]?
        let authenticatorData: [UInt8]?
        let signature: [UInt8]?
        let userHandle: [UInt8]?
    }

    func decoded(field: String) throws(HTTPError) -> Decoded {
        func bytes(_ text: String, _ member: String) throws(HTTPError) -> [UInt8] {
            guard text.utf8.count <= 64 * 1024, let value = try? Base64URL.decode(text) else {
                throw HTTPError.validation(field: "\(field).\(member)", "must be base64url without padding")
            }
            return value
        }
        guard type == "public-key" else { throw HTTPError.validation(field: "\(field).type", "must be public-key") }
        guard id == rawId else { throw HTTPError.validation(field: "\(field).id", "must equal rawId") }
        let credentialID = try bytes(rawId, "rawId")
        guard (1...1023).contains(credentialID.count) else {
            throw HTTPError.validation(field: "\(field).rawId", "must be 1 to 1023 bytes")
        }
        return Decoded(
            credentialID: credentialID, clientDataJSON: try bytes(response.clientDataJSON, "response.clientDataJSON"),
            attestationObject: try response.attestationObject.map { text throws(HTTPError) in try bytes(text, "response.attestationObject") },
            authenticatorData: try response.authenticatorData.map { text throws(HTTPError) in try bytes(text, "response.authenticatorData") },
            signature: try response.signature.map { text throws(HTTPError) in try bytes(text, "response.signature") },
            userHandle: try response.userHandle.map { text throws(HTTPError) in try bytes(text, "response.userHandle") })
    }
}
