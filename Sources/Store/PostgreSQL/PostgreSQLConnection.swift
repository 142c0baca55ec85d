internal import CPostgreSQL

/// One libpq connection to a PostgreSQL server: the PostgreSQL side of ``Connection``.
///
/// Each worker process owns one, through its ``Database``. Statements are prepared once per connection (keyed by
/// their text and the kinds of the values bound), with parameter types taken from those values (`bigint`,
/// `double precision`, `text`, `bytea`; a NULL's type is left to the server). Results come back as text and
/// are read back into ``Value``s by column type.
///
/// When the server goes away, the statement that finds out fails with ``StoreError/unavailable`` (503), and the
/// next statement outside a transaction reconnects. A transaction that lost its connection keeps failing until
/// it is rolled back: its earlier statements are gone, and nothing may run as if they were not.
@safe
final class PostgreSQLConnection: Connection {
    private let handle: OpaquePointer
    /// Statement name by SQL text and bound-value kinds; emptied when the connection is re-established.
    private var statements: [StatementKey: String] = [:]
    private var nextStatementNumber = 1
    /// Whether ``beginWrite()`` or ``beginReadOnly(timeout:)`` opened a transaction not yet ended.
    private var transactionOpen = false
    /// The connection broke while a transaction was open: statements fail until ``rollback()``.
    private var transactionLost = false
    private var lastChanges = 0
    /// Requests sent to the server and answered (statements, prepares, transaction control): what a unit of
    /// work costs on this backend beyond its SQL, for tests.
    private(set) var roundTrips = 0

    /// Every write transaction takes this transaction-scoped advisory lock first, so read-then-write blocks
    /// serialise across workers and nodes as SQLite's `BEGIN IMMEDIATE` does on one file (ASCII "gatehous").
    static let writeLockKey: Int64 = 0x6761_7465_686F_7573
    /// How long a statement waits for a lock (the write lock included) before failing with ``StoreError/busy``.
    let lockTimeout: Duration

    /// Connects to the server `url` names (libpq's URI form, `postgresql://user:pass@host:port/db?sslmode=…`; a
    /// unix-socket directory as `?host=/dir`).
    ///
    /// Unless the URL says otherwise, connecting gives up after 5 seconds and the session names itself
    /// `gatehouse` in `pg_stat_activity`.
    /// - Throws: ``StoreError/unavailable`` when the server cannot be reached or refuses the login.
    init(url: String, lockTimeout: Duration = .seconds(5)) throws(StoreError) {
        self.lockTimeout = lockTimeout
        // Keywords before "dbname": the URL it expands to overrides them (libpq: later values win).
        let keywords = ["connect_timeout", "application_name", "dbname"]
        let values = ["5", "gatehouse", url]
        let connection: OpaquePointer? = unsafe withCStringArray(keywords) { keywordPointers in
            unsafe withCStringArray(values) { valuePointers in
                unsafe PQconnectdbParams(keywordPointers, valuePointers, 1)
            }
        }
        guard let connection = unsafe connection else {
            throw StoreError(kind: .unavailable, message: "connect: out of memory")
        }
        unsafe self.handle = connection
        guard unsafe PQstatus(connection) == CONNECTION_OK else {
            throw StoreError(kind: .unavailable, message: "connect: \(errorMessage())")
        }
        try configure()
    }

    deinit {
        unsafe PQfinish(handle)
    }

    /// Session setup in one place (rule 29), after every (re)connection.
    private func configure() throws(StoreError) {
        let milliseconds = lockTimeout.components.seconds * 1000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000
        try simple("SET lock_timeout = \(milliseconds)")
    }

    // MARK: Connection

    var backend: Backend { .postgresql }
    var dialect: any Dialect { PostgreSQLDialect() }

    func query(_ sql: String, bindings: [Value]) throws(StoreError) -> [Row] {
        try ensureConnected()
        let parameters = try Parameters(bindings)
        let name = try prepared(sql, parameters)
        let result: OpaquePointer? = unsafe parameters.withUnsafeArguments { values, lengths, formats in
            unsafe PQexecPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0)
        }
        roundTrips += 1
        return try unsafe rows(of: result)
    }

    func executeScript(_ sql: String) throws(StoreError) {
        try ensureConnected()
        roundTrips += 1
        _ = try unsafe rows(of: PQexec(handle, sql))
    }

    var changes: Int { lastChanges }

    var isInTransaction: Bool { transactionOpen }

    // MARK: Transactions

    /// `BEGIN`, then the one write lock (``writeLockKey``): a read-then-write block cannot interleave with
    /// another's on any node, and waits at most ``lockTimeout`` for it.
    ///
    /// Both go in one round trip: a simple query may hold several statements, which the server runs in order,
    /// stopping at the first error ("If a multiple-statement query fails, … the remaining statements are not
    /// executed", PostgreSQL's protocol documentation). The key is our constant, not a bound value.
    func beginWrite() throws(StoreError) {
        try ensureConnected()
        do {
            try simple("BEGIN; SELECT pg_advisory_xact_lock(\(Self.writeLockKey))")
        } catch {
            rollback()  // the BEGIN may have run
            throw error
        }
        transactionOpen = true
    }

    /// `BEGIN` without the write lock: the transaction's `SELECT … FOR UPDATE`s are its guard.
    func beginRowLocking() throws(StoreError) {
        try begin("BEGIN")
    }

    /// `REPEATABLE READ, READ ONLY`: one snapshot for every statement; with a `timeout`, `statement_timeout`
    /// for this transaction only.
    func beginReadOnly(timeout: Duration?) throws(StoreError) {
        try begin("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        guard let timeout else { return }
        let milliseconds = max(1, timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        do {
            try simple("SET LOCAL statement_timeout = \(milliseconds)")
        } catch {
            rollback()
            throw error
        }
    }

    private func begin(_ statement: String) throws(StoreError) {
        try ensureConnected()
        try simple(statement)
        transactionOpen = true
    }

    /// PostgreSQL answers `COMMIT` on a failed transaction with `ROLLBACK`: that is an error here.
    func commit() throws(StoreError) {
        guard !transactionLost else { throw StoreError(kind: .unavailable, message: "connection lost in transaction") }
        let result = unsafe PQexec(handle, "COMMIT")
        roundTrips += 1
        defer { unsafe PQclear(result) }
        try unsafe check(result)
        transactionOpen = false
        if let status = unsafe PQcmdStatus(result), unsafe String(cString: status) == "ROLLBACK" {
            throw StoreError(kind: .postgresql(sqlstate: "25P02"), message: "the transaction failed and was rolled back")
        }
    }

    func rollback() {
        defer {
            transactionOpen = false
            transactionLost = false
        }
        guard unsafe PQstatus(handle) == CONNECTION_OK,
            unsafe PQtransactionStatus(handle) != PQTRANS_IDLE
        else { return }
        unsafe PQclear(PQexec(handle, "ROLLBACK"))
        roundTrips += 1
    }

    // MARK: Schema

    func tableExists(_ name: String) throws(StoreError) -> Bool {
        try !query(
            "SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?", bindings: [.text(name)]
        ).isEmpty
    }

    func tableNames() throws(StoreError) -> [String] {
        try query("SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()", bindings: [])
            .compactMap { row in
                if case .text(let name) = row["name"] { return name }
                return nil
            }
    }

    func sizeBytes() throws(StoreError) -> Int64 {
        let size = try query("SELECT pg_database_size(current_database()) AS size", bindings: []).first?["size"]
        guard case .integer(let bytes) = size else { throw StoreError.typeMismatch("pg_database_size") }
        return bytes
    }

    /// The server's version and the sessions open on this database (every node's workers).
    func details() throws(StoreError) -> [String: Value] {
        let row = try query(
            """
            SELECT current_setting('server_version') AS server_version,
                   (SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()) AS connections
            """, bindings: [])
        return ["server_version": row.first?["server_version"] ?? .null, "connections": row.first?["connections"] ?? .null]
    }

    // MARK: Statements

    private struct StatementKey: Hashable {
        let sql: String
        let kinds: [Parameters.Kind]
    }

    /// Reconnects a broken connection, unless a transaction was open on it.
    private func ensureConnected() throws(StoreError) {
        if transactionLost {
            throw StoreError(kind: .unavailable, message: "connection lost in transaction")
        }
        guard unsafe PQstatus(handle) != CONNECTION_OK else { return }
        statements.removeAll()
        unsafe PQreset(handle)
        guard unsafe PQstatus(handle) == CONNECTION_OK else {
            throw StoreError(kind: .unavailable, message: "reconnect: \(errorMessage())")
        }
        try configure()
    }

    /// The name of `sql` prepared for values of these kinds, preparing it on first use.
    ///
    /// Where the server cannot type a NULL from its context (`?1 IS NULL`) it is prepared again as text.
    private func prepared(_ sql: String, _ parameters: Parameters) throws(StoreError) -> String {
        let key = StatementKey(sql: sql, kinds: parameters.kinds)
        if let name = statements[key] { return name }
        let placeholders = Placeholders(sql)
        guard placeholders.count == parameters.count else {
            throw StoreError(
                kind: .constraint,
                message: "statement takes \(placeholders.count) parameter(s), \(parameters.count) bound")
        }
        let name = "gh\(nextStatementNumber)"
        nextStatementNumber += 1
        // A failed PREPARE aborts an open transaction: a savepoint keeps the transaction for the second try.
        let guarded = transactionOpen && parameters.kinds.contains(.null)
        if guarded { try simple("SAVEPOINT gatehouse_prepare") }
        do {
            try prepare(name, placeholders.sql, types: parameters.types(nullsAs: 0))
        } catch let error
            where error.kind == .postgresql(sqlstate: "42P18") || error.kind == .postgresql(sqlstate: "42P08")
        {
            // "could not determine data type of parameter": a NULL whose type nothing around it decides.
            if guarded { try simple("ROLLBACK TO SAVEPOINT gatehouse_prepare") }
            try prepare(name, placeholders.sql, types: parameters.types(nullsAs: Parameters.textOID))
        }
        if guarded { try simple("RELEASE SAVEPOINT gatehouse_prepare") }
        statements[key] = name
        return name
    }

    private func prepare(_ name: String, _ sql: String, types: [UInt32]) throws(StoreError) {
        let result = unsafe types.withUnsafeBufferPointer { types in
            unsafe PQprepare(handle, name, sql, Int32(types.count), types.baseAddress)
        }
        roundTrips += 1
        defer { unsafe PQclear(result) }
        try unsafe check(result)
    }

    /// Runs a statement without parameters and discards what it returns.
    private func simple(_ sql: String) throws(StoreError) {
        let result = unsafe PQexec(handle, sql)
        roundTrips += 1
        defer { unsafe PQclear(result) }
        try unsafe check(result)
    }

    /// Throws the ``StoreError`` a failed result stands for; a broken connection is ``StoreError/unavailable``.
    private func check(_ result: OpaquePointer?) throws(StoreError) {
        let status = unsafe result.map { unsafe PQresultStatus($0) } ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY { return }
        guard unsafe PQstatus(handle) == CONNECTION_OK, let result = unsafe result else {
            connectionLost()
            throw StoreError(kind: .unavailable, message: "connection lost: \(errorMessage())")
        }
        let sqlstate = unsafe PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { unsafe String(cString: $0) }
        // The primary message only: the DETAIL line repeats the values of a refused key ("Key (email)=(…)").
        let message = unsafe PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { unsafe String(cString: $0) } ?? ""
        guard let sqlstate else {
            throw StoreError(kind: .unavailable, message: "no SQLSTATE: \(message)")
        }
        let error = PostgreSQLError.storeError(sqlstate: sqlstate, message: message)
        if error.kind == .unavailable { connectionLost() }
        throw error
    }

    private func connectionLost() {
        statements.removeAll()
        if transactionOpen { transactionLost = true }
    }

    /// The rows of a finished statement, which this clears.
    private func rows(of result: OpaquePointer?) throws(StoreError) -> [Row] {
        defer { unsafe PQclear(result) }
        try unsafe check(result)
        guard let result = unsafe result else { return [] }
        if let tuples = unsafe PQcmdTuples(result), unsafe tuples.pointee != 0,
            let status = unsafe PQcmdStatus(result)
        {
            let command = unsafe String(cString: status)
            if command.hasPrefix("INSERT") || command.hasPrefix("UPDATE") || command.hasPrefix("DELETE")
                || command.hasPrefix("MERGE")
            {
                lastChanges = Int(unsafe String(cString: tuples)) ?? 0
            }
        }
        return unsafe ResultRows.read(result)
    }

    private func errorMessage() -> String {
        unsafe PQerrorMessage(handle).map { unsafe String(cString: $0) }?.trimmingTrailingWhitespace() ?? ""
    }
}

/// Calls `body` with a NULL-terminated array of C strings for `strings`, valid only inside it.
private func withCStringArray<T>(
    _ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T
) -> T {
    var bytes: [CChar] = []
    var offsets: [Int] = []
    for string in strings {
        offsets.append(bytes.count)
        bytes.append(contentsOf: string.utf8CString)
    }
    return unsafe bytes.withUnsafeBufferPointer { buffer in
        var pointers: [UnsafePointer<CChar>?] = unsafe offsets.map { unsafe buffer.baseAddress! + $0 }
        unsafe pointers.append(nil)
        return unsafe pointers.withUnsafeBufferPointer { unsafe body($0.baseAddress!) }
    }
}

extension String {
    fileprivate func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while text.last?.isWhitespace == true { text = text.dropLast() }
        return String(text)
    }
}

// One connection per worker process; never crosses threads.
@available(*, unavailable)
extension PostgreSQLConnection: Sendable {}
