#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost
import Store

/// Role names: 1 to 64 lowercase ASCII letters, digits, `-` and `_`.
public enum RoleName {
    public static let rule = "must be 1 to 64 lowercase letters, digits, - or _"

    public static func isValid(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy {
                (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F
            }
    }
}

extension Response {
    /// A JSON body that no cache may keep: management answers carry account data.
    static func noStoreJSON<T: Encodable>(_ value: T, status: Int = 200) throws -> Response {
        var response = try Response.json(value, status: status)
        response.headers.set("Cache-Control", "no-store")
        return response
    }
}

/// Field checks shared by the management routes and the import commands.
public enum FieldRules {
    /// Names: trimmed, 1 to 200 characters.
    public static func name(_ raw: String) -> (value: String, problem: String?) {
        let name = raw.trimmingWhitespace()
        return (name, name.isEmpty || name.count > 200 ? "must be 1 to 200 characters" : nil)
    }

    /// Zone and department names: trimmed, 1 to 128 characters, no control characters and no `/` (they are
    /// path segments of `/permissions/context/{zone}/{department}`).
    public static func scope(_ raw: String) -> (value: String, problem: String?) {
        let value = raw.trimmingWhitespace()
        let bad = value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0 == "/" }
        return (
            value,
            value.isEmpty || value.count > 128 || bad
                ? "must be 1 to 128 characters, without / or control characters" : nil
        )
    }
}

extension Permissions {
    /// The field message for a permission ``isValid(_:)`` refuses.
    public static let rule = "must be two segments joined by ':', each of letters, digits, _, -, . or *"
}

/// No one hands out more than they hold: granting a role (to a user, in an assignment) or a permission (to a
/// role) needs every permission it grants, and taking over or removing an account (its email, password,
/// activation, roles, or the account itself) needs every permission that account has. Holders of `*:*` pass
/// every check; without it, `users:write` would otherwise be a way to become an administrator.
struct Escalation {
    let authorizer: Authorizer

    /// 403 unless the caller holds every permission `roles` give in `domain` (global roles: `*`), as the
    /// Authorizer computes them (inherited roles and policy lines included).
    func requireCanGrant(roles: [String], in domain: String = PolicyLine.anyDomain, principal: Principal) throws {
        guard !roles.isEmpty else { return }
        try requireCanGrant(
            permissions: try authorizer.grants(ofRoles: roles, in: domain).permissions, principal: principal
        ) {
            "Granting the role\(roles.count == 1 ? "" : "s") \(roles.sorted().joined(separator: ", "))"
        }
    }

    /// 403 unless the caller may hand out `role` in `zone`: it holds every permission the role gives, and, when
    /// it works in a zone itself, `zone` is that zone (API.md "Assignments"). Creating, changing and removing an
    /// assignment all ask this, of the assignment before and after the change.
    func requireCanAssign(role: String, zone: String, department: String, principal: Principal) throws {
        if let own = principal.zone, own != zone {
            throw HTTPError.forbidden(
                "You manage assignments in your own zone (\(own)) only, and this one is in \(zone).")
        }
        try requireCanGrant(roles: [role], in: Authorizer.domain(zone: zone, department: department), principal: principal)
    }

    /// 403 unless the caller holds every one of `permissions`.
    func requireCanGrant(permissions: [String], principal: Principal, what: () -> String = { "Granting these" }) throws
    {
        let missing = Set(permissions.filter { !principal.has($0) }).sorted()
        guard missing.isEmpty else {
            throw HTTPError.forbidden(
                "\(what()) needs the permissions granted, and you do not hold \(missing.joined(separator: ", ")).")
        }
    }

    /// 403 unless the caller holds every permission the user has, globally or in any of its active assignments'
    /// domains (policy lines included).
    func requireCovers(user: User, principal: Principal) throws {
        let everything = try authorizer.everything(try authorizer.subject(user: user))
        let missing = everything.filter { !principal.has($0) }
        guard missing.isEmpty else {
            throw HTTPError.forbidden(
                "This account holds permissions you do not (\(missing.joined(separator: ", "))), so you cannot change "
                    + "its email, password, activation or roles, or delete it.")
        }
    }
}
