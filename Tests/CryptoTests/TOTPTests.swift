import Foundation
import Testing
@testable import Crypto

struct OTPVectors: Decodable {
    struct HOTP: Decodable {
        let secret_ascii: String
        let codes: [String]
    }
    struct Row: Decodable {
        let time: Double
        let step: UInt64
        let SHA1: String
        let SHA256: String
        let SHA512: String
    }
    struct TOTPTable: Decodable {
        let secrets_ascii: [String: String]
        let table: [Row]
    }
    let hotp: HOTP
    let totp: TOTPTable
}

@Suite("HOTP and TOTP (RFC 4226, RFC 6238)")
struct TOTPTests {
    let vectors: OTPVectors
    init() throws { vectors = try loadVector("otp") }

    @Test("HOTP gives the RFC 4226 appendix D values for counters 0 to 9")
    func rfc4226() throws {
        let hotp = try TOTP(secret: utf8(vectors.hotp.secret_ascii))
        for (counter, code) in vectors.hotp.codes.enumerated() {
            #expect(hotp.hotp(counter: UInt64(counter)) == code)
        }
    }

    @Test("TOTP gives the RFC 6238 appendix B table for SHA-1, SHA-256 and SHA-512", arguments: TOTP.Algorithm.allCases)
    func rfc6238(algorithm: TOTP.Algorithm) throws {
        let totp = try TOTP(
            secret: utf8(vectors.totp.secrets_ascii[algorithm.rawValue]!), algorithm: algorithm, digits: 8)
        for row in vectors.totp.table {
            let date = Date(timeIntervalSince1970: row.time)
            let expected = [TOTP.Algorithm.sha1: row.SHA1, .sha256: row.SHA256, .sha512: row.SHA512][algorithm]!
            #expect(totp.step(at: date) == row.step)
            #expect(totp.code(at: date) == expected, "time \(row.time)")
            #expect(totp.verify(expected, at: date) == row.step)
        }
    }

    @Test("verification accepts one step either side, returns the matched step, and refuses the rest")
    func window() throws {
        let totp = try TOTP(secret: utf8("12345678901234567890"))
        let now = Date(timeIntervalSince1970: 1_111_111_111)
        let step = totp.step(at: now)
        for offset in [-1, 0, 1] {
            let code = totp.hotp(counter: UInt64(Int(step) + offset))
            #expect(totp.verify(code, at: now) == UInt64(Int(step) + offset))
        }
        for offset in [-3, -2, 2, 3] {
            let code = totp.hotp(counter: UInt64(Int(step) + offset))
            if code != totp.code(at: now) { #expect(totp.verify(code, at: now) == nil) }
        }
        #expect(totp.verify(totp.hotp(counter: step + 2), at: now, window: 2) == step + 2)
        #expect(totp.verify(totp.hotp(counter: step - 1), at: now, window: 0) == nil)
    }

    @Test(
        "codes of the wrong length or with non-digits are refused",
        arguments: ["", "12345", "1234567", "12345a", " 123456", "１２３４５６"])
    func badFormat(code: String) throws {
        let totp = try TOTP(secret: utf8("12345678901234567890"))
        #expect(totp.verify(code) == nil)
    }

    @Test("the first steps after 1970 and dates before it do not trap")
    func earlySteps() throws {
        let totp = try TOTP(secret: utf8("12345678901234567890"))
        #expect(totp.step(at: Date(timeIntervalSince1970: -100)) == 0)
        #expect(totp.verify(totp.hotp(counter: 0), at: Date(timeIntervalSince1970: 10)) == 0)
    }

    @Test("base32 secrets decode in either case, with spaces and padding, and round-trip")
    func base32() throws {
        // RFC 4648 section 10.
        for (plain, encoded) in [
            ("f", "MY"), ("fo", "MZXQ"), ("foo", "MZXW6"), ("foob", "MZXW6YQ"), ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            #expect(Base32.encode(utf8(plain)) == encoded)
            #expect(Base32.decode(encoded) == utf8(plain))
        }
        #expect(Base32.decode("mzxw 6ytb oi======") == utf8("foobar"))
        #expect(Base32.decode("MZXW6YTB0I") == nil)  // 0 is not base32
        #expect(Base32.decode("MZX") == nil)  // impossible length
        #expect(Base32.decode("MY==MY") == nil)  // data after padding
        let secret = TOTP.generateSecret()
        #expect(secret.count == 20)
        let totp = try TOTP(secret: secret)
        #expect(Base32.decode(totp.base32Secret) == secret)
        #expect(try TOTP(base32Secret: totp.base32Secret.lowercased()).code(at: Forge.now) == totp.code(at: Forge.now))
    }

    @Test("short secrets, bad digits and bad periods are refused")
    func refusals() {
        #expect(throws: CryptoError.invalidInput) { try TOTP(secret: [UInt8](repeating: 1, count: 15)) }
        #expect(throws: CryptoError.invalidInput) { try TOTP(secret: [UInt8](repeating: 1, count: 20), digits: 5) }
        #expect(throws: CryptoError.invalidInput) { try TOTP(secret: [UInt8](repeating: 1, count: 20), digits: 9) }
        #expect(throws: CryptoError.invalidInput) { try TOTP(secret: [UInt8](repeating: 1, count: 20), period: 0) }
        #expect(throws: CryptoError.invalidInput) { try TOTP(base32Secret: "not base32!") }
    }

    @Test("the otpauth URI percent-encodes label and issuer and names every parameter")
    func uri() throws {
        let totp = try TOTP(secret: utf8("12345678901234567890"), algorithm: .sha256, digits: 8, period: 60)
        #expect(
            totp.uri(account: "alice+1@example.com", issuer: "ACME Co: Ünïcode/")
                == "otpauth://totp/ACME%20Co%3A%20%C3%9Cn%C3%AFcode%2F:alice%2B1%40example.com"
                + "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=ACME%20Co%3A%20%C3%9Cn%C3%AFcode%2F"
                + "&algorithm=SHA256&digits=8&period=60")
    }
}
