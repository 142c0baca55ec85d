#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost
import Store

/// A user as API.md's bodies show it: `{id, email, name, roles, is_active, profile, created_at, updated_at}`.
struct UserBody: Encodable {
    let id: String
    let email: String
    let name: String
    let roles: [String]
    let isActive: Bool
    let profile: JSONValue
    let createdAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case id, email, name, roles, profile
        case isActive = "is_active", createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ user: User, roles: [String]) {
        id = user.id
        email = EndUser.email(of: user)
        name = user.name
        self.roles = roles
        isActive = user.isActive
        profile = JSONText.decode(user.profile)
        createdAt = RFC3339.string(user.createdAt)
        updatedAt = RFC3339.string(user.updatedAt)
    }
}

/// An assignment as API.md shows it: `{id, zone, department, role, primary, active, rules}`.
struct AssignmentBody: Encodable {
    let id: String
    let zone: String
    let department: String
    let role: String
    let primary: Bool
    let active: Bool
    let rules: JSONValue

    init(_ assignment: Assignment) {
        id = assignment.id
        zone = assignment.zone
        department = assignment.department
        role = assignment.role
        primary = assignment.isPrimary
        active = assignment.active
        rules = JSONText.decode(assignment.rules)
    }
}
