/// The PostgreSQL allowlist of `/connection/rpc`: the functions of `RPC_SCHEMA`, looked up in `pg_proc` on every
/// call (inside the call's read-only transaction), so `CREATE FUNCTION` and `DROP FUNCTION` take effect at once.
///
/// A function is called by its schema-qualified, quoted name with named arguments, each cast to the declared type
/// of its parameter: `SELECT * FROM "gatehouse_rpc"."active_users"("since" => CAST($1 AS bigint))`. Names in that
/// text come from the catalog, never from the request (the request's names are only compared with them), and
/// values are only bound. Functions of any other schema (`pg_catalog.pg_sleep`) cannot be named at all.
///
/// Not callable, and answered as not found with the reason logged: an overloaded name (which function a caller
/// means is not guessed), procedures, aggregates and window functions, VARIADIC functions, unnamed or pseudo-typed
/// parameters, trigger functions, and functions returning bare `record`.
final class PostgreSQLProcedures: ProcedureCatalog {
    private let connection: any Connection
    private let schema: String

    init(connection: any Connection, schema: String) {
        self.connection = connection
        self.schema = schema
    }

    var loadedFunctions: [String] { [] }

    /// One row per input-or-output parameter of every function named `name` in the schema (one row with a NULL
    /// position for a function without parameters). Booleans come back as integers, types by OID.
    static let lookup = """
        SELECT p.oid::bigint AS function_oid, p.prokind::text AS kind, (p.provariadic <> 0)::int AS variadic,
               p.pronargs::int AS input_count, p.pronargdefaults::int AS default_count,
               (p.prorettype IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype))::int AS trigger,
               (p.prorettype = 'pg_catalog.record'::regtype AND p.proallargtypes IS NULL)::int AS bare_record,
               a.position::int AS position, a.name AS name, coalesce(a.mode::text, 'i') AS mode,
               pg_catalog.format_type(a.type, NULL) AS type_name, t.typtype::text AS type_kind,
               a.type::bigint AS type_oid, coalesce(nullif(t.typbasetype, 0), a.type)::bigint AS base_type
        FROM pg_catalog.pg_proc p
        JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
        LEFT JOIN LATERAL unnest(coalesce(p.proallargtypes, p.proargtypes::oid[]), p.proargnames, p.proargmodes)
            WITH ORDINALITY AS a(type, name, mode, position) ON true
        LEFT JOIN pg_catalog.pg_type t ON t.oid = a.type
        WHERE n.nspname = ? AND p.proname = ?
        ORDER BY p.oid, a.position
        """

    func procedure(named name: String) throws(StoreError) -> Procedure? {
        let rows = try connection.query(Self.lookup, bindings: [.text(schema), .text(name)])
        guard let first = rows.first else { return nil }
        let qualified = "\(schema).\(name)"
        let functions = Set(rows.map { $0["function_oid"] })
        guard functions.count == 1 else {
            throw .notFound("\(qualified) is overloaded (\(functions.count) functions); RPC calls unique names only")
        }
        switch first["kind"] {
        case .text("f"): break
        case .text("p"): throw .notFound("\(qualified) is a procedure; RPC calls functions")
        default: throw .notFound("\(qualified) is an aggregate or window function")
        }
        guard first["variadic"] == 0 else { throw .notFound("\(qualified) takes VARIADIC arguments") }
        guard first["trigger"] == 0 else { throw .notFound("\(qualified) is a trigger function") }
        guard first["bare_record"] == 0 else {
            throw .notFound("\(qualified) returns record without naming its columns (use OUT parameters or TABLE)")
        }
        guard case .integer(let inputCount) = first["input_count"],
            case .integer(let defaultCount) = first["default_count"]
        else { throw StoreError.typeMismatch("pg_proc of \(qualified)") }
        // Input parameters: IN and INOUT ('v' is VARIADIC, refused above); OUT and TABLE columns are results.
        let inputs = rows.filter { $0["position"] != .null && ($0["mode"] == "i" || $0["mode"] == "b") }
        guard inputs.count == inputCount else { throw StoreError.typeMismatch("pg_proc arguments of \(qualified)") }
        var parameters: [ProcedureParameter] = []
        for (index, input) in inputs.enumerated() {
            guard case .text(let parameter) = input["name"], !parameter.isEmpty else {
                throw .notFound("\(qualified) has an unnamed parameter (\(index + 1)); RPC passes arguments by name")
            }
            guard case .text(let typeName) = input["type_name"], input["type_kind"] != "p",
                case .integer(let baseType) = input["base_type"]
            else {
                throw .notFound("\(qualified): parameter \(parameter) has a pseudo-type, which no JSON value gives")
            }
            let type = Self.parameterType(baseType: baseType)
            parameters.append(
                ProcedureParameter(
                    name: parameter, type: type, typeName: typeName,
                    isOptional: index >= inputCount - defaultCount,
                    // A domain checks its own constraints; other types are parsed from text by the server.
                    checksValue: type == .castFromText || input["type_oid"] != input["base_type"]))
        }
        return Procedure(name: name, parameters: parameters)
    }

    func call(_ procedure: Procedure, arguments: [BoundArgument]) throws(StoreError) -> [Row] {
        // PostgreSQL text cannot hold NUL (SQLite's can): the argument is refused by name, not the call as a whole.
        let problems = arguments.compactMap { argument -> StoreError.ArgumentProblem? in
            guard case .text(let text) = argument.value, text.utf8.contains(0) else { return nil }
            return .init(argument: argument.parameter.name, message: "must not contain a NUL character")
        }
        guard problems.isEmpty else { throw .invalidArguments(problems) }
        for argument in arguments where argument.parameter.checksValue && argument.value != .null {
            try check(argument)
        }
        let list = arguments.map { "\(quotedIdentifier($0.parameter.name)) => \(Self.cast($0.parameter))" }
        let function = quotedIdentifier(schema) + "." + quotedIdentifier(procedure.name)
        let sql = "SELECT * FROM \(function)(\(list.joined(separator: ", ")))"
        return try connection.query(sql, bindings: arguments.map(\.value))
    }

    /// Has the server convert one argument alone, so a value it refuses (`invalid input syntax for type uuid`, a
    /// domain's CHECK) is reported on that argument rather than failing the call as a whole.
    private func check(_ argument: BoundArgument) throws(StoreError) {
        do {
            _ = try connection.query(
                "SELECT \(Self.cast(argument.parameter)) IS NULL AS refused", bindings: [argument.value])
        } catch let error where Self.isRefusedValue(error) {
            throw .invalidArguments([
                .init(argument: argument.parameter.name, message: "is not a valid \(argument.parameter.typeName)")
            ])
        }
    }

    /// Data exceptions (class 22) and integrity constraints (class 23, a domain's CHECK or NOT NULL).
    private static func isRefusedValue(_ error: StoreError) -> Bool {
        if error == .constraint { return true }
        guard case .postgresql(let sqlstate) = error.kind else { return false }
        return sqlstate.hasPrefix("22") || sqlstate.hasPrefix("23")
    }

    /// The placeholder cast to the parameter's declared type. A boolean arrives bound as the integer 1 or 0, and
    /// PostgreSQL casts `integer`, not `bigint`, to `boolean`.
    static func cast(_ parameter: ProcedureParameter) -> String {
        let placeholder = parameter.type == .boolean ? "CAST(? AS integer)" : "?"
        return "CAST(\(placeholder) AS \(parameter.typeName))"
    }

    /// What a JSON argument must be for a parameter whose type (or a domain's base type) has this OID.
    static func parameterType(baseType: Int64) -> ParameterType {
        switch baseType {
        case 21: .integer(Int64(Int16.min)...Int64(Int16.max))  // smallint
        case 23: .integer(Int64(Int32.min)...Int64(Int32.max))  // integer
        case 20: .integer(Int64.min...Int64.max)  // bigint
        case 700, 701, 1700: .real  // real, double precision, numeric
        case 25, 1043, 1042, 19: .text  // text, character varying, character, name
        case 16: .boolean
        case 114, 3802: .json  // json, jsonb
        case 17: .blob  // bytea
        default: .castFromText
        }
    }
}

// Holds the worker's connection; never crosses threads.
@available(*, unavailable)
extension PostgreSQLProcedures: Sendable {}
