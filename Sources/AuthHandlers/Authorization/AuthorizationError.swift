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
        /// `lines[N]`, `rules.hours.tz`, …: the 422's `errors[].field`.
        public let field: String
        /// What is wrong, as a phrase that follows the field: "the domain is empty".
        public let message: String

        public var description: String { "\(field): \(message)" }
    }

    /// What was being read.
    public let kind: Kind
    /// In the order found, at least one.
    public let problems: [Problem]

    /// Any error of kind ``Kind/invalidPolicy``, to match in tests.
    public static let invalidPolicy = AuthorizationError(kind: .invalidPolicy, problems: [])
    /// Any error of kind ``Kind/invalidRules``, to match in tests.
    public static let invalidRules = AuthorizationError(kind: .invalidRules, problems: [])

    /// Equal on the kind only, so tests can `#expect(throws: AuthorizationError.invalidPolicy)`.
    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind }

    public var description: String {
        "AuthorizationError.\(kind): " + problems.map(\.description).joined(separator: "; ")
    }
}
