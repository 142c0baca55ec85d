import Foundation
import Testing

@testable import Store

/// `/connection/rpc` on PostgreSQL: the functions of `RPC_SCHEMA`, looked up in the catalog, called by name with
/// typed, bound arguments in a read-only transaction (docs/RPC.md).
@Suite(.enabled(if: postgresAdminURL != nil, "needs GATEHOUSE_TEST_POSTGRES_URL"))
struct PostgreSQLProceduresTests {
    static let schema = """
        CREATE SCHEMA gatehouse_rpc;
        CREATE DOMAIN gatehouse_rpc.positive AS integer CHECK (VALUE > 0);
        CREATE TABLE gatehouse_rpc.notes (note text);
        CREATE FUNCTION gatehouse_rpc.add(a integer, b integer DEFAULT 1) RETURNS integer
            LANGUAGE sql AS 'SELECT a + b';
        CREATE FUNCTION gatehouse_rpc.echo(i smallint, flag boolean, t text, doc jsonb, bytes bytea, id uuid,
                                           amount numeric, day date DEFAULT '2025-01-01')
            RETURNS TABLE (i smallint, flag boolean, t text, doc jsonb, bytes bytea, id uuid, amount numeric, day date)
            LANGUAGE sql AS 'SELECT i, flag, t, doc, bytes, id, amount, day';
        CREATE FUNCTION gatehouse_rpc.pos(p gatehouse_rpc.positive) RETURNS integer LANGUAGE sql AS 'SELECT p';
        CREATE FUNCTION gatehouse_rpc.users_named(pattern text) RETURNS SETOF users
            LANGUAGE sql STABLE AS 'SELECT * FROM users WHERE name LIKE pattern ORDER BY email';
        CREATE FUNCTION gatehouse_rpc.writes(note text) RETURNS integer LANGUAGE plpgsql AS
            'BEGIN INSERT INTO gatehouse_rpc.notes VALUES (note); RETURN 1; END';
        CREATE FUNCTION gatehouse_rpc.sleepy(seconds double precision) RETURNS integer
            LANGUAGE sql AS 'SELECT 1 FROM pg_sleep(seconds)';
        CREATE FUNCTION gatehouse_rpc.dup(a integer) RETURNS integer LANGUAGE sql AS 'SELECT a';
        CREATE FUNCTION gatehouse_rpc.dup(a text) RETURNS text LANGUAGE sql AS 'SELECT a';
        CREATE FUNCTION gatehouse_rpc.many(VARIADIC xs integer[]) RETURNS integer LANGUAGE sql AS 'SELECT 1';
        CREATE FUNCTION gatehouse_rpc.unnamed(integer) RETURNS integer LANGUAGE sql AS 'SELECT $1';
        CREATE FUNCTION gatehouse_rpc.anything(x anyelement) RETURNS integer LANGUAGE sql AS 'SELECT 1';
        CREATE FUNCTION gatehouse_rpc.bare() RETURNS SETOF record LANGUAGE sql AS 'SELECT 1, 2';
        CREATE PROCEDURE gatehouse_rpc.proc(a integer) LANGUAGE sql AS 'SELECT a';
        CREATE FUNCTION public.outside() RETURNS integer LANGUAGE sql AS 'SELECT 1';
        """

    func withProcedures<T>(
        timeout: Duration = .seconds(2), _ body: (RemoteProcedures, Database) throws -> T
    ) throws -> T {
        try withDatabase(.postgresql) { db in
            try db.executeScript(Self.schema)
            let procedures = try RemoteProcedures(database: db, settings: .init(timeout: timeout))
            return try body(procedures, db)
        }
    }

    func callError(
        _ procedures: RemoteProcedures, _ name: String, _ arguments: [String: ProcedureArgument] = [:]
    ) -> StoreError? {
        do {
            _ = try procedures.call(name, arguments: arguments)
            return nil
        } catch {
            return error as? StoreError
        }
    }

    @Test("a function is called with named arguments; a parameter with a default may be left out")
    func namedArguments() throws {
        try withProcedures { procedures, db in
            #expect(procedures.loadedFunctions.isEmpty)
            #expect(try procedures.call("add", arguments: ["a": .integer(2), "b": .integer(40)]) ==
                [Row(columns: ["add"], values: [42])])
            #expect(try procedures.call("add", arguments: ["a": .integer(2)]).first?.values == [3])
            _ = try Users(db: db).insert(email: "ada@example.com", name: "Ada", passwordHash: nil, now: t0)
            _ = try Users(db: db).insert(email: "bob@example.com", name: "Bob", passwordHash: nil, now: t0)
            let users = try procedures.call("users_named", arguments: ["pattern": .string("A%")])
            #expect(users.map { $0["email"] } == ["ada@example.com"])
        }
    }

    @Test("each JSON value is converted to its parameter's type and comes back in the row")
    func types() throws {
        try withProcedures { procedures, _ in
            let id = "0b3c8f2e-7c1a-4e8e-9a55-2f1c6a3d9e10"
            let row = try #require(
                try procedures.call(
                    "echo",
                    arguments: [
                        "i": .number(7.0), "flag": .bool(true), "t": .string("x'y"), "doc": .json(#"{"a":[1,2]}"#),
                        "bytes": .string("AP8="), "id": .string(id), "amount": .number(12.5),
                    ]
                ).first)
            #expect(row.columns == ["i", "flag", "t", "doc", "bytes", "id", "amount", "day"])
            #expect(row.values == [7, 1, "x'y", #"{"a": [1, 2]}"#, .blob([0, 255]), .text(id), 12.5, "2025-01-01"])
            let nulls = try #require(
                try procedures.call(
                    "echo",
                    arguments: [
                        "i": .null, "flag": .null, "t": .null, "doc": .null, "bytes": .null, "id": .null,
                        "amount": .null, "day": .null,
                    ]
                ).first)
            #expect(nulls.values.allSatisfy { $0 == .null })
            #expect(try procedures.call("echo", arguments: [
                "i": .integer(1), "flag": .bool(false), "t": .string(""), "doc": .string("s"), "bytes": .string(""),
                "id": .string(id), "amount": .integer(3),
            ]).first?.values[1...3] == [0, "", #""s""#])
        }
    }

    @Test("missing, unknown and ill-typed arguments are named; so is a value the server itself refuses")
    func badArguments() throws {
        try withProcedures { procedures, _ in
            let injected = #"a" => 1); DROP TABLE users; --"#
            let error = callError(procedures, "add", ["b": .string("1"), injected: .integer(1)])
            #expect(error == .invalidArguments)
            #expect(error?.argumentProblems == [
                .init(argument: "a", message: "is required"),
                .init(argument: "b", message: "must be an integer"),
                .init(argument: injected, message: "is not an argument of add"),
            ])
            #expect(callError(procedures, "add", ["a": .integer(Int64(Int32.max) + 1)])?.argumentProblems.first?.message
                == "must be an integer from -2147483648 to 2147483647")
            let base = ["i": ProcedureArgument.integer(1), "flag": .bool(true), "t": .string("x"), "doc": .null,
                        "bytes": .null, "id": .string("not-a-uuid"), "amount": .integer(1)]
            #expect(callError(procedures, "echo", base)?.argumentProblems == [
                .init(argument: "id", message: "is not a valid uuid")
            ])
            var withNUL = base
            withNUL["id"] = .null
            withNUL["t"] = .string("a\u{0}b")
            #expect(callError(procedures, "echo", withNUL)?.argumentProblems == [
                .init(argument: "t", message: "must not contain a NUL character")
            ])
            #expect(callError(procedures, "pos", ["p": .integer(-1)])?.argumentProblems == [
                .init(argument: "p", message: "is not a valid gatehouse_rpc.positive")
            ])
            let positive = try procedures.call("pos", arguments: ["p": .integer(5)])
            #expect(positive.first?.values == [5])
        }
    }

    @Test(
        "names outside the schema, overloaded names and what cannot be called by name are not found",
        arguments: [
            "missing", "pg_sleep", "pg_catalog.pg_sleep", "outside", "public.outside", "dup", "many", "unnamed",
            "anything", "bare", "proc", "ADD", "add;", "\"add\"",
        ])
    func notCallable(name: String) throws {
        try withProcedures { procedures, _ in
            #expect(callError(procedures, name) == .notFound)
        }
    }

    @Test("a function that writes is refused as read-only, and writes nothing")
    func writesAreRefused() throws {
        try withProcedures { procedures, db in
            #expect(callError(procedures, "writes", ["note": .string("x")]) == .readOnly)
            let notes = try db.queryOne("SELECT count(*) AS n FROM gatehouse_rpc.notes")?.get("n", as: Int.self)
            #expect(notes == 0)
        }
    }

    @Test("a call running past the timeout is cancelled, and the connection is usable afterwards")
    func timeout() throws {
        try withProcedures(timeout: .milliseconds(200)) { procedures, db in
            let started = ContinuousClock.now
            #expect(callError(procedures, "sleepy", ["seconds": .integer(30)]) == .timeout)
            // Uncancelled, the call would take 30 s: the bound allows a busy machine.
            #expect(started.duration(to: .now) < .seconds(10))
            #expect(try procedures.call("sleepy", arguments: ["seconds": .number(0.01)]).first?.values == [1])
            _ = try Users(db: db).insert(email: "ada@example.com", name: "Ada", passwordHash: nil, now: t0)
        }
    }

    @Test("a schema that does not exist is an empty allowlist")
    func missingSchema() throws {
        try withDatabase(.postgresql) { db in
            let procedures = try RemoteProcedures(database: db, settings: .init(schema: "gatehouse_rpc"))
            #expect(callError(procedures, "add", ["a": .integer(1)]) == .notFound)
        }
    }
}
