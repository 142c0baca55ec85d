#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One result row, copied out of SQLite: column names and values.
public struct Row: Sendable, Equatable {
    public let columns: [String]
    public let values: [Value]

    /// The value of the named column, or `.null` when the row has no such column.
    public subscript(_ column: String) -> Value {
        guard let index = columns.firstIndex(of: column) else { return .null }
        return values[index]
    }

    /// The named column decoded as `T`.
    ///
    ///     let email: String = try row.get("email")
    /// - Throws: ``StoreError`` when the column is missing or holds another type.
    public func get<T: ColumnDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.firstIndex(of: column) else {
            throw StoreError.typeMismatch("no column \(column)")
        }
        guard let value = T(column: values[index]) else {
            throw StoreError.typeMismatch("column \(column) is not \(T.self)")
        }
        return value
    }
}

/// A Swift type a column value decodes into.
public protocol ColumnDecodable {
    /// Nil when the value has another type.
    init?(column value: Value)
}

extension Value: ColumnDecodable {
    public init?(column value: Value) { self = value }
}
extension String: ColumnDecodable {
    public init?(column value: Value) {
        guard case .text(let text) = value else { return nil }
        self = text
    }
}
extension Int64: ColumnDecodable {
    public init?(column value: Value) {
        guard case .integer(let number) = value else { return nil }
        self = number
    }
}
extension Int: ColumnDecodable {
    public init?(column value: Value) {
        guard case .integer(let number) = value else { return nil }
        self = Int(number)
    }
}
extension Double: ColumnDecodable {
    public init?(column value: Value) {
        switch value {
        case .real(let number): self = number
        case .integer(let number): self = Double(number)
        default: return nil
        }
    }
}
extension Bool: ColumnDecodable {
    public init?(column value: Value) {
        guard case .integer(let number) = value else { return nil }
        self = number != 0
    }
}
extension [UInt8]: ColumnDecodable {
    public init?(column value: Value) {
        guard case .blob(let bytes) = value else { return nil }
        self = bytes
    }
}
/// Dates are stored as Unix seconds, whole (INTEGER) or fractional (REAL).
extension Date: ColumnDecodable {
    public init?(column value: Value) {
        switch value {
        case .integer(let seconds): self = Date(timeIntervalSince1970: TimeInterval(seconds))
        case .real(let seconds): self = Date(timeIntervalSince1970: seconds)
        default: return nil
        }
    }
}
/// A NULL column decodes as nil; any other value must decode as `Wrapped`.
extension Optional: ColumnDecodable where Wrapped: ColumnDecodable {
    public init?(column value: Value) {
        if case .null = value {
            self = .none
            return
        }
        guard let wrapped = Wrapped(column: value) else { return nil }
        self = .some(wrapped)
    }
}
