/// The relying party's checks of the two WebAuthn ceremonies (WebAuthn Level 3 §7.1 and §7.2): registration
/// (an attestation) and authentication (an assertion). Storage, challenges and counters are the caller's.
///
/// ```swift
/// let party = WebAuthn.RelyingParty(id: "auth.example.com", origins: ["https://auth.example.com"])
/// let credential = try WebAuthn.verifyRegistration(
///     clientDataJSON: clientData, attestationObject: attestation, challenge: issued, relyingParty: party)
/// // store credential.credentialID, credential.publicKey, credential.signCount
/// ```
public enum WebAuthn {
    /// The relying party: its id (a registrable domain) and the origins its pages are served from.
    public struct RelyingParty: Sendable {
        public let id: String
        public let origins: [String]

        public init(id: String, origins: [String]) {
            self.id = id
            self.origins = origins
        }
    }

    /// A newly registered credential, ready to store.
    public struct Registration: Sendable {
        public let credentialID: [UInt8]
        /// The COSE public key as the authenticator encoded it.
        public let publicKey: [UInt8]
        /// The COSE algorithm (−8, −7 or −257).
        public let algorithm: Int
        public let signCount: UInt32
        public let aaguid: [UInt8]
        public let userVerified: Bool
        public let backupEligible: Bool
        public let backupState: Bool
        /// `none` or `packed`.
        public let attestationFormat: String
    }

    /// What a verified assertion reports.
    public struct Assertion: Sendable {
        public let signCount: UInt32
        public let userVerified: Bool
        public let backupState: Bool
    }

    /// The COSE algorithms accepted, in the order offered to authenticators.
    public static let algorithms: [Int] = [-8, -7, -257]

    /// Checks a registration response: client data (`webauthn.create`, the challenge, an allowed origin, not
    /// cross-origin), the attestation (`none`, or `packed` self-attestation whose `alg` is the credential's and
    /// whose signature over `authData || SHA-256(clientDataJSON)` verifies with the credential key), the rp id hash,
    /// user presence, and user verification when `requireUserVerification`.
    /// - Throws: ``CryptoError`` of kind malformedCBOR, malformedWebAuthn, webauthnMismatch, userNotPresent,
    ///   userNotVerified, unsupportedAttestation, unsupportedKey, weakKey or badSignature.
    public static func verifyRegistration(
        clientDataJSON: [UInt8], attestationObject: [UInt8], challenge: [UInt8], relyingParty: RelyingParty,
        requireUserVerification: Bool = false
    ) throws(CryptoError) -> Registration {
        try ClientData(json: clientDataJSON).check(ceremony: .create, challenge: challenge, origins: relyingParty.origins)
        let attestation = try AttestationObject(attestationObject)
        let authData = attestation.authenticatorData
        try checkAuthenticatorData(authData, relyingParty: relyingParty, requireUserVerification: requireUserVerification)
        guard let credential = authData.attestedCredential else {
            throw CryptoError.malformedWebAuthn.with("registration without attested credential data (AT)")
        }
        if let packed = attestation.packedSignature {
            guard packed.algorithm == credential.publicKey.algorithm.rawValue else {
                throw CryptoError.unsupportedAttestation.with(
                    "packed self-attestation alg \(packed.algorithm) is not the credential's \(credential.publicKey.algorithm.rawValue)")
            }
            let message = authData.bytes + SHA256.hash(clientDataJSON)
            guard try credential.publicKey.verify(signature: packed.signature, message: message) else {
                throw CryptoError.badSignature.with("packed self-attestation signature does not verify")
            }
        }
        return Registration(
            credentialID: credential.credentialID, publicKey: credential.publicKeyBytes,
            algorithm: Int(credential.publicKey.algorithm.rawValue), signCount: authData.signCount,
            aaguid: credential.aaguid, userVerified: authData.flags.contains(.userVerified),
            backupEligible: authData.flags.contains(.backupEligible),
            backupState: authData.flags.contains(.backupState), attestationFormat: attestation.format)
    }

    /// Checks an authentication response against a stored COSE public key: client data (`webauthn.get`, the
    /// challenge, an allowed origin, not cross-origin), the rp id hash, user presence, user verification when
    /// `requireUserVerification`, and the signature over `authenticatorData || SHA-256(clientDataJSON)`.
    /// The signature counter is returned, not judged: the caller compares it with the stored one atomically.
    public static func verifyAssertion(
        clientDataJSON: [UInt8], authenticatorData: [UInt8], signature: [UInt8], publicKey: [UInt8],
        challenge: [UInt8], relyingParty: RelyingParty, requireUserVerification: Bool
    ) throws(CryptoError) -> Assertion {
        try ClientData(json: clientDataJSON).check(ceremony: .get, challenge: challenge, origins: relyingParty.origins)
        let authData = try AuthenticatorData(authenticatorData)
        guard authData.attestedCredential == nil else {
            throw CryptoError.malformedWebAuthn.with("assertion with attested credential data")
        }
        try checkAuthenticatorData(authData, relyingParty: relyingParty, requireUserVerification: requireUserVerification)
        let key = try COSEKey(encoded: publicKey)
        guard signature.count <= 1024,
            try key.verify(signature: signature, message: authData.bytes + SHA256.hash(clientDataJSON))
        else { throw CryptoError.badSignature.with("assertion signature does not verify") }
        return Assertion(
            signCount: authData.signCount, userVerified: authData.flags.contains(.userVerified),
            backupState: authData.flags.contains(.backupState))
    }

    /// True when a counter reported by the authenticator may follow the stored one: both zero (an authenticator
    /// without a counter), or strictly greater (WebAuthn §7.2 step 22).
    public static func counterAdvances(stored: UInt32, received: UInt32) -> Bool {
        (stored == 0 && received == 0) || received > stored
    }

    private static func checkAuthenticatorData(
        _ authData: AuthenticatorData, relyingParty: RelyingParty, requireUserVerification: Bool
    ) throws(CryptoError) {
        guard constantTimeEqual(authData.rpIDHash, SHA256.hash(relyingParty.id)) else {
            throw CryptoError.webauthnMismatch.with("rpIdHash is not SHA-256 of \(relyingParty.id)")
        }
        guard authData.flags.contains(.userPresent) else { throw CryptoError.userNotPresent }
        if requireUserVerification, !authData.flags.contains(.userVerified) { throw CryptoError.userNotVerified }
    }

    /// Parses authenticator data (for fuzzing and tests): throws for anything malformed, never crashes.
    package static func parseAuthenticatorData(_ bytes: [UInt8]) throws(CryptoError) -> AuthenticatorData {
        try AuthenticatorData(bytes)
    }
}
