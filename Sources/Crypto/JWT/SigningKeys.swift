#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The keys a worker signs and verifies tokens with: one active key that signs, passive keys that
/// still verify, and the JWKS document that publishes them.
///
/// ```swift
/// let keys = try SigningKeys(keysDirectory: "/var/lib/gatehouse/keys")      // or SigningKeys(hmacSecrets:)
/// let token = try keys.sign(AccessClaims(sub: user.id, exp: now + 900, …))
/// let claims = try keys.verify(token: token, issuer: "https://auth.example.com", audience: "gatehouse")
/// ```
/// Load it once per worker process: keys are parsed once and their OpenSSL contexts reused, which is
/// what keeps ``verify(token:at:leeway:issuer:audience:)`` lean. It is `Sendable`: each reused C context
/// sits behind its own lock, which a one-thread worker never contends.
public final class SigningKeys: Sendable {
    /// The algorithms of the keys that verify, the active key's first (for `openid-configuration`).
    public let algorithms: [JWSAlgorithm]
    /// The JWKS document (RFC 7517 §5): every asymmetric key that still verifies, the active key first.
    /// `{"keys":[]}` for HS256 secrets, which are never published.
    public let jwksJSON: String
    /// The algorithm new tokens are signed with.
    public var activeAlgorithm: JWSAlgorithm { active.algorithm }
    /// The `kid` new tokens carry; nil for HS256.
    public var activeKeyID: String? { active.keyID }

    private let active: JWSKey
    /// Asymmetric keys with their `kid` as bytes, active first; a handful at most, so a linear search by
    /// bytes beats hashing a 43-character `kid` into a dictionary.
    private let keys: [(keyID: [UInt8], key: JWSKey)]
    /// HS256 secrets, the signing one first; empty for asymmetric key sets.
    private let secrets: [JWSKey]

    /// The keys of a key store directory (see ``KeyStore``): its active key signs, its passive keys verify.
    /// - Throws: ``CryptoError/noSigningKey`` when the store has no active key,
    ///   ``CryptoError/insecureKeyFile`` when a private key is readable by group or others.
    public convenience init(keysDirectory: String) throws(CryptoError) {
        let loaded = try KeyStore(directory: keysDirectory).loadKeys()
        try self.init(active: loaded.active, passive: loaded.passive)
    }

    /// HS256 with shared secrets (`JWT_SECRET`): the first signs, all verify.
    /// - Throws: ``CryptoError/weakKey`` for a secret shorter than 32 bytes, ``CryptoError/noSigningKey``
    ///   for an empty list.
    public init(hmacSecrets: [[UInt8]]) throws(CryptoError) {
        guard !hmacSecrets.isEmpty else { throw CryptoError.noSigningKey.with("no HS256 secret given") }
        var keys: [JWSKey] = []
        for secret in hmacSecrets { keys.append(try JWSKey(hmacSecret: secret)) }
        secrets = keys
        active = keys[0]
        self.keys = []
        algorithms = [.hs256]
        jwksJSON = #"{"keys":[]}"#
    }

    /// A key set from PEM private keys, the first active, the rest passive (for tests and tools).
    package convenience init(privateKeyPEMs: [[UInt8]]) throws(CryptoError) {
        var keys: [JWSKey] = []
        for pem in privateKeyPEMs { keys.append(try JWSKey(key: EVPKey(privateKeyPEM: pem))) }
        guard let active = keys.first else { throw CryptoError.noSigningKey.with("no key given") }
        try self.init(active: active, passive: Array(keys.dropFirst()))
    }

    /// An asymmetric key set.
    init(active: JWSKey, passive: [JWSKey]) throws(CryptoError) {
        var keysByID: [String: JWSKey] = [:]
        var algorithms: [JWSAlgorithm] = []
        var entries: [String] = []
        for key in [active] + passive {
            guard let keyID = key.keyID, let jwk = key.publicJWK else {
                throw CryptoError.keyStore.with("an HS256 secret cannot join an asymmetric key set")
            }
            guard keysByID.updateValue(key, forKey: keyID) == nil else {
                throw CryptoError.keyStore.with("key \(keyID) appears twice")
            }
            if !algorithms.contains(key.algorithm) { algorithms.append(key.algorithm) }
            entries.append(jwk.publicEntry(keyID: keyID))
        }
        self.active = active
        self.keys = ([active] + passive).map { (Array($0.keyID!.utf8), $0) }
        self.algorithms = algorithms
        secrets = []
        jwksJSON = #"{"keys":["# + entries.joined(separator: ",") + "]}"
    }

    // MARK: - Signing

    /// Signs a JSON object given as bytes, exactly as given.
    ///
    /// - Parameter header: extra header members (default `typ: JWT`); `alg` and `kid` are always ours,
    ///   and `crit`, `alg`, `kid`, `jku`, `jwk`, `x5u`, `x5c`, `b64` may not be given.
    /// - Throws: ``CryptoError/invalidInput`` when `claimsJSON` is not a JSON object.
    public func sign(claimsJSON: [UInt8], header: [String: String] = ["typ": "JWT"]) throws(CryptoError) -> String {
        var scanner = try JSONScanner(
            claimsJSON, failure: CryptoError.invalidInput.with("claims are not a JSON object"))
        while try scanner.nextKey() != nil { try scanner.skipValue() }

        var headerJSON: [UInt8] = Array(#"{"alg":"#.utf8)
        JSONString.append(active.algorithm.rawValue, to: &headerJSON)
        if let keyID = active.keyID {
            headerJSON.append(contentsOf: Array(#","kid":"#.utf8))
            JSONString.append(keyID, to: &headerJSON)
        }
        for (name, value) in header.sorted(by: { $0.key < $1.key }) {
            guard !Self.reservedHeaders.contains(name) else {
                throw CryptoError.invalidInput.with("header member \(name) is reserved")
            }
            headerJSON.append(UInt8(ascii: ","))
            JSONString.append(name, to: &headerJSON)
            headerJSON.append(UInt8(ascii: ":"))
            JSONString.append(value, to: &headerJSON)
        }
        headerJSON.append(UInt8(ascii: "}"))

        var token = Base64.encode(headerJSON, alphabet: .url)
        token.append(UInt8(ascii: "."))
        token.append(contentsOf: Base64.encode(claimsJSON, alphabet: .url))
        let signature = try active.sign(message: token[...])
        token.append(UInt8(ascii: "."))
        token.append(contentsOf: Base64.encode(signature, alphabet: .url))
        return String(decoding: token, as: UTF8.self)
    }

    /// Signs claims given as an `Encodable` value, encoded with sorted keys.
    ///
    /// ```swift
    /// struct Access: Encodable { let iss, aud, sub, sid: String; let iat, exp: Int; let permissions: [String] }
    /// let token = try keys.sign(Access(…))
    /// ```
    public func sign(_ claims: some Encodable, header: [String: String] = ["typ": "JWT"]) throws(CryptoError) -> String
    {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        do {
            data = try encoder.encode(claims)
        } catch {
            throw CryptoError.invalidInput.with("claims do not encode as JSON: \(error)")
        }
        return try sign(claimsJSON: Array(data), header: header)
    }

    private static let reservedHeaders: Set<String> = ["alg", "kid", "crit", "jku", "jwk", "x5u", "x5c", "b64"]

    // MARK: - Verifying

    /// Verifies a compact JWS and its registered claims.
    ///
    /// In order: at most 8 KiB; three canonical base64url parts; a JSON-object header with `alg`, not
    /// `none`, no `crit`; `alg` one of this set's algorithms; `kid` naming one of its keys (HS256 secrets
    /// have none and are tried in turn); `alg` equal to that key's algorithm; the signature's length and
    /// form (raw `r||s` for ES256); the signature; a JSON-object payload; then the claims (see
    /// ``VerifiedClaims``). Each failure has its own ``CryptoError`` kind; only ``CryptoError/tokenExpired``
    /// means "expired".
    /// - Parameters:
    ///   - date: the clock; `exp`, `nbf` and `iat` are compared with it.
    ///   - leeway: seconds of clock skew allowed either way.
    ///   - issuer: the required `iss`, or nil to accept any.
    ///   - audience: this service's name, which `aud` must contain. With nil, a token that has `aud` is
    ///     refused (RFC 7519 §4.1.3).
    public func verify(
        token: String, at date: Date = Date(), leeway: TimeInterval = 60, issuer: String? = nil,
        audience: String? = nil
    ) throws(CryptoError) -> VerifiedClaims {
        let parts = try TokenParts(token)
        let key = try selectKey(parts)
        if secrets.isEmpty {
            try key.verify(signature: parts.signature, message: parts.signingInput)
        } else {
            try verifyWithSecrets(parts)
        }
        return try VerifiedClaims(
            payload: parts.payload, algorithm: key.algorithm, keyID: key.keyID, at: date, leeway: leeway,
            issuer: issuer, audience: audience)
    }

    /// The key a token names, after the checks that need no signature.
    private func selectKey(_ parts: TokenParts) throws(CryptoError) -> JWSKey {
        guard let algorithm = JWSAlgorithm(bytes: parts.algorithmBytes), algorithms.contains(algorithm) else {
            throw CryptoError.algorithmMismatch.with(
                "alg \(JSONString.quoted(parts.algorithm)) is not one of \(algorithms.map(\.rawValue))")
        }
        if !secrets.isEmpty {
            if let keyID = parts.keyID {
                throw CryptoError.unknownKey.with("kid \(JSONString.quoted(keyID)) (HS256 secrets have none)")
            }
            return active
        }
        guard let keyID = parts.keyIDBytes else { throw CryptoError.unknownKey.with("header has no kid") }
        guard let key = keys.first(where: { $0.keyID.elementsEqual(keyID) })?.key else {
            throw CryptoError.unknownKey.with("kid \(JSONString.quoted(parts.keyID ?? ""))")
        }
        guard key.algorithm == algorithm else {
            throw CryptoError.algorithmMismatch.with(
                "alg \(algorithm.rawValue) but key \(key.keyID ?? "") is \(key.algorithm.rawValue)")
        }
        return key
    }

    /// HS256: every secret is tried; the first that verifies wins.
    private func verifyWithSecrets(_ parts: TokenParts) throws(CryptoError) {
        var firstError: CryptoError? = nil
        for secret in secrets {
            do {
                try secret.verify(signature: parts.signature, message: parts.signingInput)
                return
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        throw firstError ?? CryptoError.badSignature
    }
}
