/// Schema migrations: an ordered list of `(id, sql)` literals per backend (`SQLite/SQLiteMigrations.swift`,
/// `PostgreSQL/PostgreSQLMigrations.swift`), the same ids in the same order, never edited once shipped (rule 28).
///
/// `gatehouse migrate` (from `postinst` or `ExecStartPre`) calls ``run(on:)``; each worker calls
/// ``checkKnown(on:)`` at start and refuses a database migrated by a newer release.
///
///     let applied = try Migrations.run(on: db)   // ["2025-11-22 users", …] or [] when up to date
public enum Migrations {
    struct Migration {
        let id: String
        let sql: String
    }

    /// Every migration id this code knows, in order (the same on both backends).
    public static var ids: [String] { sqlite.map(\.id) }

    /// Applies the migrations the database lacks, each in its own write transaction together with its row in
    /// `schema_migrations`, and returns the ids applied.
    ///
    /// Safe when two processes run it at once: the applied set is read inside the write transaction, so
    /// the second process waits for the first and then skips what it did.
    /// - Throws: ``StoreError/unknownMigrations`` when the database holds ids this code doesn't know.
    @discardableResult
    public static func run(on db: Database) throws -> [String] {
        precondition(Set(ids).count == ids.count, "duplicate migration id")
        try createTable(on: db)
        try checkKnown(on: db)
        var applied: [String] = []
        for migration in db.dialect.migrations {
            let didApply = try db.transaction {
                guard try db.queryOne(
                    "SELECT 1 FROM schema_migrations WHERE identifier = ?", migration.id) == nil
                else { return false }
                try db.executeScript(migration.sql)
                try db.execute("INSERT INTO schema_migrations (identifier) VALUES (?)", migration.id)
                return true
            }
            if didApply { applied.append(migration.id) }
        }
        return applied
    }

    /// The ids of the migrations this code knows and the database lacks, in order.
    public static func pending(on db: Database) throws -> [String] {
        let applied = try appliedIDs(on: db)
        return ids.filter { !applied.contains($0) }
    }

    /// Throws when the database holds a migration id this code doesn't know: a worker must not run
    /// against a schema from a newer release.
    public static func checkKnown(on db: Database) throws {
        let unknown = try appliedIDs(on: db).subtracting(ids)
        guard unknown.isEmpty else {
            throw StoreError(
                kind: .unknownMigrations,
                message: "the database holds \(unknown.count) migration(s) this release does not know: "
                    + unknown.sorted().joined(separator: ", "))
        }
    }

    /// In a write transaction: two processes migrating one PostgreSQL database at once would otherwise race to
    /// create the table.
    private static func createTable(on db: Database) throws {
        try db.transaction {
            guard try !db.connection.tableExists("schema_migrations") else { return }
            try db.execute("CREATE TABLE schema_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
        }
    }

    private static func appliedIDs(on db: Database) throws -> Set<String> {
        guard try db.connection.tableExists("schema_migrations") else { return [] }
        return Set(try db.query("SELECT identifier FROM schema_migrations").map { try $0.get("identifier") })
    }
}
