public import Crypto

/// An API key, `gh_<kid>_<secret>_<check>` (API.md "SaaS clients"): `kid` 12 and `secret` 43 base62 characters
/// (43 × log2 62 ≈ 256 bits from the CSPRNG), `check` 6 base62 characters of the CRC-32 of everything before it.
///
/// The checksum lets typos and garbage be refused before the database is asked; it is no defence against a forger,
/// who can compute it. Only HMAC-SHA256 of the secret under the server's pepper is stored.
///
///     let (text, key) = APIKey.generate()          // text is shown once
///     APIKey(parsing: text) == key                  // true
///     key.secretHash(pepper: pepper)                // what the database keeps
public struct APIKey: Sendable, Equatable {
    public static let prefix = "gh_"
    public static let kidLength = 12
    public static let secretLength = 43
    public static let checkLength = 6
    /// The whole key's length: `gh_` + kid + `_` + secret + `_` + check.
    public static let length = prefix.utf8.count + kidLength + 1 + secretLength + 1 + checkLength

    public let kid: String
    public let secret: String

    /// The key in `text`, or nil when it is not exactly of the form, or its checksum is wrong.
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == Self.length, bytes.starts(with: Self.prefix.utf8) else { return nil }
        let kidStart = Self.prefix.utf8.count
        let secretStart = kidStart + Self.kidLength + 1
        let checkStart = secretStart + Self.secretLength + 1
        guard bytes[secretStart - 1] == UInt8(ascii: "_"), bytes[checkStart - 1] == UInt8(ascii: "_") else {
            return nil
        }
        let kid = bytes[kidStart..<(secretStart - 1)]
        let secret = bytes[secretStart..<(checkStart - 1)]
        let check = bytes[checkStart...]
        guard Base62.isBase62(bytes: kid), Base62.isBase62(bytes: secret),
            check.elementsEqual(Self.checksum(bytes[..<checkStart]).utf8)
        else { return nil }
        self.kid = String(decoding: kid, as: UTF8.self)
        self.secret = String(decoding: secret, as: UTF8.self)
    }

    init(kid: String, secret: String) {
        self.kid = kid
        self.secret = secret
    }

    /// A new key from the CSPRNG, and its text.
    public static func generate() -> (text: String, key: APIKey) {
        let key = APIKey(kid: Base62.random(count: kidLength), secret: Base62.random(count: secretLength))
        return (key.text, key)
    }

    /// The key as the client sends it.
    public var text: String {
        let body = Self.prefix + kid + "_" + secret + "_"
        return body + Self.checksum(Array(body.utf8)[...])
    }

    /// HMAC-SHA256 of the secret under `pepper`: what the database keeps.
    public func secretHash(pepper: [UInt8]) -> [UInt8] {
        HMAC.sha256(key: pepper, data: Array(secret.utf8))
    }

    /// ``secretHash(pepper:)`` under a pepper whose HMAC context is set up once (the validator's).
    public func secretHash(pepper: HMAC.SHA256Key) -> [UInt8] {
        pepper.mac(Array(secret.utf8))
    }

    /// The six base62 characters of the CRC-32 of `body` (everything up to and including the last `_`).
    static func checksum(_ body: ArraySlice<UInt8>) -> String {
        Base62.fixedWidth(UInt64(CRC32.checksum(body)), width: checkLength)
    }
}
