/// The one error type of the Store module (STYLE.md rule 15).
public struct StoreError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        case duplicate
        case notFound
        case sqlite(code: Int32)
    }
    let kind: Kind
    /// From `sqlite3_errmsg` or our own text; never bound values.
    let message: String

    public static let notFound = StoreError(kind: .notFound, message: "not found")
    static func duplicate(_ message: String) -> Self { .init(kind: .duplicate, message: message) }

    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind }
    public var description: String { "StoreError.\(kind): \(message)" }
}
