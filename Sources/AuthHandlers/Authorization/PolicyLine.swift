/// One Casbin "RBAC with domains" line (API.md "Policies"): a permission `p, subject, domain, object, action`
/// or a grouping `g, subject, role, domain`.
///
/// ```swift
/// let line = PolicyLine.permission(subject: "admin", domain: "domain1", object: "data1", action: "read")
/// line.description  // "p, admin, domain1, data1, read"
/// ```
public enum PolicyLine: Sendable, Hashable, CustomStringConvertible {
    /// `p, subject, domain, object, action`: `subject` may do `action` on `object` in `domain`
    /// (``PolicyLine/anyDomain`` for every domain).
    case permission(subject: String, domain: String, object: String, action: String)
    /// `g, subject, role, domain`: inside `domain`, `subject` holds `role` and everything `role` holds
    /// (``PolicyLine/anyDomain`` for every domain).
    case grouping(subject: String, role: String, domain: String)

    /// The domain `*`, Gatehouse's one extension of the model: a line there applies in every domain.
    public static let anyDomain = "*"

    /// The implied line of an assignment: `g, <user>, <role>, <zone>/<department>`.
    public static func assignment(user: String, role: String, zone: String, department: String) -> PolicyLine {
        .grouping(subject: user, role: role, domain: "\(zone)/\(department)")
    }

    /// The implied line of a role the user holds globally: `g, <user>, <role>, *`.
    public static func globalRole(user: String, role: String) -> PolicyLine {
        .grouping(subject: user, role: role, domain: anyDomain)
    }

    /// The implied line of a role definition's permission `obj:act`: `p, <role>, *, obj, act`; nil when
    /// `permission` is not two segments.
    public static func rolePermission(role: String, permission: String) -> PolicyLine? {
        let parts = permission.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return .permission(subject: role, domain: anyDomain, object: String(parts[0]), action: String(parts[1]))
    }

    /// The line as Casbin writes it: fields joined by `", "`.
    public var description: String {
        switch self {
        case let .permission(subject, domain, object, action): "p, \(subject), \(domain), \(object), \(action)"
        case let .grouping(subject, role, domain): "g, \(subject), \(role), \(domain)"
        }
    }
}
