#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One SQLite value: what a column holds and what a `?` binds.
public enum Value: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    /// UTF-8 text; NUL characters inside it survive the round trip.
    case text(String)
    case blob([UInt8])
}

extension Value: ExpressibleByNilLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByBooleanLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(booleanLiteral value: Bool) { self = .integer(value ? 1 : 0) }
}

/// A Swift value that binds to a `?` parameter.
///
/// `db.execute("UPDATE users SET name = ? WHERE id = ?", name, id)` binds through this protocol.
public protocol Bindable {
    /// The SQLite value this binds as.
    var bindingValue: Value { get }
}

extension Value: Bindable {
    public var bindingValue: Value { self }
}
extension String: Bindable {
    public var bindingValue: Value { .text(self) }
}
extension Int: Bindable {
    public var bindingValue: Value { .integer(Int64(self)) }
}
extension Int64: Bindable {
    public var bindingValue: Value { .integer(self) }
}
extension Double: Bindable {
    public var bindingValue: Value { .real(self) }
}
extension Bool: Bindable {
    public var bindingValue: Value { .integer(self ? 1 : 0) }
}
extension [UInt8]: Bindable {
    public var bindingValue: Value { .blob(self) }
}
/// Dates bind as whole Unix seconds, the Store's time format (sub-second columns bind a `Double`).
extension Date: Bindable {
    public var bindingValue: Value { .integer(unixSeconds(self)) }
}
extension Optional: Bindable where Wrapped: Bindable {
    public var bindingValue: Value { self?.bindingValue ?? .null }
}

/// Whole Unix seconds, rounded down, as the Store keeps times.
func unixSeconds(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970).rounded(.down))
}
