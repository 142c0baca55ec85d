/// The one error type of the Crypto module (STYLE.md rule 15).
///
/// Equal on the kind only, so callers and tests can match a failure without its message:
/// ```swift
/// do { claims = try keys.verify(token: token) }
/// catch let error where error == .tokenExpired { code = "token_expired" }
/// catch { code = "token_invalid" }
/// ```
/// The message is OpenSSL's or libargon2's own text, or ours; it never holds a secret, a password or a token.
public struct CryptoError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case openssl
        case argon2
        case invalidInput
        // Password hashes.
        case malformedHash
        case hashParametersOverCap
        // Keys and the key store.
        case keyFile
        case insecureKeyFile
        case keyStore
        case unsupportedKey
        case weakKey
        case noSigningKey
        // JWS rejections, one kind each so callers can map them.
        case tokenTooLarge
        case malformedToken
        case nonCanonicalBase64URL
        case algorithmNone
        case algorithmMismatch
        case criticalHeader
        case unknownKey
        case derSignature
        case signatureLength
        case badSignature
        case payloadNotObject
        // JWT claims.
        case invalidClaim
        case tokenExpired
        case tokenNotYetValid
        case tokenIssuedInFuture
        case wrongIssuer
        case wrongAudience
        // CBOR and WebAuthn.
        case malformedCBOR
        case malformedWebAuthn
        case webauthnMismatch
        case userNotPresent
        case userNotVerified
        case unsupportedAttestation
    }

    let kind: Kind
    let message: String

    init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// Errors are equal when their kinds are, whatever their messages.
    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind }
    /// The message alone, for a client told why its input was refused (WebAuthn registration); never a secret.
    public var detail: String { message }
    /// `CryptoError.<kind>: <message>`; safe to log (no secrets, tokens or passwords).
    public var description: String { "CryptoError.\(kind): \(message)" }

    /// True for failures of the token itself (format, signature, claims), false for failures of the
    /// server (OpenSSL, key store), so a caller can answer 401 for the first and 500 for the second.
    public var isTokenRejection: Bool {
        switch kind {
        case .tokenTooLarge, .malformedToken, .nonCanonicalBase64URL, .algorithmNone, .algorithmMismatch,
            .criticalHeader, .unknownKey, .derSignature, .signatureLength, .badSignature, .payloadNotObject,
            .invalidClaim, .tokenExpired, .tokenNotYetValid, .tokenIssuedInFuture, .wrongIssuer, .wrongAudience:
            true
        default:
            false
        }
    }
}

// MARK: - Kinds, as values to compare against

extension CryptoError {
    /// An OpenSSL call failed; `errors` is OpenSSL's own error queue, oldest first.
    static func openssl(function: String, errors: [String]) -> Self {
        .init(
            kind: .openssl,
            message: "\(function): \(errors.isEmpty ? "no error queued" : errors.joined(separator: "; "))")
    }
    static func argon2(_ message: String) -> Self { .init(kind: .argon2, message: message) }
    static func invalidInput(_ message: String) -> Self { .init(kind: .invalidInput, message: message) }

    /// A library call failed (OpenSSL); the message holds the library's own error text.
    public static let openssl = Self(kind: .openssl, message: "OpenSSL failure")
    /// libargon2 failed; the message holds `argon2_error_message`.
    public static let argon2 = Self(kind: .argon2, message: "libargon2 failure")
    /// An argument was out of range or badly formed (base32 secret, parameters, claims JSON).
    public static let invalidInput = Self(kind: .invalidInput, message: "invalid input")

    /// A stored password hash is not a PHC string we can read.
    public static let malformedHash = Self(kind: .malformedHash, message: "malformed password hash")
    /// A stored password hash names more memory, passes or lanes than the configured cap allows.
    public static let hashParametersOverCap = Self(kind: .hashParametersOverCap, message: "hash parameters over cap")

    /// A key file could not be read or written.
    public static let keyFile = Self(kind: .keyFile, message: "key file error")
    /// A private key file is readable or writable by group or others.
    public static let insecureKeyFile = Self(kind: .insecureKeyFile, message: "key file permissions too open")
    /// The key store's state file is missing, malformed, or disagrees with the key files.
    public static let keyStore = Self(kind: .keyStore, message: "key store error")
    /// A key of a type or curve we do not sign with.
    public static let unsupportedKey = Self(kind: .unsupportedKey, message: "unsupported key")
    /// A key too small for its algorithm (RSA under 2048 bits, an HMAC secret under 32 bytes).
    public static let weakKey = Self(kind: .weakKey, message: "key too weak")
    /// No active signing key.
    public static let noSigningKey = Self(kind: .noSigningKey, message: "no signing key")

    /// The token is longer than 8 KiB.
    public static let tokenTooLarge = Self(kind: .tokenTooLarge, message: "token too large")
    /// The token is not three base64url parts, or its header is not a JSON object with `alg`.
    public static let malformedToken = Self(kind: .malformedToken, message: "malformed token")
    /// A part holds padding, whitespace, a character outside base64url, or non-zero trailing bits.
    public static let nonCanonicalBase64URL = Self(kind: .nonCanonicalBase64URL, message: "non-canonical base64url")
    /// The header says `alg: none`.
    public static let algorithmNone = Self(kind: .algorithmNone, message: "alg none")
    /// The header's `alg` is not the algorithm of the key it names.
    public static let algorithmMismatch = Self(kind: .algorithmMismatch, message: "algorithm mismatch")
    /// The header has a `crit` member; we understand no extensions.
    public static let criticalHeader = Self(kind: .criticalHeader, message: "crit header")
    /// No key has the header's `kid` (or the header has none where one is needed).
    public static let unknownKey = Self(kind: .unknownKey, message: "unknown kid")
    /// An ES256 signature in DER form instead of JOSE's raw `r||s`.
    public static let derSignature = Self(kind: .derSignature, message: "DER signature")
    /// The signature has the wrong length for the algorithm.
    public static let signatureLength = Self(kind: .signatureLength, message: "wrong signature length")
    /// The signature does not verify.
    public static let badSignature = Self(kind: .badSignature, message: "bad signature")
    /// The payload is not a JSON object.
    public static let payloadNotObject = Self(kind: .payloadNotObject, message: "payload not a JSON object")

    /// A claim that must be present (`exp`) is missing, or a registered claim has the wrong JSON type.
    public static let invalidClaim = Self(kind: .invalidClaim, message: "invalid claim")
    /// `exp` has passed, beyond the leeway. Callers answer `token_expired`.
    public static let tokenExpired = Self(kind: .tokenExpired, message: "token expired")
    /// `nbf` is still in the future, beyond the leeway.
    public static let tokenNotYetValid = Self(kind: .tokenNotYetValid, message: "token not yet valid")
    /// `iat` is in the future, beyond the leeway.
    public static let tokenIssuedInFuture = Self(kind: .tokenIssuedInFuture, message: "token issued in the future")
    /// `iss` is not the expected issuer.
    public static let wrongIssuer = Self(kind: .wrongIssuer, message: "wrong issuer")
    /// `aud` does not contain the expected audience.
    public static let wrongAudience = Self(kind: .wrongAudience, message: "wrong audience")

    /// CBOR that is not well formed, not in the deterministic form WebAuthn uses, or over a decoding limit.
    public static let malformedCBOR = Self(kind: .malformedCBOR, message: "malformed CBOR")
    /// WebAuthn data (authenticator data, client data, attestation object, COSE key) that is not well formed.
    public static let malformedWebAuthn = Self(kind: .malformedWebAuthn, message: "malformed WebAuthn data")
    /// WebAuthn data for another ceremony, challenge, origin or relying party, or from a cross-origin frame.
    public static let webauthnMismatch = Self(kind: .webauthnMismatch, message: "WebAuthn ceremony mismatch")
    /// The authenticator did not report user presence (UP).
    public static let userNotPresent = Self(kind: .userNotPresent, message: "user not present")
    /// User verification (UV) was required and the authenticator did not report it.
    public static let userNotVerified = Self(kind: .userNotVerified, message: "user not verified")
    /// An attestation statement format or form we do not accept (only `none` and `packed` self-attestation).
    public static let unsupportedAttestation = Self(kind: .unsupportedAttestation, message: "unsupported attestation")

    /// The same kind with a more precise message.
    func with(_ message: String) -> Self { .init(kind: kind, message: message) }
}
