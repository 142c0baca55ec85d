internal import CSQLite

/// One SQLite connection, closed when the last reference goes away: the SQLite side of ``Connection``.
///
/// Each worker process owns one, through its ``Database``. Write transactions start with `BEGIN IMMEDIATE`, so
/// the write lock is taken (or waited for) up front.
@safe
final class SQLiteConnection: Connection {
    private let handle: OpaquePointer
    /// Kept alive here because SQLite holds it unretained as the busy callback's context.
    private let busyHandler: BusyHandler
    /// Prepared once with `SQLITE_PREPARE_PERSISTENT`, keyed by SQL text.
    private var statements: [String: Statement] = [:]
    /// Replaces SQLite's automatic checkpoint (WAL journaling only).
    private let checkpointPolicy: CheckpointPolicy
    /// The size the write-ahead log's file is cut back to when the log starts again: room for four times
    /// ``CheckpointPolicy``'s mark (1,000 frames of a 4 KiB page and its 24-byte header).
    static let walSizeLimit = 16 << 20
    /// The path this connection was opened with.
    let path: String

    /// Opens (and when `createIfMissing` creates) the database at `path` for reading and writing.
    ///
    /// Sets WAL journaling (unless `journalWAL` is false: a backup destination stays one self-contained file) with
    /// ``CheckpointPolicy`` and a log file cut back to ``walSizeLimit`` when it starts again,
    /// `synchronous = NORMAL`, foreign keys on, double-quoted string literals off, and a busy handler that retries
    /// for up to `busyTimeout`.
    init(path: String, createIfMissing: Bool, busyTimeout: Duration, journalWAL: Bool = true) throws(StoreError) {
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
        self.checkpointPolicy = CheckpointPolicy(busyHandler: busyHandler)
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
        unsafe CheckpointPolicy.install(checkpointPolicy, on: handle)
        // sqlite.org: after a checkpoint resets the log, a larger file "is truncated to this limit"; the log of a
        // burst (or of a long reader) does not keep its size for good.
        try execute("PRAGMA journal_size_limit = \(Self.walSizeLimit)")
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

    // MARK: Connection

    var backend: Backend { .sqlite }
    var dialect: any Dialect { SQLiteDialect() }

    /// Runs one statement and returns all its rows.
    func query(_ sql: String, bindings: [Value]) throws(StoreError) -> [Row] {
        try withStatement(sql, bindings: bindings) { statement throws(StoreError) in
            var rows: [Row] = []
            while try statement.step() { rows.append(statement.row()) }
            return rows
        }
    }

    /// Runs one statement without bindings, stepping through any rows it returns.
    func execute(_ sql: String) throws(StoreError) {
        _ = try query(sql, bindings: [])
    }

    /// Runs one statement without bindings and returns its first row.
    func queryOne(_ sql: String) throws(StoreError) -> Row? {
        try query(sql, bindings: []).first
    }

    /// Runs several `;`-separated statements without bindings (migrations).
    func executeScript(_ sql: String) throws(StoreError) {
        try unsafe sqlite(handle) { unsafe sqlite3_exec(handle, sql, nil, nil, nil) }
    }

    private func withStatement<T>(
        _ sql: String, bindings: [Value], _ body: (Statement) throws(StoreError) -> T
    ) throws(StoreError) -> T {
        let statement = try cachedStatement(sql)
        defer { statement.reset() }
        try statement.bind(bindings)
        return try body(statement)
    }

    private func cachedStatement(_ sql: String) throws(StoreError) -> Statement {
        if let statement = statements[sql] { return statement }
        let statement = try unsafe Statement(connection: handle, sql: sql, persistent: true)
        statements[sql] = statement
        return statement
    }

    /// The number of rows the last INSERT, UPDATE or DELETE on this connection changed.
    var changes: Int { Int(unsafe sqlite3_changes64(handle)) }

    /// Rows inserted, updated or deleted through this connection since it opened (sqlite3_total_changes64).
    var totalChanges: Int { Int(unsafe sqlite3_total_changes64(handle)) }

    /// Whether a transaction is open on this connection.
    var isInTransaction: Bool { unsafe sqlite3_get_autocommit(handle) == 0 }

    // MARK: Transactions

    /// `BEGIN IMMEDIATE`: the write lock is waited for before anything is read, so a read-then-write cannot fail
    /// halfway with a stale snapshot.
    func beginWrite() throws(StoreError) {
        try execute("BEGIN IMMEDIATE")
    }

    /// One file, one write lock: the same as ``beginWrite()``.
    func beginRowLocking() throws(StoreError) {
        try beginWrite()
    }

    /// A deferred transaction (its snapshot starts at the first read); with a `timeout`, also `PRAGMA query_only`
    /// and a progress handler that interrupts any statement running past it.
    func beginReadOnly(timeout: Duration?) throws(StoreError) {
        try execute("BEGIN DEFERRED")
        guard let timeout else { return }
        do {
            try execute("PRAGMA query_only = ON")
        } catch {
            rollback()
            throw error
        }
        let deadline = ContinuousClock.now + timeout
        installDeadline(deadline)
    }

    func commit() throws(StoreError) {
        try execute("COMMIT")
    }

    /// SQLite may already have rolled back (sqlite.org: after some errors "the transaction is automatically rolled
    /// back"); then there is nothing left to undo.
    func rollback() {
        if isInTransaction { try? execute("ROLLBACK") }
        if readOnlyDeadline != nil {
            installDeadline(nil)
            try? execute("PRAGMA query_only = OFF")
        }
    }

    /// When a read-only transaction must end; SQLite's progress handler interrupts a statement running past it.
    private var readOnlyDeadline: ContinuousClock.Instant?

    private func installDeadline(_ deadline: ContinuousClock.Instant?) {
        readOnlyDeadline = deadline
        guard deadline != nil else {
            unsafe sqlite3_progress_handler(handle, 0, nil, nil)
            return
        }
        let context = unsafe Unmanaged.passUnretained(self).toOpaque()
        // Called every 1,000 virtual-machine instructions; non-zero interrupts the statement (SQLITE_INTERRUPT).
        unsafe sqlite3_progress_handler(handle, 1_000, { context in
            guard let context = unsafe context else { return 0 }
            let connection = unsafe Unmanaged<SQLiteConnection>.fromOpaque(context).takeUnretainedValue()
            guard let deadline = connection.readOnlyDeadline else { return 0 }
            return ContinuousClock.now > deadline ? 1 : 0
        }, context)
    }

    // MARK: Schema

    func tableExists(_ name: String) throws(StoreError) -> Bool {
        try !query("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", bindings: [.text(name)]).isEmpty
    }

    func tableNames() throws(StoreError) -> [String] {
        try query(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            bindings: []
        ).compactMap { row in
            if case .text(let name) = row["name"] { return name }
            return nil
        }
    }
}

// One connection per worker process; never crosses threads (opened with SQLITE_OPEN_NOMUTEX).
@available(*, unavailable)
extension SQLiteConnection: Sendable {}
