#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A JSON text written straight into bytes: the bodies that carry many rows (asset and branch lists), and the
/// small texts written on every login (audit details, event body, token claims, the answer), where `JSONEncoder`
/// took 5–9 % of a login's work beside the password hash.
///
/// Foundation's `JSONEncoder` builds a tree of boxed values and sorts every object's keys, which cost about
/// 60 % of a worker's time on a 50-asset page; writing the known fields in order costs a small fraction. The
/// output is what `Response.json` writes for the same values: keys in sorted order, no whitespace, `/` not
/// escaped, `"`, `\` and control characters escaped, other characters as UTF-8.
public struct JSONOutput {
    public private(set) var bytes: [UInt8] = []
    private var stampSeconds = Int64.min
    private var stamp: [UInt8] = []

    public init(capacity: Int = 1_024) {
        bytes.reserveCapacity(capacity)
    }

    /// Punctuation and keys written as they are: `{"id":` (a literal: its UTF-8 is copied as it is).
    public mutating func raw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Copy first, then look for characters to escape in what was copied: one memcpy for the usual string.
        let start = bytes.count
        bytes.append(contentsOf: value.utf8)
        if Self.hasEscapes(bytes, from: start) {
            bytes.removeSubrange(start...)
            for byte in value.utf8 {
                if Self.needsEscape(byte) { escape(byte) } else { bytes.append(byte) }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hasEscapes(_ bytes: [UInt8], from start: Int) -> Bool {
        let span = bytes.span
        for index in start..<span.count where needsEscape(span[index]) { return true }
        return false
    }

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5C
    }

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    public mutating func integer(_ value: Int64) {
        // A small String: no allocation for up to 15 digits.
        bytes.append(contentsOf: String(value).utf8)
    }

    /// An RFC 3339 UTC timestamp string of whole seconds (`"2026-11-22T16:30:05Z"`). The last one written is
    /// kept, since a row's `updated_at` is often its `created_at`.
    public mutating func timestamp(_ date: Date) {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        if seconds != stampSeconds {
            let p = RFC3339.parts(date)
            guard p.year >= 0, p.year < 10_000 else { return string(RFC3339.string(date)) }
            stampSeconds = seconds
            stamp.removeAll(keepingCapacity: true)
            stamp.append(addingCapacity: 22) { out in
                func two(_ value: Int64) {
                    out.append(UInt8(ascii: "0") + UInt8(value / 10))
                    out.append(UInt8(ascii: "0") + UInt8(value % 10))
                }
                out.append(UInt8(ascii: "\""))
                two(p.year / 100)
                two(p.year % 100)
                out.append(UInt8(ascii: "-"))
                two(p.month)
                out.append(UInt8(ascii: "-"))
                two(p.day)
                out.append(UInt8(ascii: "T"))
                two(p.hour)
                out.append(UInt8(ascii: ":"))
                two(p.minute)
                out.append(UInt8(ascii: ":"))
                two(p.second)
                out.append(UInt8(ascii: "Z"))
                out.append(UInt8(ascii: "\""))
            }
        }
        bytes.append(contentsOf: stamp)
    }

    /// A ``JSONValue`` as `Response.json` encodes it: object keys in sorted order (by their UTF-8 bytes), whole
    /// numbers below 2^53 as integers, other finite numbers in Swift's shortest form (`1e-07`), and `null`
    /// for a number that is not finite (JSON has none).
    public mutating func value(_ value: JSONValue) {
        switch value {
        case .null: raw("null")
        case .bool(let flag): flag ? raw("true") : raw("false")
        case .number(let number):
            if number == number.rounded(), abs(number) < 9_007_199_254_740_992 {
                integer(Int64(number))
            } else if number.isFinite {
                // `JSONEncoder`'s form: Swift's shortest description without a trailing ".0" (1e+21, 1e-07).
                let text = number.description
                bytes.append(contentsOf: (text.hasSuffix(".0") ? text.dropLast(2) : text[...]).utf8)
            } else {
                raw("null")
            }
        case .string(let text): string(text)
        case .array(let items): array(items, write: { out, item in out.value(item) })
        case .object(let members): object(members, write: { out, member in out.value(member) })
        }
    }

    /// An array of strings.
    public mutating func strings(_ values: [String]) {
        array(values, write: { out, value in out.string(value) })
    }

    private mutating func array<Item>(_ items: [Item], write: (inout JSONOutput, Item) -> Void) {
        raw("[")
        for (index, item) in items.enumerated() {
            if index > 0 { raw(",") }
            write(&self, item)
        }
        raw("]")
    }

    /// An object of string members, keys in sorted order.
    public mutating func object(_ members: [String: String]) {
        object(members, write: { out, member in out.string(member) })
    }

    private mutating func object<Member>(_ members: [String: Member], write: (inout JSONOutput, Member) -> Void) {
        raw("{")
        var first = true
        for (key, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            if !first { raw(",") }
            first = false
            string(key)
            raw(":")
            write(&self, member)
        }
        raw("}")
    }

    /// The bytes written so far as a `String`.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func escape(_ byte: UInt8) {
        switch byte {
        case 0x22: raw("\\\"")
        case 0x5C: raw("\\\\")
        case 0x0A: raw("\\n")
        case 0x0D: raw("\\r")
        case 0x09: raw("\\t")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            raw("\\u00")
            bytes.append(hex[Int(byte >> 4)])
            bytes.append(hex[Int(byte & 0x0F)])
        }
    }
}
