import Foundation
import Testing

@testable import Store

/// `/connection/rpc` on SQLite: the query files of a real `RPC_DIR`, checked by SQLite when loaded, then called
/// read-only within their timeout (docs/RPC.md).
@Suite struct RemoteProceduresTests {
    /// A migrated in-memory database, and `files` written into a fresh `RPC_DIR` (mode 0644).
    func withProcedures<T>(
        _ files: [String: String], timeout: Duration = .seconds(2),
        _ body: (RemoteProcedures, Database) throws -> T
    ) throws -> T {
        try withTemporaryDirectory { directory in
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
            for (name, text) in files {
                let path = directory + "/" + name
                try Data(text.utf8).write(to: URL(fileURLWithPath: path))
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
            }
            return try withDatabase { db in
                let procedures = try RemoteProcedures(
                    database: db, settings: .init(directory: directory, timeout: timeout))
                return try body(procedures, db)
            }
        }
    }

    /// The reason the files are refused at load, or nil when they load.
    func loadRefusal(_ files: [String: String]) throws -> String? {
        do {
            return try withProcedures(files) { _, _ in nil }
        } catch let error as StoreError {
            #expect(error == .invalidQueryFile)
            return error.reason
        }
    }

    /// The error of a call, or nil when it succeeds.
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

    @Test("a query file is called with named arguments and answers its rows, every SQLite type kept")
    func callReturnsRows() throws {
        let files = [
            "by_email.sql": """
                -- One user by email.
                -- :email text
                SELECT email, name, is_active FROM users WHERE email = :email
                """,
            "types.sql": "SELECT 1 AS i, 2.5 AS r, 'x' AS t, NULL AS n, x'00ff' AS b",
            "README.md": "not a query file",
        ]
        try withProcedures(files) { procedures, db in
            #expect(procedures.loadedFunctions == ["by_email", "types"])
            _ = try Users(db: db).insert(email: "ada@example.com", name: "Ada", passwordHash: nil, now: t0)
            let rows = try procedures.call("by_email", arguments: ["email": .string("ada@example.com")])
            #expect(rows == [Row(columns: ["email", "name", "is_active"], values: ["ada@example.com", "Ada", 1])])
            #expect(try procedures.call("by_email", arguments: ["email": .string("bob@example.com")]).isEmpty)
            let types = try procedures.call("types", arguments: [:])
            #expect(types.first?.values == [.integer(1), .real(2.5), .text("x"), .null, .blob([0, 255])])
        }
    }

    @Test("a parameter used twice is one argument; declared types convert JSON values")
    func declaredTypes() throws {
        let files = [
            "echo.sql": """
                -- :n integer
                -- :r real
                -- :flag boolean
                -- :bytes blob
                -- :doc json
                SELECT :n AS n, :n + 1 AS next, :r AS r, :flag AS flag, :bytes AS bytes, :doc AS doc, :free AS free
                """,
            "ids.sql": """
                -- :ids json
                SELECT value AS id FROM json_each(:ids) ORDER BY value
                """,
        ]
        try withProcedures(files) { procedures, _ in
            let row = try #require(
                try procedures.call(
                    "echo",
                    arguments: [
                        "n": .number(41.0), "r": .integer(2), "flag": .bool(true), "bytes": .string("AP8="),
                        "doc": .string("a\"b"), "free": .bool(false),
                    ]
                ).first)
            #expect(row.values == [41, 42, 2.0, 1, .blob([0, 255]), .text(#""a\"b""#), 0])
            let ids = try procedures.call("ids", arguments: ["ids": .json("[3,1,2]")])
            #expect(ids.map { $0["id"] } == [1, 2, 3])
            #expect(try procedures.call("echo", arguments: [
                "n": .null, "r": .null, "flag": .null, "bytes": .null, "doc": .null, "free": .null,
            ]).first?.values == [.null, .null, .null, .null, .null, .null, .null])
        }
    }

    @Test("missing, unknown and wrongly typed arguments are all named in one error")
    func badArguments() throws {
        let files = [
            "typed.sql": """
                -- :n integer
                -- :t text
                -- :b boolean
                -- :bytes blob
                SELECT :n AS n, :t AS t, :b AS b, :bytes AS bytes, :free AS free
                """
        ]
        try withProcedures(files) { procedures, _ in
            let error = callError(procedures, "typed", [
                "n": .number(1.5), "b": .integer(1), "bytes": .string("not base64!"), "free": .json("[1]"),
                "zz": .null, "a\"; DROP TABLE users; --": .integer(1),
            ])
            #expect(error == .invalidArguments)
            #expect(error?.argumentProblems == [
                .init(argument: "n", message: "must be an integer"),
                .init(argument: "t", message: "is required"),
                .init(argument: "b", message: "must be true or false"),
                .init(argument: "bytes", message: "must be base64 (RFC 4648, with padding)"),
                .init(argument: "free", message: "must be a string, a number, true, false or null"),
                .init(argument: "a\"; DROP TABLE users; --", message: "is not an argument of typed"),
                .init(argument: "zz", message: "is not an argument of typed"),
            ])
            #expect(callError(procedures, "typed", ["t": .integer(1)])?.argumentProblems.first
                == .init(argument: "n", message: "is required"))
            let many = Dictionary(uniqueKeysWithValues: (0...100).map { ("a\($0)", ProcedureArgument.null) })
            #expect(callError(procedures, "typed", many)?.argumentProblems == [
                .init(argument: "", message: "holds 101 arguments; a function takes at most 100")
            ])
        }
    }

    @Test(
        "a name outside the allowlist is not found, whatever it looks like",
        arguments: ["missing", "../typed", "typed.sql", "/etc/passwd", "pg_catalog.pg_sleep", "TYPED", "", "typed;"])
    func unknownNames(name: String) throws {
        try withProcedures(["typed.sql": "SELECT 1 AS one"]) { procedures, _ in
            #expect(callError(procedures, name) == .notFound)
        }
    }

    @Test("a query running past the timeout is cancelled, and the connection is usable afterwards")
    func timeout() throws {
        let forever = """
            WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c
            """
        try withProcedures(["forever.sql": forever], timeout: .milliseconds(200)) { procedures, db in
            let started = ContinuousClock.now
            #expect(callError(procedures, "forever") == .timeout)
            // The query never ends by itself: any bound tells the deadline from none (this one allows a busy machine).
            #expect(started.duration(to: .now) < .seconds(10))
            #expect(!db.isInTransaction)
            // query_only and the deadline are gone: writes and long reads work again.
            _ = try Users(db: db).insert(email: "ada@example.com", name: "Ada", passwordHash: nil, now: t0)
            #expect(try db.queryOne("SELECT count(*) AS n FROM users")?.get("n", as: Int.self) == 1)
        }
    }

    @Test("inside a call's transaction a write is refused as read-only")
    func readOnlyTransaction() throws {
        try withDatabase { db in
            do {
                try db.readOnly(timeout: .seconds(1)) {
                    try db.execute("INSERT INTO settings (zone, key, value, updated_at) VALUES ('z', 'k', '1', 0)")
                }
                Issue.record("the write went through")
            } catch let error as StoreError {
                #expect(error == .readOnly)
            }
            try db.execute("INSERT INTO settings (zone, key, value, updated_at) VALUES ('z', 'k', '1', 0)")
        }
    }

    @Test(
        "files SQLite does not see as one read-only SELECT are refused at load, naming the file",
        arguments: [
            ("SELECT 1 AS a; SELECT 2 AS b", "holds 2 statements"),
            ("SELECT 1 AS a; DELETE FROM users", "holds 2 statements"),
            ("WITH x AS (SELECT 1) DELETE FROM users", "not read-only"),
            ("WITH x AS (SELECT 1) INSERT INTO settings SELECT 'z', 'k', '1', 0, NULL FROM x", "not read-only"),
            ("SELECT * FROM no_such_table", "no such table"),
            ("SELECT ?", "parameter 1 is ?"),
            ("SELECT ?1", "parameter 1 is ?1"),
            ("SELECT @x", "parameter 1 is @x"),
            ("SELECT $x", "parameter 1 is $x"),
            ("SELECT :a, ?5", "parameter 2 is ?"),
            ("SELECT 1 AS a, 2 AS a", "two columns are named a"),
            ("-- :unused integer\nSELECT 1", "declares :unused"),
            ("SELECT password_hash FROM users WHERE email = :email; --\n", nil),
        ] as [(String, String?)])
    func refusedFiles(text: String, expected: String?) throws {
        let reason = try loadRefusal(["bad.sql": text, "good.sql": "SELECT 1 AS one"])
        guard let expected else {
            #expect(reason == nil, "a trailing comment after the statement is allowed")
            return
        }
        #expect(reason?.hasPrefix("bad.sql: ") == true, "\(reason ?? "loaded")")
        #expect(reason?.contains(expected) == true, "\(reason ?? "loaded")")
    }

    @Test("a file or folder others may write is refused; a missing folder or none is an empty allowlist")
    func folderRules() throws {
        try withTemporaryDirectory { directory in
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
            let path = directory + "/q.sql"
            try Data("SELECT 1 AS one".utf8).write(to: URL(fileURLWithPath: path))
            try withDatabase { db in
                func load(_ folder: String) throws(StoreError) -> [String] {
                    try RemoteProcedures(database: db, settings: .init(directory: folder)).loadedFunctions
                }
                try FileManager.default.setAttributes([.posixPermissions: 0o664], ofItemAtPath: path)
                #expect(throws: StoreError.invalidQueryFile) { try load(directory) }
                try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
                #expect(try load(directory) == ["q"])
                try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: directory)
                #expect(throws: StoreError.invalidQueryFile) { try load(directory) }
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
                #expect(throws: StoreError.invalidQueryFile) { try load(path) }  // a file, not a folder
                #expect(try load(directory + "/missing").isEmpty)
                #expect(try load("").isEmpty)
                try FileManager.default.createDirectory(
                    atPath: directory + "/d.sql", withIntermediateDirectories: false)
                #expect(throws: StoreError.invalidQueryFile) { try load(directory) }
            }
        }
    }
}
