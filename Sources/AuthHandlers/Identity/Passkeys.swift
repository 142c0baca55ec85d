#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import FCGIHost
import Store

/// The relying party's side of WebAuthn for every route that runs a ceremony (registration, passwordless login, the
/// second factor): challenges (single use, ``challengeLifetime``, stored as SHA-256 hashes), the options JSON
/// (Level 3 serialisation), and the checks of a response against a stored challenge and credential.
struct Passkeys {
    let party: WebAuthn.RelyingParty
    let rpName: String
    let credentials: WebAuthnCredentials
    let challenges: WebAuthnChallenges
    /// Keys the decoy credential ids of accounts without passkeys (``decoyCredentialIDs(for:)``).
    let decoyKey: [UInt8]

    static let challengeLifetime: TimeInterval = 300
    /// Passkeys one user may register.
    static let perUserLimit = 20

    init(config: Config, database: Database, decoyKey: [UInt8]) {
        party = WebAuthn.RelyingParty(id: config.webAuthnRPID, origins: config.webAuthnOrigins)
        rpName = config.webAuthnRPName
        credentials = WebAuthnCredentials(db: database)
        challenges = WebAuthnChallenges(db: database)
        self.decoyKey = decoyKey
    }

    // MARK: - Challenges

    /// A new challenge for `purpose`, stored under its own hash. Returns the challenge.
    func issueChallenge(purpose: WebAuthnChallenges.Purpose, userId: String?, now: Date) throws -> [UInt8] {
        let challenge = Random.bytes(count: 32)
        try challenges.issue(
            tokenHash: SHA256.hash(challenge), challengeHash: SHA256.hash(challenge), purpose: purpose, userId: userId,
            identifier: nil, expiresAt: now.addingTimeInterval(Self.challengeLifetime))
        return challenge
    }

    /// The challenge a response's client data names, consumed (once, whatever follows), or nil when it was never
    /// issued for `purpose`, was used or has expired.
    func consumeChallenge(of response: PasskeyResponse.Decoded, purpose: WebAuthnChallenges.Purpose, now: Date) throws
        -> (challenge: [UInt8], issued: IssuedChallenge)?
    {
        guard let clientData = try? ClientData(json: response.clientDataJSON) else { return nil }
        let hash = SHA256.hash(clientData.challenge)
        guard let issued = try challenges.consume(tokenHash: hash, purpose: purpose, now: now) else { return nil }
        return (clientData.challenge, issued)
    }

    // MARK: - Options

    struct Descriptor: Encodable {
        let type = "public-key"
        let id: String
    }

    struct CreationOptions: Encodable {
        struct Party: Encodable { let id, name: String }
        struct User: Encodable { let id, name, displayName: String }
        struct Parameter: Encodable {
            let type = "public-key"
            let alg: Int
        }
        struct Selection: Encodable {
            let residentKey = "preferred"
            let requireResidentKey = false
            let userVerification = "preferred"
        }
        let rp: Party
        let user: User
        let challenge: String
        let pubKeyCredParams: [Parameter]
        let timeout: Int
        let excludeCredentials: [Descriptor]
        let authenticatorSelection = Selection()
        let attestation = "none"
    }

    struct RequestOptions: Encodable {
        let challenge: String
        let timeout: Int
        let rpId: String
        let allowCredentials: [Descriptor]
        let userVerification: String
    }

    /// `PublicKeyCredentialCreationOptionsJSON` for `user`, whose own passkeys are excluded. `user.id` is the
    /// UTF-8 of the account's UUID: no personal data, and it comes back as `userHandle` at login.
    func creationOptions(for user: User, now: Date) throws -> CreationOptions {
        let challenge = try issueChallenge(purpose: .register, userId: user.id, now: now)
        return CreationOptions(
            rp: .init(id: party.id, name: rpName),
            user: .init(id: Base64URL.encode(Array(user.id.utf8)), name: user.email, displayName: user.name.isEmpty ? user.email : user.name),
            challenge: Base64URL.encode(challenge),
            pubKeyCredParams: WebAuthn.algorithms.map { .init(alg: $0) },
            timeout: Int(Self.challengeLifetime * 1000),
            excludeCredentials: try credentials.list(userId: user.id).map { Descriptor(id: Base64URL.encode($0.credentialID)) })
    }

    func requestOptions(challenge: [UInt8], allow: [[UInt8]], userVerification: String) -> RequestOptions {
        RequestOptions(
            challenge: Base64URL.encode(challenge), timeout: Int(Self.challengeLifetime * 1000), rpId: party.id,
            allowCredentials: allow.map { Descriptor(id: Base64URL.encode($0)) }, userVerification: userVerification)
    }

    /// Stand-in credential ids for an identifier with no passkeys (or no account): one to three of them, how many and
    /// which derived from the identifier under a key of this installation, so the same on every request. The options
    /// of an unknown email then look like those of an account with one, two or three passkeys: neither the ids nor
    /// their count tell an account from no account.
    func decoyCredentialIDs(for identifier: String) -> [[UInt8]] {
        let count = 1 + Int(HMAC.sha256(key: decoyKey, data: Array("webauthn decoy count \(identifier)".utf8))[0] % 3)
        return (0..<count).map { index in
            HMAC.sha256(key: decoyKey, data: Array("webauthn decoy \(index) \(identifier)".utf8))
        }
    }

    // MARK: - Checks

    /// Verifies an assertion against `challenge` and the stored credential, then records its counter.
    /// - Throws: ``PasskeyFailure``: the reason, for the audit row; the caller answers 401.
    func verifyAssertion(
        _ response: PasskeyResponse.Decoded, credential: PasskeyCredential, challenge: [UInt8], requireUserVerification: Bool,
        now: Date
    ) throws -> WebAuthn.Assertion {
        let assertion = try checkAssertion(
            response, credential: credential, challenge: challenge, requireUserVerification: requireUserVerification)
        guard try credentials.recordUse(id: credential.id, signCount: Int64(assertion.signCount), now: now) else {
            throw PasskeyFailure(
                "counter_regressed", detail: "stored \(credential.signCount), received \(assertion.signCount)")
        }
        return assertion
    }

    /// Verifies an assertion against `challenge` and the stored credential, and that its counter would advance;
    /// writes nothing (the caller records the counter atomically).
    func checkAssertion(
        _ response: PasskeyResponse.Decoded, credential: PasskeyCredential, challenge: [UInt8], requireUserVerification: Bool
    ) throws -> WebAuthn.Assertion {
        guard let authenticatorData = response.authenticatorData, let signature = response.signature else {
            throw PasskeyFailure("not_an_assertion")
        }
        if let handle = response.userHandle, handle != Array(credential.userId.utf8) {
            throw PasskeyFailure("user_handle_mismatch")
        }
        let assertion: WebAuthn.Assertion
        do {
            assertion = try WebAuthn.verifyAssertion(
                clientDataJSON: response.clientDataJSON, authenticatorData: authenticatorData, signature: signature,
                publicKey: credential.publicKey, challenge: challenge, relyingParty: party,
                requireUserVerification: requireUserVerification)
        } catch {
            throw PasskeyFailure(Self.reason(error), detail: "\(error)")
        }
        guard WebAuthn.counterAdvances(stored: UInt32(clamping: credential.signCount), received: assertion.signCount)
        else {
            throw PasskeyFailure(
                "counter_regressed", detail: "stored \(credential.signCount), received \(assertion.signCount)")
        }
        return assertion
    }

    static func reason(_ error: CryptoError) -> String {
        switch error {
        case .userNotVerified: "user_not_verified"
        case .userNotPresent: "user_not_present"
        case .badSignature: "bad_signature"
        case .webauthnMismatch: "ceremony_mismatch"
        default: "malformed_response"
        }
    }
}

/// Why a WebAuthn response was refused (an audit reason such as `counter_regressed`, and details for the log).
struct PasskeyFailure: Error {
    let reason: String
    let detail: String

    init(_ reason: String, detail: String = "") {
        self.reason = reason
        self.detail = detail
    }
}

@available(*, unavailable)
extension Passkeys: Sendable {}
