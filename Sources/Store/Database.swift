/// The database of one process, whichever backend holds it: the one handle the repositories take.
///
/// Each worker process owns one. Handlers pass it to repositories and units of work and never see a
/// connection, a transaction or SQL: those are internal to this module.
///
///     let db = try Database.open(url: "sqlite:///var/lib/gatehouse/gatehouse.db", createIfMissing: false)
///     try Migrations.checkKnown(on: db)
///     let user = try Users(db: db).find(email: "ada@example.com")
public final class Database {
    let connection: any Connection
    /// The SQL that differs between backends.
    let dialect: any Dialect

    init(connection: any Connection) {
        self.connection = connection
        self.dialect = connection.dialect
    }

    /// Opens the database `url` names: `sqlite:///path` (or a plain path) or `postgresql://…` (libpq's URI form,
    /// including a unix-socket `?host=/dir`).
    ///
    /// `createIfMissing` applies to SQLite files; a PostgreSQL database is created by its administrator.
    /// - Throws: ``StoreError/invalidDatabaseURL`` for a URL neither backend accepts, ``StoreError/unavailable``
    ///   when the PostgreSQL server cannot be reached.
    public static func open(url: String, createIfMissing: Bool = true) throws -> Database {
        switch try DatabaseURL(url) {
        case .sqlite(let path):
            return try Database(path: path, createIfMissing: createIfMissing)
        case .postgresql(let url):
            return Database(connection: try PostgreSQLConnection(url: url))
        }
    }

    /// Opens (and by default creates) the SQLite database at `path`.
    ///
    /// WAL journaling, `synchronous = NORMAL`, foreign keys on, and a busy handler that retries for up to
    /// `busyTimeout`.
    public convenience init(
        path: String, createIfMissing: Bool = true, busyTimeout: Duration = .seconds(5)
    ) throws(StoreError) {
        self.init(
            connection: try SQLiteConnection(path: path, createIfMissing: createIfMissing, busyTimeout: busyTimeout))
    }

    /// Which backend holds the data.
    public var backend: Backend { connection.backend }

    /// Whether other nodes may write this database (PostgreSQL): then a signal local to this node, such as the
    /// scoreboard's write generation, does not see every write, and a cache must ask the database itself.
    public var isSharedAcrossNodes: Bool { backend == .postgresql }

    // MARK: Statements (this module only)

    /// Runs one statement, stepping through any rows it returns.
    ///
    ///     try db.execute("UPDATE users SET name = ? WHERE id = ?", name, id)
    func execute(_ sql: String, _ bindings: any Bindable...) throws(StoreError) {
        _ = try connection.query(sql, bindings: bindings.map(\.bindingValue))
    }

    /// Runs one statement with its bindings in an array.
    func execute(_ sql: String, bindings: [any Bindable]) throws(StoreError) {
        _ = try connection.query(sql, bindings: bindings.map(\.bindingValue))
    }

    /// Runs one statement and returns all its rows.
    func query(_ sql: String, _ bindings: any Bindable...) throws(StoreError) -> [Row] {
        try connection.query(sql, bindings: bindings.map(\.bindingValue))
    }

    /// Runs one statement with its bindings in an array and returns all its rows.
    func query(_ sql: String, bindings: [any Bindable]) throws(StoreError) -> [Row] {
        try connection.query(sql, bindings: bindings.map(\.bindingValue))
    }

    /// Runs one statement and returns its first row, or nil; any further rows are still stepped through,
    /// so a write with `RETURNING` always completes.
    func queryOne(_ sql: String, _ bindings: any Bindable...) throws(StoreError) -> Row? {
        try connection.query(sql, bindings: bindings.map(\.bindingValue)).first
    }

    /// ``queryOne(_:_:)`` with its bindings in an array.
    func queryOne(_ sql: String, bindings: [any Bindable]) throws(StoreError) -> Row? {
        try connection.query(sql, bindings: bindings.map(\.bindingValue)).first
    }

    /// Runs several `;`-separated statements without bindings (migrations).
    func executeScript(_ sql: String) throws(StoreError) {
        try connection.executeScript(sql)
    }

    /// The number of rows the last INSERT, UPDATE or DELETE changed.
    var changes: Int { connection.changes }

    /// Whether a transaction is open.
    var isInTransaction: Bool { connection.isInTransaction }

    // MARK: Transactions (this module only)

    /// Runs `body` in a write transaction: commits when it returns, rolls back and rethrows when it throws.
    ///
    /// A read-then-write inside it cannot interleave with another writer's (see ``Connection/beginWrite()``).
    /// Inside another transaction it nests as a savepoint.
    ///
    ///     try db.transaction {
    ///         try db.execute("DELETE FROM role_permissions WHERE role = ?", name)
    ///         try db.execute("INSERT INTO role_permissions (role, permission) VALUES (?, ?)", name, permission)
    ///     }
    func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction { return try savepoint(body) }
        try connection.beginWrite()
        do {
            let result = try body()
            try connection.commit()
            return result
        } catch {
            connection.rollback()
            throw error
        }
    }

    /// Runs `body` in a write transaction guarded by the rows it locks as it reads them (`SELECT … \(dialect.lockingRows)`),
    /// not by the one write lock: on PostgreSQL such transactions on different rows run at once on every worker
    /// and node (a refresh-token rotation holds its session and token only). Every conflicting writer must meet it
    /// on a row it locks, and lock in the same order (sessions before refresh tokens), or PostgreSQL ends one of
    /// two deadlocked transactions with ``StoreError/busy``. On SQLite, and inside another transaction, the same as
    /// ``transaction(_:)``.
    func rowLockingTransaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction { return try savepoint(body) }
        try connection.beginRowLocking()
        do {
            let result = try body()
            try connection.commit()
            return result
        } catch {
            connection.rollback()
            throw error
        }
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT nested")
        do {
            let result = try body()
            try execute("RELEASE SAVEPOINT nested")
            return result
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK TO SAVEPOINT nested")
                try? execute("RELEASE SAVEPOINT nested")
            }
            throw error
        }
    }

    /// Runs `body` in one read-only transaction that sees one snapshot, each statement bounded by `timeout` when
    /// one is given; always rolled back. Inside another transaction, `body` runs in that one.
    func readOnly<T>(timeout: Duration? = nil, _ body: () throws -> T) throws -> T {
        if isInTransaction { return try body() }
        try connection.beginReadOnly(timeout: timeout)
        defer { connection.rollback() }
        return try body()
    }

    // MARK: Facts about the database

    /// Bytes the database occupies.
    public func sizeBytes() throws(StoreError) -> Int64 {
        try connection.sizeBytes()
    }

    /// The backend, its size and what else it reports (`/connection/stats`).
    public func stats() throws(StoreError) -> DatabaseStats {
        DatabaseStats(backend: backend, sizeBytes: try connection.sizeBytes(), details: try connection.details())
    }

    /// Bytes in SQLite's write-ahead log beside the file (0 for PostgreSQL or an in-memory database).
    public func walSizeBytes() throws(StoreError) -> Int64 {
        guard let sqlite = connection as? SQLiteConnection else { return 0 }
        return try sqlite.walSizeBytes()
    }

    /// One round trip to the database, for `/health`.
    /// - Throws: ``StoreError`` when the database does not answer (``StoreError/unavailable`` for a server that
    ///   is down).
    public func ping() throws {
        guard try queryOne("SELECT 1 AS one")?.get("one", as: Int64.self) == 1 else {
            throw StoreError.typeMismatch("SELECT 1 did not return 1")
        }
    }

    /// Copies the live SQLite database to `destination` with SQLite's online backup.
    /// - Throws: ``StoreError`` on PostgreSQL, whose own tools (`pg_dump`, base backups) do this.
    public func backup(to destination: String) throws(StoreError) {
        guard let sqlite = connection as? SQLiteConnection else {
            throw StoreError(kind: .invalidDatabaseURL, message: "backup copies SQLite files; use pg_dump for PostgreSQL")
        }
        try sqlite.backup(to: destination)
    }

    /// Rows inserted, updated or deleted through this connection since it opened, on SQLite (tests check that a
    /// request wrote nothing).
    var totalChanges: Int { (connection as? SQLiteConnection)?.totalChanges ?? 0 }
}

// One connection per worker process; never crosses threads.
@available(*, unavailable)
extension Database: Sendable {}

/// What `/connection/stats` says about the database.
public struct DatabaseStats: Sendable, Equatable {
    public let backend: Backend
    public let sizeBytes: Int64
    /// Backend-specific figures by name: integers or text.
    public let details: [String: Value]
}
