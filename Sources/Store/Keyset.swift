#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Which zones a business query covers: one zone (a caller working in a zone, or one named with `?zone=`), or
/// every zone (a caller without a zone who named none).
public enum ZoneScope: Sendable, Hashable {
    case all
    case only(String)

    /// The zone, or nil for every zone.
    public var zone: String? {
        if case .only(let zone) = self { return zone }
        return nil
    }
}

/// A column a business list may be sorted by. Its ``name`` is both what clients write in `sort=` and the
/// column's name in SQL: it comes from a closed enum, never from the request.
public protocol SortColumn: CaseIterable, Sendable, Hashable {
    var name: String { get }
    /// Integer columns bind and encode their cursor key as integers, text columns as text.
    var isInteger: Bool { get }
}

/// The order of a business list: one column, ascending or descending, then `id` in the same direction, so the
/// order is total and a keyset cursor names one position in it.
public struct ListOrder<Column: SortColumn>: Sendable, Hashable {
    public let column: Column
    public let descending: Bool

    public init(_ column: Column, descending: Bool = false) {
        self.column = column
        self.descending = descending
    }

    /// Parses `name` (ascending) or `-name` (descending); nil for a column the list cannot sort by.
    public init?(parsing text: String) {
        let descending = text.hasPrefix("-")
        let name = descending ? String(text.dropFirst()) : text
        guard let column = Column.allCases.first(where: { $0.name == name }) else { return nil }
        self.init(column, descending: descending)
    }

    /// The `sort=` value of this order.
    public var text: String { (descending ? "-" : "") + column.name }

    /// `ORDER BY column, id` in this order's direction; both names are literals of the column enum.
    var orderBy: String {
        let direction = descending ? "DESC" : "ASC"
        return "ORDER BY \(column.name) \(direction), id \(direction)"
    }

    /// The keyset condition of the rows after the cursor's position: a row-value range, so SQLite walks the
    /// sort index from that position (`SEARCH … USING INDEX … ((column,id)>(?,?))`).
    var after: String { "(\(column.name), id) \(descending ? "<" : ">") (?, ?)" }
}

/// The opaque cursor of a keyset-paged business list: the order it belongs to, and the id and sort key of the
/// last row of a page, as base64url of `order LF id LF kind key` (kind `i` for an integer key, `s` for text; the
/// key comes last, so it may hold any character). A cursor of another order is refused, since its key means
/// nothing in this one.
struct KeysetCursor: Equatable {
    let order: String
    let key: Value
    let id: String

    /// The cursor after `row`, whose sort column is `order.column`.
    init<Column>(after row: Row, order: ListOrder<Column>) throws {
        self.order = order.text
        key = row[order.column.name]
        id = try row.get("id")
    }

    init(order: String, key: Value, id: String) {
        self.order = order
        self.key = key
        self.id = id
    }

    var encoded: String {
        var text = order + "\n" + id + "\n"
        switch key {
        case .integer(let value): text += "i" + String(value)
        case .text(let value): text += "s" + value
        default: text += "s"
        }
        let base64 = Data(text.utf8).base64EncodedData()
        return String(
            decoding: base64.compactMap { $0 == 0x2B ? 0x2D : $0 == 0x2F ? 0x5F : $0 == 0x3D ? nil : $0 },
            as: UTF8.self)
    }

    /// Decodes a cursor this code made for `order`.
    /// - Throws: ``StoreError/invalidCursor`` for anything else, a cursor of another order included.
    static func decode<Column>(_ text: String, order: ListOrder<Column>) throws -> KeysetCursor {
        guard text.utf8.count <= 2_048 else { throw StoreError.invalidCursor }
        var base64 = text.utf8.map { $0 == 0x2D ? 0x2B : $0 == 0x5F ? 0x2F : $0 }
        base64 += repeatElement(0x3D, count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: Data(base64)) else { throw StoreError.invalidCursor }
        let parts = String(decoding: data, as: UTF8.self).split(
            separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == order.text, !parts[1].isEmpty, let kind = parts[2].first else {
            throw StoreError.invalidCursor
        }
        let key = parts[2].dropFirst()
        switch (kind, order.column.isInteger) {
        case ("i", true):
            guard let value = Int64(key) else { throw StoreError.invalidCursor }
            return KeysetCursor(order: order.text, key: .integer(value), id: String(parts[1]))
        case ("s", false):
            return KeysetCursor(order: order.text, key: .text(String(key)), id: String(parts[1]))
        default:
            throw StoreError.invalidCursor
        }
    }
}

/// A `SELECT` over one table assembled from literal condition fragments (each with `?` placeholders) and their
/// bound values: the only text that varies is which literals are present, never a value from the request.
struct ListStatement {
    private(set) var conditions: [String] = []
    private(set) var bindings: [any Bindable] = []

    /// Adds `condition` (a literal) with the values of its placeholders, in order.
    mutating func require(_ condition: String, _ values: any Bindable...) {
        conditions.append(condition)
        bindings += values
    }

    /// The statement and its bindings: `columns` (a literal) of the rows of `table` that meet every condition, in
    /// `order`, at most `limit` of them.
    func select<Column>(
        _ columns: String = "*", from table: String, order: ListOrder<Column>, limit: Int
    ) -> (sql: String, bindings: [any Bindable]) {
        var sql = "SELECT \(columns) FROM \(table)"
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " \(order.orderBy) LIMIT ?"
        return (sql, bindings + [limit])
    }
}

/// Runs a keyset-paged list: one row more than `limit` tells whether a next page exists. `columns` must include
/// `id` and the sort column, which make the cursor.
func keysetPage<Column, Item>(
    _ db: Database, _ statement: ListStatement, columns: String = "*", table: String, order: ListOrder<Column>,
    limit: Int, cursor: String?, decode: (ArraySlice<Row>) throws -> [Item]
) throws -> Page<Item> {
    var statement = statement
    if let cursor {
        let position = try KeysetCursor.decode(cursor, order: order)
        statement.require(order.after, position.key, position.id)
    }
    let limit = max(1, min(limit, 1_000))
    let (sql, bindings) = statement.select(columns, from: table, order: order, limit: limit + 1)
    let rows = try db.query(sql, bindings: bindings)
    let items = try decode(rows.prefix(limit))
    guard rows.count > limit else { return Page(items: items, nextCursor: nil) }
    return Page(items: items, nextCursor: try KeysetCursor(after: rows[limit - 1], order: order).encoded)
}
