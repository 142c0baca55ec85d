import Foundation
@testable import Crypto

/// Helpers that build tokens by hand, so tests can make every kind of bad token.
enum Forge {
    static let now = Date(timeIntervalSince1970: 1_750_000_000)

    /// Standard claims around `now`, as JSON text.
    static func claims(
        exp: Double = 1_750_000_900, nbf: Double? = nil, iat: Double? = 1_750_000_000,
        iss: String? = "https://auth.example.com",
        aud: String? = #""gatehouse""#, extra: String = ""
    ) -> String {
        var members = [#""exp":\#(exp)"#, #""sub":"user-1""#]
        if let nbf { members.append(#""nbf":\#(nbf)"#) }
        if let iat { members.append(#""iat":\#(iat)"#) }
        if let iss { members.append(#""iss":"\#(iss)""#) }
        if let aud { members.append(#""aud":\#(aud)"#) }
        if !extra.isEmpty { members.append(extra) }
        return "{" + members.joined(separator: ",") + "}"
    }

    /// A token with the given header and payload text, signed by `key` over exactly those bytes.
    static func token(header: String, payload: [UInt8], key: JWSKey) throws -> String {
        let input = Base64URL.encode(utf8(header)) + "." + Base64URL.encode(payload)
        let signature = try key.sign(message: ArraySlice(utf8(input)))
        return input + "." + Base64URL.encode(signature)
    }

    static func token(header: String, payload: String, key: JWSKey) throws -> String {
        try token(header: header, payload: utf8(payload), key: key)
    }

    /// An HS256 token signed with arbitrary bytes as the secret (for algorithm-confusion tests).
    static func hs256Token(header: String, payload: String, secret: [UInt8]) -> String {
        let input = Base64URL.encode(utf8(header)) + "." + Base64URL.encode(utf8(payload))
        return input + "." + Base64URL.encode(HMAC.sha256(key: secret, data: utf8(input)))
    }

    /// The three parts of a token.
    static func parts(_ token: String) -> [String] {
        token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// `token` with the bytes of one part decoded, changed and re-encoded canonically.
    static func changing(_ token: String, part: Int, _ change: (inout [UInt8]) -> Void) throws -> String {
        var parts = parts(token)
        var bytes = try Base64URL.decode(parts[part])
        change(&bytes)
        parts[part] = Base64URL.encode(bytes)
        return parts.joined(separator: ".")
    }
}

/// A fresh key of each asymmetric algorithm, as key sets and as single keys.
struct TestKeys {
    let pem: [JWSAlgorithm: [UInt8]]
    let key: [JWSAlgorithm: JWSKey]

    /// Keys made once per test run and shared (RSA generation is slow); `fresh` makes new ones.
    init(fresh: Bool = false) throws {
        let pem = fresh ? try Self.generatePEMs() : try Self.shared.get()
        var key: [JWSAlgorithm: JWSKey] = [:]
        for (algorithm, bytes) in pem { key[algorithm] = try JWSKey(key: EVPKey(privateKeyPEM: bytes)) }
        self.pem = pem
        self.key = key
    }

    private static let shared = Result { try generatePEMs() }

    private static func generatePEMs() throws -> [JWSAlgorithm: [UInt8]] {
        var pem: [JWSAlgorithm: [UInt8]] = [:]
        for algorithm in [JWSAlgorithm.eddsa, .es256, .rs256] {
            pem[algorithm] = try EVPKey.generate(algorithm.keyType!).privateKeyPEM()
        }
        return pem
    }

    /// A one-key set whose key is the same key as `key[algorithm]`.
    func keySet(_ algorithm: JWSAlgorithm) throws -> SigningKeys {
        try SigningKeys(privateKeyPEMs: [pem[algorithm]!])
    }

    func keyID(_ algorithm: JWSAlgorithm) -> String { key[algorithm]!.keyID! }

    /// `{"alg":…,"kid":…}` for the key of `algorithm`.
    func header(_ algorithm: JWSAlgorithm, alg: String? = nil, extra: String = "") -> String {
        #"{"alg":"\#(alg ?? algorithm.rawValue)","kid":"\#(keyID(algorithm))"\#(extra)}"#
    }
}
