#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One-time passwords: HOTP (RFC 4226) and TOTP (RFC 6238).
///
/// ```swift
/// let totp = try TOTP(base32Secret: stored)
/// guard let step = totp.verify(code, at: now), step > lastUsedStep else { throw … }   // refuse a replay
/// lastUsedStep = step
/// ```
/// The secret lives in a buffer wiped when the last copy of this value goes away.
public struct TOTP: Sendable {
    /// The HMAC hash; authenticator apps default to SHA-1.
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha1 = "SHA1", sha256 = "SHA256", sha512 = "SHA512"

        var digest: Digest {
            switch self {
            case .sha1: .sha1
            case .sha256: .sha256
            case .sha512: .sha512
            }
        }

        /// The secret length RFC 6238's reference uses for this hash, which is also the one we generate.
        public var secretLength: Int {
            switch self {
            case .sha1: 20
            case .sha256: 32
            case .sha512: 64
            }
        }
    }

    /// The HMAC hash.
    public let algorithm: Algorithm
    /// Digits per code, 6 to 8.
    public let digits: Int
    /// Seconds per time step (RFC 6238's X), 30 by default.
    public let period: Int
    private let secret: SecretBytes
    /// The secret, for sealing it (``SealingKey``).
    var secretBytes: SecretBytes { secret }

    /// A generator for `secret`.
    /// - Throws: ``CryptoError/invalidInput`` for a secret under 128 bits (RFC 4226 §4: "The length of the
    ///   shared secret MUST be at least 128 bits"), digits outside 6...8, or a period under 1 s.
    public init(secret: [UInt8], algorithm: Algorithm = .sha1, digits: Int = 6, period: Int = 30) throws(CryptoError) {
        guard secret.count >= 16 else { throw CryptoError.invalidInput.with("TOTP secret shorter than 128 bits") }
        guard (6...8).contains(digits) else { throw CryptoError.invalidInput.with("TOTP digits must be 6 to 8") }
        guard period >= 1 else { throw CryptoError.invalidInput.with("TOTP period must be at least 1 s") }
        self.secret = SecretBytes(secret)
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
    }

    /// A generator for a secret already in a wiped buffer (a sealed secret just opened).
    init(secret: SecretBytes, algorithm: Algorithm = .sha1, digits: Int = 6, period: Int = 30) throws(CryptoError) {
        guard secret.count >= 16 else { throw CryptoError.invalidInput.with("TOTP secret shorter than 128 bits") }
        self.secret = secret
        self.algorithm = algorithm
        self.digits = digits
        self.period = period
    }

    /// A generator for a new random secret of the length RFC 6238 uses for `algorithm` (20 bytes for SHA-1,
    /// RFC 4226 §4's recommended 160 bits); the secret never leaves this value except through
    /// ``base32Secret`` (to show it once) and ``SealingKey/seal(_:binding:)``.
    public static func generate(algorithm: Algorithm = .sha1) -> TOTP {
        do {
            return try TOTP(secret: SecretBytes(Random.bytes(count: algorithm.secretLength)), algorithm: algorithm)
        } catch {
            fatalError("TOTP: \(error)")  // the length is always valid
        }
    }

    /// A generator for a base32 secret (either case, spaces and padding allowed).
    public init(
        base32Secret: String, algorithm: Algorithm = .sha1, digits: Int = 6, period: Int = 30
    ) throws(CryptoError) {
        guard let secret = Base32.decode(base32Secret) else {
            throw CryptoError.invalidInput.with("TOTP secret is not base32")
        }
        try self.init(secret: secret, algorithm: algorithm, digits: digits, period: period)
    }

    /// A new random secret of the length RFC 6238 uses for `algorithm` (20 bytes for SHA-1).
    public static func generateSecret(for algorithm: Algorithm = .sha1) -> [UInt8] {
        Random.bytes(count: algorithm.secretLength)
    }

    /// The secret in base32, for the enrollment answer and the URI. It is the secret: never log it.
    public var base32Secret: String {
        secret.withUnsafeBytesCopy { Base32.encode($0) }
    }

    // MARK: - Codes

    /// The HOTP value for `counter` (RFC 4226 §5.3: HMAC, dynamic truncation, modulo 10^digits).
    public func hotp(counter: UInt64) -> String {
        code(counter: counter, context: makeContext())
    }

    /// The time step that `date` falls in: ⌊unix time / period⌋, 0 before 1970.
    public func step(at date: Date = Date()) -> UInt64 {
        let seconds = date.timeIntervalSince1970
        guard seconds > 0 else { return 0 }
        return UInt64(seconds / Double(period))
    }

    /// The TOTP code at `date`.
    public func code(at date: Date = Date()) -> String {
        hotp(counter: step(at: date))
    }

    /// Checks `code` against the steps from `window` before `date`'s step to `window` after it.
    /// - Returns: the step that matched, so the caller can refuse that step (and earlier ones) next time;
    ///   nil if none matched or `code` is not `digits` decimal digits.
    public func verify(_ code: String, at date: Date = Date(), window: Int = 1) -> UInt64? {
        let presented = Array(code.utf8)
        guard presented.count == digits, presented.allSatisfy({ (48...57).contains($0) }) else { return nil }
        let current = step(at: date)
        let context = makeContext()
        let window = UInt64(Swift.max(window, 0))
        let first = current >= window ? current - window : 0
        var matched: UInt64? = nil
        for candidate in first...(current &+ window) {
            // Every candidate is computed and compared, in constant time, whatever matched before.
            if constantTimeEqual(Array(self.code(counter: candidate, context: context).utf8), presented),
                matched == nil
            {
                matched = candidate
            }
        }
        return matched
    }

    private func makeContext() -> HMACContext {
        do {
            return try HMACContext(key: secret, digest: algorithm.digest)
        } catch {
            fatalError("HMAC context: \(error)")  // only when memory runs out or the provider is broken
        }
    }

    private func code(counter: UInt64, context: HMACContext) -> String {
        let message = (0..<8).map { UInt8(truncatingIfNeeded: counter >> (56 - 8 * $0)) }
        let mac: [UInt8]
        do {
            mac = try context.mac(message)
        } catch {
            fatalError("HMAC: \(error)")
        }
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary =
            UInt32(mac[offset] & 0x7F) << 24 | UInt32(mac[offset + 1]) << 16 | UInt32(mac[offset + 2]) << 8
            | UInt32(mac[offset + 3])
        var modulus: UInt32 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    // MARK: - Enrollment

    /// The `otpauth://totp/` URI that authenticator apps read from a QR code (the Key Uri Format):
    /// label `issuer:account`, both percent-encoded, and the parameters `secret`, `issuer`, `algorithm`,
    /// `digits`, `period`.
    public func uri(account: String, issuer: String) -> String {
        let label = Self.percentEncoded(issuer) + ":" + Self.percentEncoded(account)
        return "otpauth://totp/\(label)?secret=\(base32Secret)&issuer=\(Self.percentEncoded(issuer))"
            + "&algorithm=\(algorithm.rawValue)&digits=\(digits)&period=\(period)"
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters `A–Z a–z 0–9 - . _ ~`.
    static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                out.append(byte)
            default:
                out.append(contentsOf: [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
