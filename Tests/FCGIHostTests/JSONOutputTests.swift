#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
import FCGIHost

/// ``JSONOutput`` writes audit details and event bodies in place of `JSONEncoder`: its text must be the one
/// `JSONEncoder` (sorted keys, slashes unescaped) writes for the same value, byte for byte.
@Suite struct JSONOutputTests {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func written(_ value: JSONValue) -> String {
        var out = JSONOutput()
        out.value(value)
        return out.text
    }

    /// Strings that take every escaping branch: quotes, backslashes, each control character, DEL, slashes,
    /// multi-byte characters, U+2028, a combining mark, an emoji.
    static let strings: [String] = [
        "", "plain", "a\"b", "back\\slash", "a/b", "\u{7F}", "é", "o\u{301}", "\u{2028}\u{2029}", "😀 ok",
    ] + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) + "x" }

    @Test("fixed values are written as JSONEncoder writes them")
    func fixedValues() throws {
        let values: [JSONValue] = [
            .null, .bool(true), .bool(false), .number(0), .number(-0.0), .number(42), .number(-7), .number(1.5),
            .number(0.1), .number(1e-7), .number(1e21), .number(123_456_789.25), .number(9_007_199_254_740_991),
            .number(9_007_199_254_740_992), .number(-1e300), .array([]), .object([:]),
            .object(["B": .number(1), "a": .number(2), "a10": .number(3), "a9": .number(4), "_x": .null, "é": .bool(true), "Z": .array([])]),
        ] + Self.strings.map(JSONValue.string) + [.object(Dictionary(uniqueKeysWithValues: Self.strings.map { ($0, .string($0)) }))]
        for value in values {
            let expected = String(decoding: try Self.encoder().encode(value), as: UTF8.self)
            #expect(Self.written(value) == expected, "\(value)")
        }
    }

    @Test("random nested values are written as JSONEncoder writes them")
    func randomValues() throws {
        var generator = SplitMix(seed: 2026_12_04)
        for _ in 0..<2_000 {
            let value = Self.random(depth: 0, &generator)
            let expected = String(decoding: try Self.encoder().encode(value), as: UTF8.self)
            #expect(Self.written(value) == expected)
        }
    }

    @Test("an object of strings is written as JSONEncoder writes the dictionary")
    func stringObject() throws {
        let members = Dictionary(uniqueKeysWithValues: Self.strings.enumerated().map { ("k\($0.offset)\($0.element)", $0.element) })
        var out = JSONOutput()
        out.object(members)
        #expect(out.text == String(decoding: try Self.encoder().encode(members), as: UTF8.self))
    }

    @Test("a number that is not finite is written as null, which keeps the text JSON")
    func notFinite() {
        #expect(Self.written(.array([.number(.infinity), .number(-.infinity), .number(.nan)])) == "[null,null,null]")
    }

    static func random(depth: Int, _ generator: inout SplitMix) -> JSONValue {
        switch generator.next() % (depth > 3 ? 4 : 6) {
        case 0: return generator.next() % 5 == 0 ? .null : .bool(generator.next() % 2 == 0)
        case 1:
            let bits = generator.next()
            switch bits % 3 {
            case 0: return .number(Double(Int64(bitPattern: bits) >> Int64(bits % 60)))
            case 1: return .number(Double(bitPattern: bits >> 2 | 0x3000_0000_0000_0000) * (bits & 2 == 0 ? 1 : -1))
            default: return .number(Double(bits % 100_000) / 100)
            }
        case 2, 3: return .string(randomString(&generator))
        case 4:
            return .array((0..<Int(generator.next() % 5)).map { _ in random(depth: depth + 1, &generator) })
        default:
            var members: [String: JSONValue] = [:]
            for _ in 0..<Int(generator.next() % 6) { members[randomString(&generator)] = random(depth: depth + 1, &generator) }
            return .object(members)
        }
    }

    static func randomString(_ generator: inout SplitMix) -> String {
        let pieces = ["a", "B", "z", "0", "9", "_", "/", "\"", "\\", "\n", "\u{1}", "\u{1F}", "\u{7F}", "é", "ß", "\u{2028}", "😀", " "]
        return (0..<Int(generator.next() % 8)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
    }
}

/// A small seeded generator (SplitMix64), so a failure repeats.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
