import Foundation
import Testing

@testable import Crypto

/// Bytes from a hex string (test data only).
func hex(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8)
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
}

@Suite("CBOR decoder: RFC 8949 Appendix A, and what WebAuthn refuses")
struct CBORTests {
    static let one2five: [CBOR] = (1...25).map { .unsigned(UInt64($0)) }

    /// RFC 8949 Appendix A, every example with a definite length (the ones a CTAP2 decoder must read).
    static let definite: [(String, CBOR)] = [
        ("00", .unsigned(0)), ("01", .unsigned(1)), ("0a", .unsigned(10)), ("17", .unsigned(23)),
        ("1818", .unsigned(24)), ("1819", .unsigned(25)), ("1864", .unsigned(100)), ("1903e8", .unsigned(1000)),
        ("1a000f4240", .unsigned(1_000_000)), ("1b000000e8d4a51000", .unsigned(1_000_000_000_000)),
        ("1bffffffffffffffff", .unsigned(.max)),
        ("c249010000000000000000", .tagged(2, .bytes(hex("010000000000000000")))),
        ("3bffffffffffffffff", .negative(.max)),
        ("c349010000000000000000", .tagged(3, .bytes(hex("010000000000000000")))),
        ("20", .negative(0)), ("29", .negative(9)), ("3863", .negative(99)), ("3903e7", .negative(999)),
        ("f90000", .float(0.0)), ("f93c00", .float(1.0)), ("fb3ff199999999999a", .float(1.1)),
        ("f93e00", .float(1.5)), ("f97bff", .float(65504.0)), ("fa47c35000", .float(100000.0)),
        ("fa7f7fffff", .float(3.4028234663852886e+38)), ("fb7e37e43c8800759c", .float(1.0e+300)),
        ("f90001", .float(5.960464477539063e-8)), ("f90400", .float(0.00006103515625)), ("f9c400", .float(-4.0)),
        ("fbc010666666666666", .float(-4.1)), ("f97c00", .float(.infinity)), ("f9fc00", .float(-.infinity)),
        ("fa7f800000", .float(.infinity)), ("faff800000", .float(-.infinity)),
        ("fb7ff0000000000000", .float(.infinity)), ("fbfff0000000000000", .float(-.infinity)),
        ("f4", .bool(false)), ("f5", .bool(true)), ("f6", .null), ("f7", .undefined), ("f0", .simple(16)),
        ("f8ff", .simple(255)),
        ("c074323031332d30332d32315432303a30343a30305a", .tagged(0, .text("2013-03-21T20:04:00Z"))),
        ("c11a514b67b0", .tagged(1, .unsigned(1_363_896_240))),
        ("c1fb41d452d9ec200000", .tagged(1, .float(1_363_896_240.5))),
        ("d74401020304", .tagged(23, .bytes([1, 2, 3, 4]))),
        ("d818456449455446", .tagged(24, .bytes(hex("6449455446")))),
        ("d82076687474703a2f2f7777772e6578616d706c652e636f6d", .tagged(32, .text("http://www.example.com"))),
        ("40", .bytes([])), ("4401020304", .bytes([1, 2, 3, 4])), ("60", .text("")), ("6161", .text("a")),
        ("6449455446", .text("IETF")), ("62225c", .text("\"\\")), ("62c3bc", .text("\u{00fc}")),
        ("63e6b0b4", .text("\u{6c34}")), ("64f0908591", .text("\u{10151}")),
        ("80", .array([])), ("83010203", .array([.unsigned(1), .unsigned(2), .unsigned(3)])),
        ("8301820203820405", .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
        ("98190102030405060708090a0b0c0d0e0f101112131415161718181819", .array(one2five)),
        ("a0", .map([])),
        ("a201020304", .map([.init(.unsigned(1), .unsigned(2)), .init(.unsigned(3), .unsigned(4))])),
        ("a26161016162820203", .map([.init(.text("a"), .unsigned(1)), .init(.text("b"), .array([.unsigned(2), .unsigned(3)]))])),
        ("826161a161626163", .array([.text("a"), .map([.init(.text("b"), .text("c"))])])),
        ("a56161614161626142616361436164614461656145",
         .map(["a", "b", "c", "d", "e"].map { .init(.text($0), .text($0.uppercased())) })),
    ]

    /// RFC 8949 Appendix A, the examples with indefinite lengths: well formed, but not allowed in CTAP2.
    static let indefinite: [(String, CBOR)] = [
        ("5f42010243030405ff", .bytes([1, 2, 3, 4, 5])), ("7f657374726561646d696e67ff", .text("streaming")),
        ("9fff", .array([])),
        ("9f018202039f0405ffff", .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
        ("9f01820203820405ff", .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
        ("83018202039f0405ff", .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
        ("83019f0203ff820405", .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
        ("9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", .array(one2five)),
        ("bf61610161629f0203ffff", .map([.init(.text("a"), .unsigned(1)), .init(.text("b"), .array([.unsigned(2), .unsigned(3)]))])),
        ("826161bf61626163ff", .array([.text("a"), .map([.init(.text("b"), .text("c"))])])),
        ("bf6346756ef563416d7421ff", .map([.init(.text("Fun"), .bool(true)), .init(.text("Amt"), .negative(1))])),
    ]

    @Test("every definite-length example of RFC 8949 Appendix A decodes, in the deterministic mode too")
    func definiteExamples() throws {
        for (encoded, expected) in Self.definite {
            #expect(try CBORDecoder.decode(hex(encoded)) == expected, "\(encoded)")
            #expect(try CBORDecoder.decode(hex(encoded), limits: .lenient) == expected, "\(encoded)")
        }
    }

    @Test("NaN examples decode to NaN")
    func nan() throws {
        for encoded in ["f97e00", "fa7fc00000", "fb7ff8000000000000"] {
            guard case .float(let value) = try CBORDecoder.decode(hex(encoded)) else { Issue.record(); continue }
            #expect(value.isNaN)
        }
        #expect(try CBORDecoder.decode(hex("f98000")) == .float(-0.0))
    }

    @Test("indefinite-length examples decode leniently and are refused for WebAuthn")
    func indefiniteExamples() throws {
        for (encoded, expected) in Self.indefinite {
            #expect(try CBORDecoder.decode(hex(encoded), limits: .lenient) == expected, "\(encoded)")
            #expect(throws: CryptoError.malformedCBOR) { try CBORDecoder.decode(hex(encoded)) }
        }
    }

    @Test("malformed, non-deterministic and over-limit input is refused with a typed error", arguments: [
        "",  // nothing
        "1a0000",  // integer cut short
        "1817",  // 23 in two bytes: not the shortest form
        "190017",  // likewise in three
        "a2010201 03",  // duplicate key 1
        "a203040102",  // keys out of order
        "a2616261016161 02",  // text keys out of order
        "5affffffff00",  // byte string longer than the input
        "9bffffffffffffffff",  // array count beyond the input
        "bbffffffffffffffff",  // map count beyond the input
        "62c328",  // invalid UTF-8
        "1c", "3d", "5e", "fc",  // reserved additional information
        "ff",  // break outside an indefinite item
        "f818",  // simple value under 32 in two bytes
        "0000",  // trailing bytes
        "7f4100ff",  // a byte chunk inside an indefinite text string (lenient)
        "a1",  // map cut short
    ])
    func refusals(_ encoded: String) throws {
        let bytes = hex(encoded.replacingOccurrences(of: " ", with: ""))
        #expect(throws: CryptoError.malformedCBOR) { try CBORDecoder.decode(bytes) }
    }

    @Test("nesting deeper than the limit is refused, at the limit it decodes")
    func depth() throws {
        let atLimit = [UInt8](repeating: 0x81, count: 15) + [0x00]
        #expect(throws: Never.self) { try CBORDecoder.decode(atLimit) }
        let tooDeep = [UInt8](repeating: 0x81, count: 16) + [0x00]
        #expect(throws: CryptoError.malformedCBOR) { try CBORDecoder.decode(tooDeep) }
        let tags = [UInt8](repeating: 0xC0, count: 100_000) + [0x00]
        #expect(throws: CryptoError.malformedCBOR) { try CBORDecoder.decode(tags) }
    }

    @Test("more items than the limit are refused without reserving their storage")
    func itemLimit() throws {
        var limits = CBORDecoder.Limits.webAuthn
        limits.maxItems = 10
        let eleven = [0x8A] + [UInt8](repeating: 0, count: 10)
        #expect(throws: CryptoError.malformedCBOR) { try CBORDecoder.decode(eleven, limits: limits) }
        limits.maxStringLength = 3
        #expect(throws: CryptoError.malformedCBOR) { try CBORDecoder.decode(hex("4401020304"), limits: limits) }
    }

    @Test("decodePrefix stops after one item and says where")
    func prefix() throws {
        let bytes = hex("a201020304ff")
        let (value, end) = try CBORDecoder.decodePrefix(bytes[...])
        #expect(value[1] == .unsigned(2))
        #expect(end == 5)
    }
}
