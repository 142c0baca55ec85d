#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost

/// A JSON text written straight into bytes, for the bodies that carry many rows (asset and branch lists).
///
/// Foundation's `JSONEncoder` builds a tree of boxed values and sorts every object's keys, which cost about
/// 60 % of a worker's time on a 50-asset page; writing the known fields in order costs a small fraction. The
/// output is what `Response.json` writes for the same values: keys in sorted order, no whitespace, `/` not
/// escaped, `"`, `\` and control characters escaped, other characters as UTF-8.
struct JSONOutput {
    private(set) var bytes: [UInt8] = []
    private var stampSeconds = Int64.min
    private var stamp: [UInt8] = []

    init(capacity: Int = 1_024) {
        bytes.reserveCapacity(capacity)
    }

    /// Punctuation and keys written as they are: `{"id":`.
    mutating func raw(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
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

    mutating func string(_ value: String?) {
        if let value { string(value) } else { raw("null") }
    }

    mutating func integer(_ value: Int64) {
        // A small String: no allocation for up to 15 digits.
        bytes.append(contentsOf: String(value).utf8)
    }

    /// An RFC 3339 UTC timestamp string of whole seconds (`"2026-11-22T16:30:05Z"`). The last one written is
    /// kept, since a row's `updated_at` is often its `created_at`.
    mutating func timestamp(_ date: Date) {
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

/// A body written with ``JSONOutput``.
protocol JSONWritable {
    func write(to out: inout JSONOutput)
    /// About how many bytes the body takes.
    var capacity: Int { get }
}

extension JSONWritable {
    var capacity: Int { 1_024 }
}

/// `{"items": [...], "next_cursor": "…" | null}`, byte for byte what ``ListBody`` encodes, written straight from
/// the rows.
struct WrittenList<Row>: JSONWritable {
    let items: [Row]
    let nextCursor: String?
    let writeItem: (Row, inout JSONOutput) -> Void

    init(items: [Row], nextCursor: String?, writeItem: @escaping (Row, inout JSONOutput) -> Void) {
        self.items = items
        self.nextCursor = nextCursor
        self.writeItem = writeItem
    }

    func write(to out: inout JSONOutput) {
        out.raw("{\"items\":[")
        var first = true
        for item in items {
            if !first { out.raw(",") }
            first = false
            writeItem(item, &out)
        }
        out.raw("],\"next_cursor\":")
        out.string(nextCursor)
        out.raw("}")
    }

    /// A guess of the body's size, so the buffer grows once at most.
    var capacity: Int { 64 + items.count * 512 }
}

extension Response {
    /// A business JSON answer written with ``JSONOutput``; see ``business(_:status:version:)``.
    static func business(_ value: some JSONWritable, status: Int = 200, version: Int64? = nil) -> Response {
        var out = JSONOutput(capacity: value.capacity)
        value.write(to: &out)
        return business(json: out.bytes, status: status, version: version)
    }

    /// A business JSON answer of JSON already written.
    static func business(json: [UInt8], status: Int = 200, version: Int64? = nil) -> Response {
        var headers = Headers([("Content-Type", "application/json; charset=utf-8"), ("Cache-Control", "no-store")])
        if let version { headers.set("ETag", EntityTag.of(version: version)) }
        return Response(status: status, headers: headers, body: json)
    }
}
