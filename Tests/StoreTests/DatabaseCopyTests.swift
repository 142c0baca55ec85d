import Foundation
import Testing

@testable import Store

@Suite struct DatabaseCopyTests {
    @Test("SQLite to SQLite copies every row of every table exactly, two rows per batch, and the copy works on")
    func copiesEveryRowExactly() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try fillEveryTable(source)
            let targetPath = sourcePath.replacing("gatehouse.db", with: "copy.db")
            let target = try Database(path: targetPath)
            var reported: [DatabaseCopy.CopiedTable] = []
            let copied = try DatabaseCopy(from: source, to: target, batchSize: 2).run { reported.append($0) }

            #expect(copied == reported)
            #expect(copied.map(\.name) == DatabaseCopy.tables)
            let original = try dump(source)
            for table in copied { #expect(table.rows == original[table.name]?.count, "\(table.name)") }
            #expect(try dump(target) == original)
            // Triggers are back, unchanged: they fire again on the copy.
            #expect(try triggers(target) == triggers(source))
            let epochs = try Policies(db: target).epochs()
            _ = try Roles(db: target).create(name: "auditor", permissions: ["read:audit"])
            #expect(try Policies(db: target).epochs().policies == epochs.policies + 2)
            // AUTOINCREMENT continues after the copied ids.
            let maxID: Int64 = try #require(try target.queryOne("SELECT max(id) AS id FROM audit_log")).get("id")
            #expect(try Audit(db: target).append(event: "after.copy", at: t0) > maxID)
        }
    }

    @Test("triggers that count or bump on INSERT leave copied values alone")
    func triggersDoNotFire() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try fillEveryTable(source)
            let target = try Database(path: sourcePath.replacing("gatehouse.db", with: "copy.db"))
            try DatabaseCopy(from: source, to: target).run()
            let counts = "SELECT branch_id, status, count, value_cents FROM asset_counts ORDER BY branch_id, status"
            #expect(try target.query(counts) == source.query(counts))
            let epochs = "SELECT policies, assignments FROM authz_epoch"
            #expect(try target.query(epochs) == source.query(epochs))
            #expect(try Sessions(db: target).revocationEpoch() == Sessions(db: source).revocationEpoch())
            let versions = "SELECT id, version FROM assets UNION ALL SELECT id, version FROM branches ORDER BY 1"
            #expect(try target.query(versions) == source.query(versions))
        }
    }

    @Test("a target that holds rows is refused before anything is written")
    func refusesNonEmptyTarget() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try fillEveryTable(source)
            let target = try Database(path: sourcePath.replacing("gatehouse.db", with: "copy.db"))
            try Migrations.run(on: target)
            _ = try makeUser(target, email: "already@example.com")
            let before = try dump(target)
            let error = refusal { try DatabaseCopy(from: source, to: target).run() }
            #expect(error == .copyRefused)
            #expect(error?.message.contains("users holds 1 row(s)") == true, "\(String(describing: error))")
            #expect(try dump(target) == before)
        }
    }

    @Test("a migrated target whose only rows are the counters its migrations insert is empty")
    func acceptsSeededTarget() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try fillEveryTable(source)
            let target = try Database(path: sourcePath.replacing("gatehouse.db", with: "copy.db"))
            try Migrations.run(on: target)
            try DatabaseCopy(from: source, to: target).run()
            #expect(try dump(target) == dump(source))
        }
    }

    @Test("a source or target migrated by a newer release is refused")
    func refusesUnknownMigrations() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            let targetPath = sourcePath.replacing("gatehouse.db", with: "copy.db")
            try source.execute("INSERT INTO schema_migrations (identifier) VALUES ('2099-01-01 from the future')")
            let target = try Database(path: targetPath)
            var error = refusal { try DatabaseCopy(from: source, to: target).run() }
            #expect(error == .copyRefused)
            #expect(error?.message.contains("2099-01-01 from the future") == true)
            #expect(try target.connection.tableNames().isEmpty)

            try source.execute("DELETE FROM schema_migrations WHERE identifier = '2099-01-01 from the future'")
            try Migrations.run(on: target)
            try target.execute("INSERT INTO schema_migrations (identifier) VALUES ('2099-01-02 also new')")
            error = refusal { try DatabaseCopy(from: source, to: target).run() }
            #expect(error == .copyRefused)
            #expect(error?.message.contains("target") == true)
        }
    }

    @Test("a source that lacks migrations of this release is refused")
    func refusesOutdatedSource() throws {
        try withTemporaryDirectory { directory in
            let source = try Database(path: directory + "/old.db")
            try source.execute("CREATE TABLE schema_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            let target = try Database(path: directory + "/copy.db")
            let error = refusal { try DatabaseCopy(from: source, to: target).run() }
            #expect(error == .copyRefused)
            #expect(error?.message.contains("gatehouse migrate") == true)
        }
    }

    @Test("a table the copy list does not name is refused, not skipped")
    func refusesUnlistedTable() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try source.execute("CREATE TABLE extra (id INTEGER PRIMARY KEY)")
            let target = try Database(path: sourcePath.replacing("gatehouse.db", with: "copy.db"))
            let error = refusal { try DatabaseCopy(from: source, to: target).run() }
            #expect(error == .copyRefused)
            #expect(error?.message.contains("does not copy (extra)") == true)
        }
    }

    @Test("the table list names every table, each after the tables its foreign keys name, each with a primary key")
    func tableListCoversTheSchema() throws {
        try withDatabase { db throws in
            try DatabaseCopy.checkCovers(try db.connection.tableNames(), in: "test")
            #expect(Set(DatabaseCopy.tables).count == DatabaseCopy.tables.count)
            for (position, table) in DatabaseCopy.tables.enumerated() {
                #expect(try !db.connection.primaryKey(of: table).isEmpty, "\(table)")
                let parents = try db.query("SELECT DISTINCT \"table\" AS parent FROM pragma_foreign_key_list(?)", table)
                for parent in try parents.map({ try $0.get("parent", as: String.self) }) {
                    let parentPosition = try #require(DatabaseCopy.tables.firstIndex(of: parent))
                    #expect(parentPosition < position, "\(table) is copied before its parent \(parent)")
                }
            }
            // The seeded tables are exactly those a freshly migrated database holds rows in.
            let filled = try DatabaseCopy.tables.filter { table in
                try db.queryOne("SELECT 1 AS one FROM \(quotedIdentifier(table)) LIMIT 1") != nil
            }
            #expect(Set(filled) == DatabaseCopy.seededTables)
            #expect(DatabaseCopy.bookkeepingTables.isSubset(of: Set(try db.connection.tableNames())))
        }
    }

    @Test("a table whose copy fails is rolled back with its triggers; the tables before it stay copied")
    func failedTableRollsBack() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try fillEveryTable(source)
            let target = try Database(path: sourcePath.replacing("gatehouse.db", with: "copy.db"))
            try Migrations.run(on: target)
            // Two of the source's sessions share a user agent; this index makes the second insert fail.
            try target.execute("CREATE UNIQUE INDEX sessions_one_agent ON sessions (user_agent)")
            let triggersBefore = try triggers(target)
            var error: StoreError?
            do { try DatabaseCopy(from: source, to: target).run() } catch let caught as StoreError { error = caught }
            #expect(error == .duplicate)
            let users = "SELECT * FROM users ORDER BY id"
            #expect(try target.query(users) == source.query(users))
            #expect(try target.query("SELECT id FROM sessions").isEmpty)
            #expect(try triggers(target) == triggersBefore)
        }
    }

    // MARK: PostgreSQL

    @Test(
        "SQLite to PostgreSQL and back leaves every row of every table as it was, and PostgreSQL works on",
        .enabled(if: postgresAdminURL != nil))
    func roundTripThroughPostgreSQL() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try fillEveryTable(source, nul: false)
            let original = try dump(source)
            try withEmptyDatabaseURL(.postgresql) { url in
                let postgres = try Database.open(url: url)
                let there = try DatabaseCopy(from: source, to: postgres, batchSize: 2).run()
                #expect(there.map(\.name) == DatabaseCopy.tables)
                #expect(try dump(postgres) == original)

                let back = try Database(path: sourcePath.replacing("gatehouse.db", with: "back.db"))
                let again = try DatabaseCopy(from: postgres, to: back, batchSize: 3).run()
                #expect(again == there)
                #expect(try dump(back) == original)
                #expect(try triggers(back) == triggers(source))

                // Identity sequences continue after the copied ids; triggers fire again.
                let maxID: Int64 = try #require(try postgres.queryOne("SELECT max(id) AS id FROM audit_log")).get("id")
                #expect(try Audit(db: postgres).append(event: "after.copy", at: t0) == maxID + 1)
                let epochs = try Policies(db: postgres).epochs()
                _ = try Roles(db: postgres).create(name: "auditor", permissions: ["read:audit"])
                #expect(try Policies(db: postgres).epochs().policies == epochs.policies + 2)
                try postgres.execute("UPDATE branches SET address = 'moved' WHERE name = 'Yard'")
                let version: Int64 = try #require(
                    try postgres.queryOne("SELECT version FROM branches WHERE name = 'Yard'")).get("version")
                #expect(version == 2)
            }
        }
    }

    @Test("a PostgreSQL target that holds rows is refused", .enabled(if: postgresAdminURL != nil))
    func refusesNonEmptyPostgreSQLTarget() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try fillEveryTable(source, nul: false)
            try withDatabaseURL(.postgresql) { url in
                let postgres = try Database.open(url: url)
                _ = try makeUser(postgres, email: "already@example.com")
                let error = refusal { try DatabaseCopy(from: source, to: postgres).run() }
                #expect(error == .copyRefused)
                #expect(try postgres.query("SELECT id FROM users").count == 1)
            }
        }
    }

    @Test("text PostgreSQL cannot store stops the copy at its table", .enabled(if: postgresAdminURL != nil))
    func textWithNULStopsTheCopy() throws {
        try withDatabaseFile { sourcePath in
            let source = try Database(path: sourcePath)
            try fillEveryTable(source)
            try withEmptyDatabaseURL(.postgresql) { url in
                let postgres = try Database.open(url: url)
                let error = refusal { try DatabaseCopy(from: source, to: postgres).run() }
                #expect(error == .constraint)
                #expect(try postgres.query("SELECT id FROM users").isEmpty)
            }
        }
    }
}

// MARK: Helpers

/// The Store error `body` throws, nil when it returns.
private func refusal(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        return StoreError(kind: .typeMismatch, message: "not a StoreError: \(error)")
    }
}

/// Every row of every table, in primary-key order.
private func dump(_ db: Database) throws -> [String: [Row]] {
    var tables: [String: [Row]] = [:]
    for table in try db.connection.tableNames() {
        let key = try db.connection.primaryKey(of: table).map(quotedIdentifier).joined(separator: ", ")
        tables[table] = try db.query("SELECT * FROM \(quotedIdentifier(table)) ORDER BY \(key)")
    }
    return tables
}

private func triggers(_ db: Database) throws -> [Row] {
    try db.query("SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'trigger' ORDER BY name")
}

/// At least one row in every table the copy writes, written the way the product writes them (triggers on), with
/// NULLs, reals, blobs, text with NUL inside (unless `nul` is false: PostgreSQL cannot store it), and gaps in
/// AUTOINCREMENT ids.
private func fillEveryTable(_ db: Database, nul: Bool = true) throws {
    let zero = nul ? "\u{0}" : "|"
    let ada = try makeUser(db)
    let bob = try makeUser(db, email: "bob@example.com")
    try db.execute("UPDATE users SET name = ?, profile = ? WHERE id = ?", "Bob\(zero)by 🔐", #"{"a":[1,2]}"#, bob.id)
    let roles = Roles(db: db)
    _ = try roles.create(name: "viewer", description: "Reads", permissions: ["read:data", "read:reports"])
    _ = try roles.create(name: "admin", permissions: ["*:*"])
    try roles.setRoles(["admin", "viewer"], forUser: ada.id)
    try roles.setRoles(["viewer"], forUser: bob.id)

    let sessions = Sessions(db: db)
    let live = try sessions.create(userId: ada.id, expiresAt: t0 + 3600, ip: "203.0.113.7", userAgent: "curl", amr: ["pwd", "otp"], now: t0)
    let other = try sessions.create(userId: ada.id, expiresAt: t0 + 3600, ip: nil, userAgent: "curl", now: t0)
    _ = try sessions.create(userId: bob.id, expiresAt: t0 + 60, now: t0)
    #expect(try sessions.revoke(id: other.id, now: t0))
    for (seed, used) in [(1, nil), (2, t0), (3, nil)] as [(UInt8, Date?)] {
        try db.execute(
            """
            INSERT INTO refresh_tokens
                (token_hash, session_id, parent_hash, successor_hash, issued_at, expires_at, used_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """, hash(seed), live.id, seed > 1 ? hash(seed - 1) : nil, nil as [UInt8]?, t0, t0 + 86400, used)
    }
    try db.execute(
        "INSERT INTO lockouts VALUES ('ada@example.com', 3, ?, 0, 1), ('x@example.com', 5, ?, ?, 2)", t0, t0, t0 + 900)
    try db.execute(
        "INSERT INTO rate_limits VALUES ('login:203.0.113.7', 4.5, ?), ('api:::1', 5.0, 1750000000.25)",
        1_750_000_000.5)
    try db.execute("INSERT INTO password_resets VALUES (?, ?, ?, ?, NULL)", hash(9), bob.id, t0, t0 + 3600)
    try db.execute(
        "INSERT INTO outbox VALUES ('m1', 'bob@example.com', 'Reset', ?, ?, 2, ?, NULL, NULL, 'temporary failure')",
        "line one\nline\(zero)two", t0, t0 + 60)
    let audit = Audit(db: db)
    for event in ["login", "logout", "login", "role.created"] {
        _ = try audit.append(event: event, userId: ada.id, at: t0)
    }
    try db.execute("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
    try db.execute("DELETE FROM audit_log WHERE id = 2")
    try db.execute(
        "INSERT INTO assignments VALUES ('as1', ?, 'north', 'sales', 'viewer', 1, 1, ?, ?)", ada.id,
        #"{"hours":"09:00-17:00"}"#, t0)
    try db.execute("INSERT INTO assignments VALUES ('as2', ?, 'south', 'ops', 'admin', 0, 0, '{}', ?)", ada.id, t0)
    try db.execute("INSERT INTO mfa_totp VALUES (?, ?, ?, ?, 58333333)", ada.id, hash(7), t0, t0 + 5)
    for seed in [10, 11, 12] as [UInt8] {
        try db.execute("INSERT INTO recovery_codes VALUES (?, ?, ?)", ada.id, hash(seed), seed == 11 ? t0 : nil)
    }

    let branches = Branches(db: db)
    let depot = try branches.insert(zone: "north", name: "Depot", address: "1 Quay St", now: t0)
    _ = try branches.update(id: depot.id, name: "Depot North", address: "2 Quay St", now: t0 + 9)
    let yard = try branches.insert(zone: "north", name: "Yard", now: t0)
    for (index, (branch, status, cents)) in [(depot, "in_service", 1250), (depot, "in_service", 99), (yard, "lost", 0)]
        .enumerated()
    {
        try db.execute(
            """
            INSERT INTO assets (id, zone, branch_id, tag, name, category, status, assigned_to, purchased_at,
                value_cents, created_at, updated_at)
            VALUES (?, 'north', ?, ?, 'Laptop', 'it', ?, ?, ?, ?, ?, ?)
            """, "asset-\(index)", branch.id, "T-\(index)", status, index == 0 ? ada.id : nil,
            index == 1 ? "2024-02-29" : nil, cents, t0, t0)
    }
    try db.execute("UPDATE assets SET notes = 'dented' WHERE id = 'asset-0'")  // the trigger moves its version
    try db.execute(
        "INSERT INTO settings VALUES ('north', 'theme', '\"dark\"', ?, ?), ('north', 'limits', '{\"n\":3}', ?, NULL)",
        t0, ada.id, t0)
    try db.execute(
        """
        INSERT INTO activity (at, zone, actor_id, action, entity, entity_id)
        VALUES (?, 'north', ?, 'created', 'branch', ?)
        """, t0, ada.id, depot.id)
    try db.execute(
        """
        INSERT INTO password_reset_requests (identifier, requested_at, ip, user_agent)
        VALUES ('bob@example.com', ?, '::1', NULL)
        """, t0)
    try Policies(db: db).replace(with: ["p, viewer, north/*, data, read", "g, alice, admin, north/sales"])
    let client = try Clients(db: db).create(
        name: "Acme", ipAllowlist: ["10.0.0.0/8"], originAllowlist: [], rolesAllowed: ["viewer"], kid: "kid000000001",
        secretHash: hash(9), now: t0)
    try Clients(db: db).touchKey(kid: "kid000000001", at: t0)
    _ = try Users(db: db).endUser(tenant: client.id, externalId: "ext-1", name: "End", profile: nil, now: t0)
    try MFAChallenges(db: db).create(hash: hash(13), userId: ada.id, expiresAt: t0 + 300, useCookies: true, now: t0)
    let passkey = try WebAuthnCredentials(db: db).insert(
        userId: ada.id, credentialID: hash(21), publicKey: [0xA5, 0x01, 0x02], algorithm: -7, signCount: 3, name: "Laptop",
        aaguid: [UInt8](repeating: 0, count: 16), backupEligible: true, limit: 10, now: t0)
    _ = try WebAuthnCredentials(db: db).recordUse(id: passkey!.id, signCount: 4, now: t0 + 5)
    try WebAuthnChallenges(db: db).issue(
        tokenHash: hash(22), challengeHash: hash(23), purpose: .login, userId: nil, identifier: "x@example.com",
        expiresAt: t0 + 300)
    let hook = try WebhookSubscriptions(db: db).create(
        url: "https://hooks.example.com/a", events: ["user.*"], sealedSecret: hash(4), now: t0)
    _ = try WebhookSubscriptions(db: db).rotateSecret(
        id: hook.id, sealedSecret: hash(5), overlapUntil: t0 + 86_400, now: t0)
    try Events(db: db).append(
        id: "ev-1", type: "user.created", at: t0, body: #"{"id":"ev-1","type":"user.created"}"#)
    let claimed = try WebhookDeliveries(db: db).claim(now: t0, limit: 1, lease: 15)
    try WebhookDeliveries(db: db).finish(
        claimed[0], outcome: .retry(at: t0 + 5, responseStatus: 500, error: "HTTP 500"), now: t0)

    for table in DatabaseCopy.tables {
        #expect(try db.queryOne("SELECT 1 AS one FROM \(quotedIdentifier(table)) LIMIT 1") != nil, "\(table) is empty")
    }
}
