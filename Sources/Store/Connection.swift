/// The database a ``Database`` talks to.
public enum Backend: String, Sendable, CaseIterable {
    case sqlite
    case postgresql
}

/// What the repositories need from one database connection: statements, their rows, and transactions.
///
/// One implementation per backend folder (`SQLite/`, `PostgreSQL/`); everything above this protocol is the same
/// code on both. SQL is written with SQLite's parameter spelling, `?` and `?N` (the PostgreSQL connection
/// rewrites them to `$N`); where the two dialects differ, the repository asks the ``Dialect``.
///
/// A connection is used by one thread only (one per worker process) and never crosses threads.
protocol Connection: AnyObject {
    var backend: Backend { get }
    /// The SQL fragments and schema that differ between backends.
    var dialect: any Dialect { get }

    /// Prepares `sql` (once; statements are cached by their text), binds `bindings` to its parameters in order,
    /// steps it to the end and returns every row it produced.
    /// - Throws: ``StoreError``: `.duplicate`, `.invalidReference`, `.constraint` for refused writes, `.busy`
    ///   when other writers held the database too long, `.unavailable` when the server cannot be reached.
    func query(_ sql: String, bindings: [Value]) throws(StoreError) -> [Row]

    /// Runs several `;`-separated statements without bindings (migrations).
    func executeScript(_ sql: String) throws(StoreError)

    /// The number of rows the last INSERT, UPDATE or DELETE changed.
    var changes: Int { get }

    /// Whether a transaction is open.
    var isInTransaction: Bool { get }

    /// Starts a write transaction in which a read-then-write cannot interleave with another writer's
    /// read-then-write: SQLite's `BEGIN IMMEDIATE` (the one write lock); on PostgreSQL `BEGIN` and then one
    /// transaction-scoped advisory lock every writer of a transaction takes.
    func beginWrite() throws(StoreError)
    /// Starts a write transaction whose read-then-write is guarded by the rows it locks as it reads them
    /// (``Dialect/lockingRows``), not by the one write lock, so such transactions on different rows run side by side
    /// across workers and nodes: on PostgreSQL a plain `BEGIN` (READ COMMITTED; a `SELECT … FOR UPDATE` waits for
    /// the row's other writer and then reads its committed version). SQLite has one write lock only: `BEGIN
    /// IMMEDIATE`, as ``beginWrite()``. Only a unit of work whose every conflict goes through rows it locks may
    /// use it (``Database/rowLockingTransaction(_:)``).
    func beginRowLocking() throws(StoreError)
    /// Starts a read-only transaction in which every statement sees the same snapshot (PostgreSQL: `REPEATABLE
    /// READ`), ended with ``rollback()``. A `timeout` bounds every statement inside it (`/connection/rpc`); a
    /// statement running past it fails with ``StoreError/timeout``.
    func beginReadOnly(timeout: Duration?) throws(StoreError)
    func commit() throws(StoreError)
    /// Ends the open transaction, if any, discarding its writes. Never throws: a connection that cannot roll back
    /// is broken and the next statement says so.
    func rollback()

    /// Whether a table of this name exists in the database's schema.
    func tableExists(_ name: String) throws(StoreError) -> Bool
    /// The names of the tables the schema holds (for `db copy`), in no particular order.
    func tableNames() throws(StoreError) -> [String]
    /// The columns of `table`'s primary key in key order (`db copy` reads each table in this order, in batches);
    /// empty when the table has none.
    func primaryKey(of table: String) throws(StoreError) -> [String]
    /// Runs `insertRows` (`db copy` filling `table`) so that the rows go in exactly as given, then makes the table
    /// ready for ordinary writes again. Called inside the table's write transaction, so a throw undoes all of it.
    ///
    /// Triggers that count or bump on INSERT (asset counts, authorization epochs) would change copied values, so
    /// they are off while the rows go in: SQLite drops the table's triggers and re-creates them afterwards,
    /// PostgreSQL disables them (`ALTER TABLE … DISABLE TRIGGER USER`). Foreign keys stay checked: parents are
    /// copied first. Afterwards PostgreSQL moves each identity column's sequence past the copied ids (SQLite's
    /// AUTOINCREMENT already counts inserted ids).
    func bulkCopy(into table: String, _ insertRows: () throws(StoreError) -> Void) throws(StoreError)
    /// Bytes the database occupies (SQLite: pages × page size; PostgreSQL: `pg_database_size`).
    func sizeBytes() throws(StoreError) -> Int64
    /// What `/connection/stats` reports about this backend beside its size, by name (SQLite: `wal_size_bytes`;
    /// PostgreSQL: `server_version`, `connections`).
    func details() throws(StoreError) -> [String: Value]
}

/// The SQL that differs between backends, each in its backend folder (`SQLiteDialect`, `PostgreSQLDialect`).
protocol Dialect: Sendable {
    /// The schema migrations of this backend, with the same identifiers in the same order on both.
    var migrations: [Migrations.Migration] { get }
    /// A table expression with one text column named `value`: the elements of the JSON array bound at `parameter`.
    ///
    ///     "SELECT role FROM user_roles WHERE role IN (SELECT value FROM \(d.jsonTextElements("?")))"
    func jsonTextElements(_ parameter: String) -> String
    /// A boolean expression: `needle` occurs in `haystack`, ASCII case-insensitively.
    func containsIgnoringCase(_ haystack: String, _ needle: String) -> String
    /// The smaller / larger of two numbers (SQLite's two-argument `min`/`max`, PostgreSQL's `LEAST`/`GREATEST`).
    func least(_ a: String, _ b: String) -> String
    func greatest(_ a: String, _ b: String) -> String
    /// `base` times two to the power `exponent`, as a 64-bit integer (`exponent` is at most 32).
    func timesPowerOfTwo(_ base: String, _ exponent: String) -> String
    /// What ends a `SELECT` that locks the rows it reads until the transaction ends, in a transaction begun with
    /// ``Connection/beginRowLocking()``: PostgreSQL's ` FOR UPDATE`; nothing on SQLite, whose write transactions
    /// hold the one write lock anyway.
    var lockingRows: String { get }
    /// What a claiming `SELECT` ends with so that two nodes skip each other's claimed rows: PostgreSQL's
    /// `FOR UPDATE SKIP LOCKED`; nothing on SQLite, whose one writer at a time already serialises claims.
    var skipLocked: String { get }
    /// The functions `/connection/rpc` may call on `connection` (``RemoteProcedures``): SQLite's query files in
    /// `settings.directory`, read and checked now; PostgreSQL's functions of `settings.schema`, looked up per call.
    /// - Throws: ``StoreError/invalidQueryFile`` naming a query file that is not one read-only SELECT.
    func procedureCatalog(
        on connection: any Connection, settings: RemoteProcedures.Settings
    ) throws(StoreError) -> any ProcedureCatalog
}

/// `name` as a double-quoted SQL identifier (both backends' spelling), for the few statements that must name a
/// table or column they read from the schema (`db copy`); every value still goes in as a binding.
///
///     quotedIdentifier("users")  // "\"users\""
func quotedIdentifier(_ name: String) -> String {
    "\"" + name.replacing("\"", with: "\"\"") + "\""
}
