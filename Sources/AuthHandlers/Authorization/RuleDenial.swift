/// Why an assignment's business rules refuse a request: the rule, for `rule_denied`'s `detail` (API.md
/// "Assignments").
public struct RuleDenial: Sendable, Equatable, CustomStringConvertible {
    /// The member of `rules` that refused.
    public enum Rule: String, Sendable {
        case hours, cidrs, devices
    }

    /// The rule that refused.
    public let rule: Rule
    /// A sentence for the problem's `detail`, naming the rule and never the caller's address or device id.
    public let detail: String

    public var description: String { "\(rule.rawValue): \(detail)" }
}
