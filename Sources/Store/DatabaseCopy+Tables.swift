extension DatabaseCopy {
    /// Every table `db copy` writes, parents before the tables whose foreign keys name them: a child row goes in
    /// only once its parent is there (both backends check foreign keys during the copy).
    ///
    /// A migration that adds a table adds it here too. Until it does, every copy is refused: ``checkCovers(_:in:)``
    /// compares this list with the tables the database reports, so a new table cannot be skipped silently.
    static let tables: [String] = [
        // 2026-12-04 (first: users.tenant refers to it)
        "clients",
        // 2025-11-22
        "users",  // → clients
        "roles",
        "role_permissions",  // → roles
        "user_roles",  // → users, roles
        "sessions",  // → users
        "revocation_epoch",
        "refresh_tokens",  // → sessions
        "lockouts",
        "rate_limits",
        "password_resets",  // → users
        "outbox",
        "audit_log",
        "assignments",  // → users, roles
        "mfa_totp",  // → users
        "recovery_codes",  // → users
        // 2025-11-23
        "branches",
        "assets",  // → branches (id, zone)
        "asset_counts",
        "settings",
        "activity",
        // 2026-12-03
        "password_reset_requests",
        "policies",
        "authz_epoch",
        // 2026-12-04
        "api_keys",  // → clients
        "client_epoch",
        // 2026-12-05
        "mfa_challenges",  // → users
        "webauthn_credentials",  // → users
        "webauthn_challenges",  // → users
        "events",
        "webhook_subscriptions",
        "webhook_filters",  // → webhook_subscriptions
        "webhook_deliveries",  // → webhook_subscriptions, events
        "webhook_attempts",  // → webhook_deliveries
    ]

    /// Tables whose rows the migrations insert themselves (one counter row each): the migrated target already
    /// holds them, so the copy replaces them with the source's rather than counting them as the target's data.
    static let seededTables: Set<String> = ["revocation_epoch", "authz_epoch", "client_epoch"]

    /// Bookkeeping written by migrating the target, never copied.
    static let bookkeepingTables: Set<String> = ["schema_migrations"]

    /// Throws unless `names`, the tables a database reports, are exactly ``tables`` and the bookkeeping.
    /// - Parameter side: "source" or "target", for the message.
    static func checkCovers(_ names: [String], in side: String) throws(StoreError) {
        let present = Set(names).subtracting(bookkeepingTables)
        let unlisted = present.subtracting(tables).sorted()
        let missing = Set(tables).subtracting(present).sorted()
        var problems: [String] = []
        if !unlisted.isEmpty {
            problems.append("holds tables this release does not copy (\(unlisted.joined(separator: ", ")))")
        }
        if !missing.isEmpty {
            problems.append("lacks tables this release copies (\(missing.joined(separator: ", ")))")
        }
        guard problems.isEmpty else {
            throw .copyRefused("the \(side) database " + problems.joined(separator: " and "))
        }
    }
}
