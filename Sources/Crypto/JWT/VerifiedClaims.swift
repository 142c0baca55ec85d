#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The claims of a token whose signature and registered claims have been checked.
///
/// `payload` is the JSON object exactly as it was signed; decode the private claims from it with
/// ``decode(_:)``. The registered claims (RFC 7519 §4.1) are read already.
public struct VerifiedClaims: Sendable {
    /// The payload: a JSON object, exactly as signed.
    public let payload: [UInt8]
    /// The algorithm that signed the token.
    public let algorithm: JWSAlgorithm
    /// The key that signed it; nil for HS256 secrets.
    public let keyID: String?
    /// `iss`.
    public var issuer: String? { issuerBytes.map { String(decoding: $0, as: UTF8.self) } }
    /// `sub`.
    public var subject: String? { subjectBytes.map { String(decoding: $0, as: UTF8.self) } }
    /// `aud`, one string or several; empty when absent.
    public var audience: [String] { audienceBytes?.strings ?? [] }
    /// `exp`, which every token must have.
    public let expiresAt: Date
    /// `nbf`.
    public let notBefore: Date?
    /// `iat`.
    public let issuedAt: Date?
    /// `jti`.
    public var tokenID: String? { tokenIDBytes.map { String(decoding: $0, as: UTF8.self) } }

    // The string claims stay bytes (slices of `payload`) until asked for: verification compares them
    // without making a String.
    private let issuerBytes: ArraySlice<UInt8>?
    private let subjectBytes: ArraySlice<UInt8>?
    private let tokenIDBytes: ArraySlice<UInt8>?
    private let audienceBytes: StringOrStrings?

    /// Decodes the payload into a `Decodable` type with the claims you need.
    ///
    /// ```swift
    /// struct Access: Decodable { let sid: String; let permissions: [String] }
    /// let access = try claims.decode(Access.self)
    /// ```
    /// - Throws: ``CryptoError/invalidClaim`` when the payload does not fit the type.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws(CryptoError) -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(payload))
        } catch {
            throw CryptoError.invalidClaim.with("payload does not decode as \(T.self): \(error)")
        }
    }

    /// Reads the registered claims of `payload` and checks them against `date`.
    ///
    /// The checks, after RFC 7519 §4.1: `exp` must be present and `date` before `exp + leeway`; `nbf`, if
    /// present, at most `date + leeway`; `iat`, if present, not after `date + leeway`; `iss` equal to
    /// `issuer` when one is expected; `aud`, when present, must contain `audience`, and when an audience is
    /// expected it must be present ("if the principal processing the claim does not identify itself with a
    /// value in the aud claim … the JWT MUST be rejected").
    init(
        payload: [UInt8], algorithm: JWSAlgorithm, keyID: String?, at date: Date, leeway: TimeInterval,
        issuer expectedIssuer: String?, audience expectedAudience: String?
    ) throws(CryptoError) {
        var scanner = try JSONScanner(
            payload, failure: CryptoError.payloadNotObject.with("payload is not a JSON object"))
        var issuer: ArraySlice<UInt8>? = nil, subject: ArraySlice<UInt8>? = nil, tokenID: ArraySlice<UInt8>? = nil
        var audience: StringOrStrings? = nil
        var expiresAt: Double? = nil, notBefore: Double? = nil, issuedAt: Double? = nil
        while let key = try scanner.nextKey() {
            switch scanner.packedName(key) {
            case PackedName.exp: expiresAt = try Self.number(&scanner, "exp")
            case PackedName.iss: issuer = try Self.string(&scanner, "iss")
            case PackedName.aud:
                guard let value = try? scanner.readStringOrStrings() else {
                    throw CryptoError.invalidClaim.with("aud is neither a string nor an array of strings")
                }
                audience = value
            case PackedName.sub: subject = try Self.string(&scanner, "sub")
            case PackedName.nbf: notBefore = try Self.number(&scanner, "nbf")
            case PackedName.iat: issuedAt = try Self.number(&scanner, "iat")
            case PackedName.jti: tokenID = try Self.string(&scanner, "jti")
            default: try scanner.skipValue()
            }
        }

        let now = date.timeIntervalSince1970
        guard let expiresAt else { throw CryptoError.invalidClaim.with("exp is missing") }
        guard now < expiresAt + leeway else {
            throw CryptoError.tokenExpired.with("exp \(expiresAt) is before now \(now) less \(leeway) s leeway")
        }
        if let notBefore, notBefore > now + leeway {
            throw CryptoError.tokenNotYetValid.with("nbf \(notBefore) is after now \(now) plus \(leeway) s leeway")
        }
        if let issuedAt, issuedAt > now + leeway {
            throw CryptoError.tokenIssuedInFuture.with("iat \(issuedAt) is after now \(now) plus \(leeway) s leeway")
        }
        if let expectedIssuer, !(issuer.map { bytesEqual($0, expectedIssuer) } ?? false) {
            let found = issuer.map { JSONString.quoted(String(decoding: $0, as: UTF8.self)) } ?? "missing"
            throw CryptoError.wrongIssuer.with("iss is \(found)")
        }
        if let audience {
            guard let expectedAudience, audience.contains(expectedAudience) else {
                throw CryptoError.wrongAudience.with(
                    "aud does not contain \(JSONString.quoted(expectedAudience ?? ""))")
            }
        } else if expectedAudience != nil {
            throw CryptoError.wrongAudience.with("aud is missing")
        }

        self.payload = payload
        self.algorithm = algorithm
        self.keyID = keyID
        issuerBytes = issuer
        subjectBytes = subject
        audienceBytes = audience
        self.expiresAt = Date(timeIntervalSince1970: expiresAt)
        self.notBefore = notBefore.map { Date(timeIntervalSince1970: $0) }
        self.issuedAt = issuedAt.map { Date(timeIntervalSince1970: $0) }
        tokenIDBytes = tokenID
    }

    private static func string(_ scanner: inout JSONScanner, _ name: String) throws(CryptoError) -> ArraySlice<UInt8> {
        guard scanner.nextIsString() else { throw CryptoError.invalidClaim.with("\(name) is not a string") }
        return try scanner.readStringBytes()
    }

    private static func number(_ scanner: inout JSONScanner, _ name: String) throws(CryptoError) -> Double {
        guard scanner.nextIsNumber() else { throw CryptoError.invalidClaim.with("\(name) is not a NumericDate") }
        return try scanner.readNumber()
    }
}
