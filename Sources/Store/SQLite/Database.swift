internal import CSQLite

/// One SQLite connection, closed when the last reference goes away.
///
/// Each worker process owns one. Writes that touch more than one row go through ``transaction(_:)``,
/// which starts with `BEGIN IMMEDIATE` so the write lock is taken (or waited for) up front.
///
///     let db = try Database(path: "/var/lib/gatehouse/gatehouse.db")
///     try Migrations.checkKnown(on: db)
///     let user = try Users(db: db).find(email: "ada@example.com")
@safe
public final class Database {
    private let handle: OpaquePointer
    /// Kept alive here because SQLite holds it unretained as the busy callback's context.
    private let busyHandler: BusyHandler
    /// Prepared once with `SQLITE_PREPARE_PERSISTENT`, keyed by SQL text.
    private var statements: [String: Statement] = [:]
    /// The path this connection was opened with.
    public let path: String

    /// Opens (and by default creates) the database at `path` for reading and writing.
    ///
    /// Sets WAL journaling, `synchronous = NORMAL`, foreign keys on, double-quoted string literals off, and
    /// a busy handler that retries for up to `busyTimeout`.
    public convenience init(
        path: String, createIfMissing: Bool = true, busyTimeout: Duration = .seconds(5)
    ) throws(StoreError) {
        try self.init(path: path, createIfMissing: createIfMissing, busyTimeout: busyTimeout, journalWAL: true)
    }

    /// `journalWAL: false` leaves the journal mode alone: a backup destination stays one self-contained file.
    init(path: String, createIfMissing: Bool, busyTimeout: Duration, journalWAL: Bool) throws(StoreError) {
        // sqlite.org: SQLITE_OPEN_EXRESCODE "causes the database connection to be opened in the extended result code mode."
        // NOMUTEX: a connection is used by one thread only (see the Sendable note below).
        var flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_EXRESCODE | SQLITE_OPEN_NOMUTEX
        if createIfMissing { flags |= SQLITE_OPEN_CREATE }
        var connection: OpaquePointer?
        let rc = unsafe sqlite3_open_v2(path, &connection, flags, nil)
        guard rc == SQLITE_OK, let connection = unsafe connection else {
            let message = unsafe lastErrorMessage(connection)
            unsafe sqlite3_close_v2(connection)
            throw StoreError.sqlite(code: rc, message: "open: \(message)")
        }
        unsafe self.handle = connection
        self.busyHandler = BusyHandler(timeout: busyTimeout)
        self.path = path
        try configure(journalWAL: journalWAL)
    }

    /// Connection setup in one place (rule 29). The busy handler comes first: switching to WAL takes a lock.
    private func configure(journalWAL: Bool) throws(StoreError) {
        try unsafe BusyHandler.install(busyHandler, on: handle)
        // sqlite.org: with DQS off, "double-quoted string literals are not allowed": a misspelt column is an error.
        try unsafe sqlite(handle) { unsafe csqlite_disable_dqs(handle) }
        try execute("PRAGMA foreign_keys = ON")
        guard journalWAL else { return }
        let mode = try queryOne("PRAGMA journal_mode = WAL")?.values.first
        if mode != .text("wal") && mode != .text("memory") {
            throw StoreError.sqlite(code: SQLITE_CANTOPEN, message: "open: the database cannot use WAL journaling")
        }
        // sqlite.org: "WAL mode is always consistent with synchronous=NORMAL", and commits skip an fsync.
        try execute("PRAGMA synchronous = NORMAL")
    }

    deinit {
        // Finalize cached statements first, so close_v2 can close at once.
        statements.removeAll()
        unsafe sqlite3_close_v2(handle)
    }

    /// Calls `body` with the raw connection; the pointer must not escape.
    func withUnsafeHandle<T>(_ body: (OpaquePointer) throws(StoreError) -> T) throws(StoreError) -> T {
        try unsafe body(handle)
    }

    // MARK: Statements

    /// Runs one statement, stepping through any rows it returns.
    ///
    ///     try db.execute("UPDATE users SET name = ? WHERE id = ?", name, id)
    public func execute(_ sql: String, _ bindings: any Bindable...) throws(StoreError) {
        try execute(sql, bindings: bindings)
    }

    /// Runs one statement with its bindings in an array.
    public func execute(_ sql: String, bindings: [any Bindable]) throws(StoreError) {
        try withStatement(sql, bindings: bindings) { statement throws(StoreError) in
            while try statement.step() {}
        }
    }

    /// Runs one statement and returns all its rows.
    public func query(_ sql: String, _ bindings: any Bindable...) throws(StoreError) -> [Row] {
        try query(sql, bindings: bindings)
    }

    /// Runs one statement with its bindings in an array and returns all its rows.
    public func query(_ sql: String, bindings: [any Bindable]) throws(StoreError) -> [Row] {
        try withStatement(sql, bindings: bindings) { statement throws(StoreError) in
            var rows: [Row] = []
            while try statement.step() { rows.append(statement.row()) }
            return rows
        }
    }

    /// Runs one statement and returns its first row, or nil; any further rows are still stepped through,
    /// so a write with `RETURNING` always completes.
    public func queryOne(_ sql: String, _ bindings: any Bindable...) throws(StoreError) -> Row? {
        try queryOne(sql, bindings: bindings)
    }

    /// ``queryOne(_:_:)`` with its bindings in an array.
    public func queryOne(_ sql: String, bindings: [any Bindable]) throws(StoreError) -> Row? {
        try query(sql, bindings: bindings).first
    }

    /// Runs several `;`-separated statements without bindings (migrations).
    func executeScript(_ sql: String) throws(StoreError) {
        try unsafe sqlite(handle) { unsafe sqlite3_exec(handle, sql, nil, nil, nil) }
    }

    private func withStatement<T>(
        _ sql: String, bindings: [any Bindable], _ body: (Statement) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(bindings.map(\.bindingValue))
        return try body(statement)
    }

    private func cachedStatement(_ sql: String) throws(StoreError) -> Statement {
        if let statement = statements[sql] { return statement }
        let statement = try unsafe Statement(connection: handle, sql: sql, persistent: true)
        statements[sql] = statement
        return statement
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertedRowID: Int64 { unsafe sqlite3_last_insert_rowid(handle) }

    /// The number of rows the last INSERT, UPDATE or DELETE on this connection changed.
    public var changes: Int { Int(unsafe sqlite3_changes64(handle)) }

    /// Rows inserted, updated or deleted through this connection since it opened (sqlite3_total_changes64):
    /// what a piece of work wrote, whatever tables it touched.
    public var totalChanges: Int { Int(unsafe sqlite3_total_changes64(handle)) }

    /// Whether a transaction is open on this connection.
    public var isInTransaction: Bool { unsafe sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// Runs `body` in a write transaction: commits when it returns, rolls back and rethrows when it throws.
    ///
    /// Starts with `BEGIN IMMEDIATE`, so the write lock is waited for before `body` reads anything and a
    /// read-then-write cannot fail halfway with a stale snapshot. Inside another transaction it nests as a
    /// savepoint.
    ///
    ///     try db.transaction {
    ///         try db.execute("DELETE FROM role_permissions WHERE role = ?", name)
    ///         try db.execute("INSERT INTO role_permissions (role, permission) VALUES (?, ?)", name, permission)
    ///     }
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction { return try savepoint(body) }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // SQLite may already have rolled back (sqlite.org: after some errors "the transaction is
            // automatically rolled back"); then there is nothing left to undo.
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT nested")
        do {
            let result = try body()
            try execute("RELEASE nested")
            return result
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK TO nested")
                try? execute("RELEASE nested")
            }
            throw error
        }
    }
}

// One connection per worker process; never crosses threads (opened with SQLITE_OPEN_NOMUTEX).
@available(*, unavailable)
extension Database: Sendable {}
