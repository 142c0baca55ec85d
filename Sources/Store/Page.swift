#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One page of a keyset-paged list, and the cursor of the next page (nil on the last page).
public struct Page<Item: Sendable>: Sendable {
    public let items: [Item]
    /// Opaque: pass it back unchanged to get the next page.
    public let nextCursor: String?
}

extension Page: Equatable where Item: Equatable {}

/// Keyset cursors: the sort key of the last row of a page, base64url-encoded so callers treat it as opaque.
enum Cursor {
    static func encode(_ parts: [String]) -> String {
        let base64 = Data(parts.joined(separator: "|").utf8).base64EncodedString()
        return String(base64.compactMap { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 == "=" ? nil : $0 })
    }

    /// The parts of a cursor made by ``encode(_:)``.
    /// - Throws: ``StoreError/invalidCursor`` for anything else.
    static func decode(_ cursor: String, parts count: Int) throws -> [String] {
        var base64 = String(cursor.map { $0 == "-" ? "+" : $0 == "_" ? "/" : $0 })
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { throw StoreError.invalidCursor }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == count else { throw StoreError.invalidCursor }
        return parts.map(String.init)
    }

    /// The number of rows to ask for: at least 1, at most 1000.
    static func clamp(_ limit: Int) -> Int { max(1, min(limit, 1_000)) }
}

/// A new row id: a lowercase hyphenated UUID.
func newID() -> String {
    UUID().uuidString.lowercased()
}
