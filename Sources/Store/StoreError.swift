/// The one error type of the Store module (STYLE.md rule 15).
///
/// Equal on the kind only, so callers write `catch let error as StoreError where error == .busy`
/// and tests write `#expect(throws: StoreError.duplicate)`. SQLite codes are mapped to these kinds
/// here, at the Store boundary (rule 20): handlers never see a SQLite code.
public struct StoreError: Error, Equatable, CustomStringConvertible {
    enum Kind: Equatable {
        /// A UNIQUE or PRIMARY KEY constraint refused the write.
        case duplicate
        case notFound
        /// The database stayed locked by other writers for the whole busy timeout (HTTP 503).
        case busy
        /// A CHECK or NOT NULL constraint refused the write.
        case constraint
        /// A row names another row that does not exist (a foreign key, an unknown role).
        case invalidReference
        /// A paging cursor that this code did not produce.
        case invalidCursor
        /// The database holds migrations this code does not know: it was migrated by a newer release.
        case unknownMigrations
        /// A `DATABASE_URL` this code cannot turn into a file path.
        case invalidDatabaseURL
        /// `db copy` will not write into this target or read this source: the target holds rows, or either side
        /// holds a schema this release does not copy.
        case copyRefused
        /// A table's copy did not leave the target with the source's number of rows (its transaction rolled back).
        case copyMismatch
        /// A column held a value of another type than the code expects.
        case typeMismatch
        /// The database server cannot be reached or the connection broke (HTTP 503); the next statement
        /// reconnects.
        case unavailable
        /// A statement ran past its time limit (a `/connection/rpc` call's `RPC_TIMEOUT`).
        case timeout
        /// A statement tried to write inside a read-only transaction (a `/connection/rpc` function that writes), or
        /// to a database that is read-only.
        case readOnly
        /// The arguments of a `/connection/rpc` call do not fit the function: missing, extra or of the wrong type
        /// (``StoreError/argumentProblems`` names each).
        case invalidArguments
        /// A file in `RPC_DIR` that is not one read-only query with named parameters.
        case invalidQueryFile
        /// Any other SQLite failure, with its extended result code.
        case sqlite(code: Int32)
        /// Any other PostgreSQL failure, with its SQLSTATE.
        case postgresql(sqlstate: String)
    }

    let kind: Kind
    /// From `sqlite3_errmsg` or our own text; never bound values.
    let message: String
    /// For ``invalidArguments``: each argument at fault and what is wrong with it.
    public let argumentProblems: [ArgumentProblem]

    /// One argument of a remote procedure call and what is wrong with it.
    public struct ArgumentProblem: Sendable, Equatable {
        /// The argument's name as the call gave it or the function declares it; empty for the arguments as a whole.
        public let argument: String
        public let message: String
    }

    init(kind: Kind, message: String, argumentProblems: [ArgumentProblem] = []) {
        self.kind = kind
        self.message = message
        self.argumentProblems = argumentProblems
    }

    /// The database server cannot be reached (503 `unavailable`); the next statement reconnects.
    public static let unavailable = StoreError(kind: .unavailable, message: "database unavailable")
    /// A statement ran past its time limit.
    public static let timeout = StoreError(kind: .timeout, message: "statement timeout")
    /// A unique value is taken (409 `conflict`).
    public static let duplicate = StoreError(kind: .duplicate, message: "duplicate")
    /// The row to change does not exist (404 `not_found`).
    public static let notFound = StoreError(kind: .notFound, message: "not found")
    /// Other writers held the database for the whole busy timeout (503 `unavailable`).
    public static let busy = StoreError(kind: .busy, message: "database is busy")
    /// A CHECK or NOT NULL constraint refused a value, such as profile text that is not JSON (422).
    public static let constraint = StoreError(kind: .constraint, message: "constraint failed")
    /// A named user, session or role does not exist (422).
    public static let invalidReference = StoreError(kind: .invalidReference, message: "unknown reference")
    /// A paging cursor this code did not produce (400 `invalid_request`).
    public static let invalidCursor = StoreError(kind: .invalidCursor, message: "invalid cursor")
    /// The database was migrated by a newer release; the worker must not start.
    public static let unknownMigrations = StoreError(kind: .unknownMigrations, message: "unknown migrations")
    /// `DATABASE_URL` cannot be turned into a path; startup stops naming the key.
    public static let invalidDatabaseURL = StoreError(kind: .invalidDatabaseURL, message: "invalid database URL")
    /// A write inside a read-only transaction (a remote procedure that writes: 403).
    public static let readOnly = StoreError(kind: .readOnly, message: "read-only transaction")
    /// A remote procedure call's arguments do not fit the function (422, naming each argument).
    public static let invalidArguments = StoreError(kind: .invalidArguments, message: "invalid arguments")
    /// A file in `RPC_DIR` that is not one read-only query; startup and reload stop naming the file.
    public static let invalidQueryFile = StoreError(kind: .invalidQueryFile, message: "invalid query file")
    /// `db copy` refused its source or target before writing a row (the message says why).
    public static let copyRefused = StoreError(kind: .copyRefused, message: "copy refused")

    static func duplicate(_ message: String) -> Self { .init(kind: .duplicate, message: message) }
    static func notFound(_ message: String) -> Self { .init(kind: .notFound, message: message) }
    static func invalidReference(_ message: String) -> Self { .init(kind: .invalidReference, message: message) }
    static func typeMismatch(_ message: String) -> Self { .init(kind: .typeMismatch, message: message) }
    static func invalidQueryFile(_ message: String) -> Self { .init(kind: .invalidQueryFile, message: message) }
    static func invalidArguments(_ problems: [ArgumentProblem]) -> Self {
        .init(
            kind: .invalidArguments, message: problems.map { "\($0.argument): \($0.message)" }.joined(separator: "; "),
            argumentProblems: problems)
    }
    static func copyRefused(_ message: String) -> Self { .init(kind: .copyRefused, message: message) }
    static func copyMismatch(_ message: String) -> Self { .init(kind: .copyMismatch, message: message) }

    /// Whether the caller should answer 503 and let the client retry.
    public var isBusy: Bool { kind == .busy }
    /// Whether the database server could not be reached (503; the next request reconnects).
    public var isUnavailable: Bool { kind == .unavailable }

    /// What went wrong, without the kind: SQLite's or PostgreSQL's message, or our own text (never a bound value).
    /// For a message that names a file or a setting, such as an ``invalidQueryFile``.
    public var reason: String { message }

    /// Equal on the kind only: the message is for logs.
    public static func == (a: Self, b: Self) -> Bool { a.kind == b.kind }
    /// The kind and SQLite's (or our) message, never a bound value.
    public var description: String { "StoreError.\(kind): \(message)" }
}
