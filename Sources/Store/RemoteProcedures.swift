/// The functions `POST /connection/rpc` may call, looked up and called the same way on both backends.
///
/// The allowlist is the backend's: on SQLite the query files of `RPC_DIR` (read and checked here, when a worker
/// starts), on PostgreSQL the functions of `RPC_SCHEMA` (looked up in the catalog on every call). A call runs in
/// one read-only transaction bounded by `RPC_TIMEOUT`; names from the request are only ever compared with the
/// allowlist's, and values are only ever bound.
///
///     let procedures = try RemoteProcedures(database: db, settings: .init(directory: "/etc/gatehouse/rpc"))
///     let rows = try procedures.call("active_users", arguments: ["since": .integer(1_750_000_000)])
public final class RemoteProcedures {
    /// `RPC_DIR`, `RPC_SCHEMA` and `RPC_TIMEOUT`.
    public struct Settings: Sendable {
        /// SQLite: the folder of query files; empty for none.
        public var directory: String
        /// PostgreSQL: the schema whose functions are callable.
        public var schema: String
        /// How long a call may run before it is cancelled (``StoreError/timeout``).
        public var timeout: Duration

        public init(directory: String = "", schema: String = "gatehouse_rpc", timeout: Duration = .seconds(2)) {
            self.directory = directory
            self.schema = schema
            self.timeout = timeout
        }
    }

    let database: Database
    let catalog: any ProcedureCatalog
    let timeout: Duration

    /// Prepares the allowlist of `database`'s backend.
    /// - Throws: ``StoreError/invalidQueryFile`` naming the first query file in `RPC_DIR` that is not one read-only
    ///   SELECT with named parameters (SQLite).
    public init(database: Database, settings: Settings) throws(StoreError) {
        self.database = database
        self.timeout = settings.timeout
        catalog = try database.dialect.procedureCatalog(on: database.connection, settings: settings)
    }

    /// The query files loaded, by function name (SQLite); empty on PostgreSQL, whose allowlist is read per call.
    public var loadedFunctions: [String] { catalog.loadedFunctions }

    /// Calls the allowlisted function `name` with named `arguments` and returns its rows.
    /// - Throws: ``StoreError``: `.notFound` for a name outside the allowlist, `.invalidArguments` naming each
    ///   missing, unknown or wrongly typed argument, `.readOnly` when the function tries to write, `.timeout` past
    ///   `RPC_TIMEOUT`.
    public func call(_ name: String, arguments: [String: ProcedureArgument]) throws -> [Row] {
        guard Self.isIdentifier(name) else {
            throw StoreError.notFound("\(name.utf8.count)-byte function name that is not an identifier")
        }
        return try database.readOnly(timeout: timeout) {
            guard let procedure = try catalog.procedure(named: name) else {
                throw StoreError.notFound("no function \(name) in the allowlist")
            }
            return try catalog.call(procedure, arguments: try Self.bind(arguments, to: procedure))
        }
    }

    /// The most arguments a call may pass (PostgreSQL's `FUNC_MAX_ARGS`).
    static let maxArguments = 100

    /// The arguments in the procedure's parameter order (those given; a left-out optional one is not listed).
    /// - Throws: ``StoreError/invalidArguments`` with every problem at once: the function's parameters in order,
    ///   then unknown names alphabetically.
    static func bind(
        _ arguments: [String: ProcedureArgument], to procedure: Procedure
    ) throws(StoreError) -> [BoundArgument] {
        // PostgreSQL's limit; also keeps a body of thousands of made-up names from listing each one back.
        guard arguments.count <= maxArguments else {
            throw .invalidArguments([
                .init(argument: "", message: "holds \(arguments.count) arguments; a function takes at most \(maxArguments)")
            ])
        }
        var bound: [BoundArgument] = []
        var problems: [StoreError.ArgumentProblem] = []
        for parameter in procedure.parameters {
            guard let argument = arguments[parameter.name] else {
                if !parameter.isOptional { problems.append(.init(argument: parameter.name, message: "is required")) }
                continue
            }
            switch parameter.type.value(for: argument) {
            case .success(let value): bound.append(BoundArgument(parameter: parameter, value: value))
            case .failure(let problem): problems.append(.init(argument: parameter.name, message: problem.message))
            }
        }
        let known = Set(procedure.parameters.map(\.name))
        for name in arguments.keys.sorted() where !known.contains(name) {
            problems.append(.init(argument: name, message: "is not an argument of \(procedure.name)"))
        }
        guard problems.isEmpty else { throw .invalidArguments(problems) }
        return bound
    }

    /// `[A-Za-z_][A-Za-z0-9_]*`, at most 63 bytes (PostgreSQL's identifier limit): the only function, parameter
    /// and schema names the allowlist holds, so no other name needs quoting rules or reaches the file system.
    public static func isIdentifier(_ name: Substring) -> Bool {
        guard let first = name.utf8.first, name.utf8.count <= 63 else { return false }
        let isStart = { (byte: UInt8) in byte == UInt8(ascii: "_") || (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
        return isStart(first) && name.utf8.allSatisfy { isStart($0) || (0x30...0x39).contains($0) }
    }

    public static func isIdentifier(_ name: String) -> Bool { isIdentifier(name[...]) }
}

// Holds the worker's database; never crosses threads.
@available(*, unavailable)
extension RemoteProcedures: Sendable {}

/// One argument of a call, as its JSON value.
public enum ProcedureArgument: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A JSON number without fraction or exponent that fits 64 bits.
    case integer(Int64)
    case number(Double)
    case string(String)
    /// A JSON array or object, as JSON text.
    case json(String)
}

/// The allowlist of one backend (`SQLiteProcedures`, `PostgreSQLProcedures`), made by
/// ``Dialect/procedureCatalog(on:settings:)``.
protocol ProcedureCatalog {
    /// The function `name` (an identifier), or nil when the allowlist has none of that name. Runs inside the
    /// call's read-only transaction.
    /// - Throws: ``StoreError/notFound`` with the reason when a function of that name exists but cannot be called
    ///   (PostgreSQL: overloaded, variadic, a procedure, …).
    func procedure(named name: String) throws(StoreError) -> Procedure?
    /// Runs `procedure` with `arguments` (in its parameter order) and returns every row.
    func call(_ procedure: Procedure, arguments: [BoundArgument]) throws(StoreError) -> [Row]
    /// The function names loaded up front (query files), for logs.
    var loadedFunctions: [String] { get }
}

/// A function of the allowlist: its name and parameters.
struct Procedure: Sendable, Equatable {
    let name: String
    let parameters: [ProcedureParameter]
}

/// One named parameter of a ``Procedure``.
struct ProcedureParameter: Sendable, Equatable {
    let name: String
    let type: ParameterType
    /// The type as the backend spells it (PostgreSQL casts the argument to it; SQLite's declared type name).
    let typeName: String
    /// A PostgreSQL parameter with a default: the call may leave it out.
    let isOptional: Bool
    /// PostgreSQL: the database itself must check the value before the call (types cast from text, domains), so a
    /// refused value is reported on this argument.
    let checksValue: Bool

    init(name: String, type: ParameterType, typeName: String, isOptional: Bool = false, checksValue: Bool = false) {
        self.name = name
        self.type = type
        self.typeName = typeName
        self.isOptional = isOptional
        self.checksValue = checksValue
    }
}

/// An argument converted for its parameter.
struct BoundArgument: Sendable, Equatable {
    let parameter: ProcedureParameter
    let value: Value
}
