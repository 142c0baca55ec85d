/// A named piece of work whose writes commit together or not at all.
///
/// Handlers group repository calls under one of these names; the Store decides how the group is made atomic
/// (a write transaction: `BEGIN IMMEDIATE` on SQLite; on PostgreSQL `BEGIN` and the writers' advisory lock).
/// Handlers never see a connection or a transaction, and every atomic group in the product is listed here.
///
///     let user = try db.perform(.createUser) {
///         let user = try users.insert(email: email, name: name, passwordHash: hash, now: now)
///         try roles.setRoles(roles, forUser: user.id)
///         return user
///     }
public enum UnitOfWork: String, Sendable, CaseIterable {
    /// A session row, its first refresh token, the cleared lockout and the audit row of a login.
    case startSession
    /// A login whose password was right but needs a second factor: its cleared lockout, the new `mfa_token`, the
    /// rehashed password.
    case startSecondStep
    /// A second factor turned off or its recovery codes replaced, with the code that proved it used up.
    case changeSecondFactor
    /// A session's new context and its rotated refresh chain.
    case switchContext
    /// A consumed reset token, the new password hash, revoked sessions and the cleared lockout.
    case resetPassword
    /// A supervisor taking up one password-reset request: the request row, the reset token, the mail, the audit row.
    case mailPasswordReset
    case createUser
    /// Every second factor of a user removed (an administrator's reset): TOTP, recovery codes, outstanding
    /// second steps, the OTP lockout.
    case resetSecondFactors
    /// A client's end user found or created on its first SDK session, with the roles the client gave it.
    case saveEndUser
    case updateUser
    /// A role's description and permissions, created or replaced.
    case saveRole
    /// The policy lines replaced, read and checked against the caller in the same unit.
    case replacePolicies
    case createBranch, updateBranch, deleteBranch
    case createAsset, updateAsset, deleteAsset
    case saveSetting
    /// A failed password login: the lockout counter and the `login.failed` (and `lockout.started`) events.
    case recordLoginFailure
    /// Sessions revoked (logout, an account's session list) with their `session.revoked` event.
    case revokeSessions
    case deleteUser, changePassword
    case saveAssignment, deleteRole
    case saveClient, deleteClient, rotateClientKey, revokeClientKey
    /// The command-line imports and the first administrator.
    case importUsers, importRoles, importPolicies, createAdmin
}

extension Database {
    /// Runs `body` as `work`: the repository calls inside it commit together, or none does when it throws
    /// (the error is rethrown). Inside another unit, `body` joins it as a savepoint.
    public func perform<T>(_ work: UnitOfWork, _ body: () throws -> T) throws -> T {
        try transaction(body)
    }

    /// Runs `body` so that every read inside it sees one snapshot of the database (the dashboard's several
    /// counts agree with each other). Writes inside it are refused.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try readOnly(body)
    }
}
