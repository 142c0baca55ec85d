/// A policy file or an assignment's rules that cannot be used, with every problem found, each naming its field
/// the way a 422 does (API.md "Errors"): `lines[N]` (N counted from 1) or `rules.hours.tz`.
public struct AuthorizationError: Error, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Policy lines (``PolicyReader``).
        case invalidPolicy
        /// An assignment's `rules` (``AssignmentRules``).
        case invalidRules
    }

    /// One field and what is wrong with it.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let field: String
        public let message: String

        public var description: String { "\(field): \(message)" }
    }

    public let kind: Kind
    /// In the order found, at least one.
    public let problems: [Problem]

    public static let invalidPolicy = AuthorizationError(kind: .invalidPolicy, problems: [])
    public static let invalidRules = AuthorizationError(kind: .invalidRules, problems: [])

    /// Equal on the kind only, so tests can `#expect(throws: AuthorizationError.invalidPolicy)`.
    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind }

    public var description: String {
        "AuthorizationError.\(kind): " + problems.map(\.description).joined(separator: "; ")
    }
}
