/// Every event type API.md lists ("Events and webhooks").
public enum EventType: String, Sendable, CaseIterable {
    case userCreated = "user.created"
    case userUpdated = "user.updated"
    case userDeleted = "user.deleted"
    case userDeactivated = "user.deactivated"
    case sessionCreated = "session.created"
    case sessionRevoked = "session.revoked"
    case loginFailed = "login.failed"
    case lockoutStarted = "lockout.started"
    case passwordChanged = "password.changed"
    case passwordReset = "password.reset"
    case mfaEnabled = "mfa.enabled"
    case mfaDisabled = "mfa.disabled"
    case roleChanged = "role.changed"
    case assignmentChanged = "assignment.changed"
    case policyChanged = "policy.changed"
    case clientCreated = "client.created"
    case clientUpdated = "client.updated"
    case clientDeleted = "client.deleted"
    case clientKeyRotated = "client.key_rotated"
    case clientKeyRevoked = "client.key_revoked"
    case webhookDeactivated = "webhook.deactivated"

    /// The part before the dot (`user` of `user.created`).
    public var prefix: Substring { rawValue.split(separator: ".")[0] }

    /// Whether `pattern` is a valid subscription filter: an exact type, `prefix.*` of a known prefix, or `*`.
    public static func isValidFilter(_ pattern: String) -> Bool {
        if pattern == "*" || EventType(rawValue: pattern) != nil { return true }
        guard pattern.hasSuffix(".*") else { return false }
        let prefix = pattern.dropLast(2)
        return allCases.contains { $0.prefix == prefix }
    }
}
