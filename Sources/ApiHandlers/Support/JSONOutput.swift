#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost

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
