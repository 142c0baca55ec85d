import Foundation
import Testing

@testable import Store

@Suite struct DatabaseTests {
    @Test("values round-trip: integers, reals, NULL, blobs, and text with NUL inside")
    func valuesRoundTrip() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v)")
        let values: [Value] = [
            .null, .integer(Int64.min), .integer(Int64.max), .real(-0.5), .text("a\u{0}b\u{0}"), .text(""),
            .text("ünïcødé 🔐"), .blob([0, 1, 0, 255]), .blob([]),
        ]
        for value in values { try db.execute("INSERT INTO t (v) VALUES (?)", value) }
        let read = try db.query("SELECT v FROM t ORDER BY rowid").map { $0["v"] }
        #expect(read == values)
        let length: Int64 = try #require(try db.queryOne("SELECT length(CAST(? AS BLOB)) AS n", "a\u{0}b")).get("n")
        #expect(length == 3)
    }

    @Test("literal conformances and typed getters decode columns")
    func literalsAndGetters() throws {
        let db = try Database(path: ":memory:")
        let row = try #require(
            try db.queryOne("SELECT ? AS i, ? AS r, ? AS s, ? AS b, ? AS n", 42 as Value, 1.5 as Value, "x" as Value,
                true as Value, nil as Value))
        #expect(try row.get("i", as: Int.self) == 42)
        #expect(try row.get("r", as: Double.self) == 1.5)
        #expect(try row.get("s", as: String.self) == "x")
        #expect(try row.get("b", as: Bool.self) == true)
        #expect(try row.get("n", as: String?.self) == nil)
        #expect(throws: StoreError(kind: .typeMismatch, message: "")) { try row.get("s", as: Int.self) }
    }

    @Test("a transaction rolls back and rethrows when its body throws")
    func transactionRollsBack() throws {
        struct Boom: Error {}
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v INTEGER)")
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t (v) VALUES (1)")
                throw Boom()
            }
        }
        #expect(try db.query("SELECT v FROM t").isEmpty)
        #expect(!db.isInTransaction)
        try db.transaction {
            try db.execute("INSERT INTO t (v) VALUES (2)")
            // A nested transaction is a savepoint: its failure undoes only its own work.
            _ = try? db.transaction {
                try db.execute("INSERT INTO t (v) VALUES (3)")
                throw Boom()
            }
        }
        #expect(try db.query("SELECT v FROM t").map { try $0.get("v", as: Int.self) } == [2])
    }

    @Test("double-quoted strings are identifiers only, foreign keys are enforced, one statement per call")
    func connectionSettings() throws {
        let db = try Database(path: ":memory:")
        #expect(throws: StoreError.self) { try db.query("SELECT \"no such column\"") }
        try Migrations.run(on: db)
        #expect(throws: StoreError.invalidReference) {
            try Sessions(db: db).create(userId: "missing", expiresAt: t0, now: t0)
        }
        #expect(throws: StoreError.self) { try db.execute("SELECT 1; SELECT 2") }
        #expect(throws: StoreError.self) { try db.execute("SELECT ?, ?", 1) }
    }

    @Test("a constraint violation maps to a domain error with SQLite's message and no bound values")
    func errorMapping() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE t (v TEXT UNIQUE, n INTEGER CHECK (n > 0))")
        try db.execute("INSERT INTO t (v, n) VALUES (?, 1)", "secret-value")
        do {
            try db.execute("INSERT INTO t (v, n) VALUES (?, 1)", "secret-value")
            Issue.record("no error")
        } catch {
            #expect(error == .duplicate)
            #expect(error.description.contains("UNIQUE constraint failed: t.v"))
            #expect(!error.description.contains("secret-value"))
        }
        #expect(throws: StoreError.constraint) { try db.execute("INSERT INTO t (v, n) VALUES ('x', 0)") }
        #expect(throws: StoreError(kind: .sqlite(code: 1), message: "")) { try db.execute("SELECT * FROM nowhere") }
    }

    @Test("a file database runs in WAL mode and reports its sizes")
    func walAndSizes() throws {
        try withDatabaseFile { path in
            let db = try Database(path: path)
            #expect(try db.queryOne("PRAGMA journal_mode")?["journal_mode"] == .text("wal"))
            #expect(try db.queryOne("PRAGMA synchronous")?["synchronous"] == .integer(1))
            #expect(try db.queryOne("PRAGMA foreign_keys")?["foreign_keys"] == .integer(1))
            try Users(db: db).insert(email: "a@example.com", passwordHash: nil)
            #expect(try db.sizeBytes() > 0)
            #expect(try db.walSizeBytes() > 0)
            #expect(db.changes == 1)
        }
        let memory = try Database(path: ":memory:")
        #expect(try memory.walSizeBytes() == 0)
    }

    @Test("a writer blocked past its busy timeout gets busy, and gets through once the lock is gone")
    func busyTimeout() throws {
        try withDatabaseFile { path in
            let holder = try Database(path: path)
            let waiter = try Database(path: path, busyTimeout: .milliseconds(100))
            try holder.execute("BEGIN IMMEDIATE")
            let started = ContinuousClock.now
            do {
                try waiter.execute("INSERT INTO rate_limits (key, tokens, updated_at) VALUES ('k', 1, 0)")
                Issue.record("the write went through a held lock")
            } catch let error as StoreError {
                #expect(error == .busy && error.isBusy)
            }
            let waited = ContinuousClock.now - started
            #expect(waited >= .milliseconds(100) && waited < .seconds(2))
            #expect(try waiter.query("SELECT * FROM rate_limits").isEmpty, "readers are never blocked in WAL mode")
            try holder.execute("COMMIT")
            try waiter.execute("INSERT INTO rate_limits (key, tokens, updated_at) VALUES ('k', 1, 0)")
        }
    }

    @Test("opening a missing file without the create flag fails")
    func openWithoutCreate() throws {
        try withTemporaryDirectory { directory in
            #expect(throws: StoreError.self) {
                try Database(path: directory + "/missing.db", createIfMissing: false)
            }
            #expect(!FileManager.default.fileExists(atPath: directory + "/missing.db"))
        }
    }

    @Test("a backup is a readable, self-contained copy taken while the source stays open")
    func backup() throws {
        try withDatabaseFile { path in
            let db = try Database(path: path)
            let user = try Users(db: db).insert(email: "a@example.com", passwordHash: "h")
            let destination = (path as NSString).deletingLastPathComponent + "/copy.db"
            try db.backup(to: destination)
            try Users(db: db).insert(email: "b@example.com", passwordHash: "h")
            #expect(!FileManager.default.fileExists(atPath: destination + "-wal"))
            #expect(!FileManager.default.fileExists(atPath: destination + ".partial"))
            let copy = try Database(path: destination, createIfMissing: false)
            try Migrations.checkKnown(on: copy)
            #expect(try Migrations.pending(on: copy).isEmpty)
            #expect(try Users(db: copy).find(email: "a@example.com") == user)
            #expect(try Users(db: copy).count() == 1)
            #expect(try copy.queryOne("PRAGMA integrity_check")?.values.first == .text("ok"))
            // A second backup replaces the first.
            try db.backup(to: destination)
            #expect(try Users(db: Database(path: destination)).count() == 2)
        }
    }

    @Test("a backup to a directory that does not exist fails and leaves nothing behind")
    func backupFailure() throws {
        try withDatabaseFile { path in
            let db = try Database(path: path)
            #expect(throws: StoreError.self) { try db.backup(to: "/nonexistent-dir/x/copy.db") }
        }
    }
}

@Suite struct DatabaseURLTests {
    @Test("DATABASE_URL forms map to paths", arguments: [
        ("sqlite:///var/lib/gatehouse/gatehouse.db", "/var/lib/gatehouse/gatehouse.db"),
        ("sqlite://data/gatehouse.db", "data/gatehouse.db"),
        ("sqlite:gatehouse.db", "gatehouse.db"),
        ("/srv/gatehouse.db", "/srv/gatehouse.db"),
        ("relative/gatehouse.db", "relative/gatehouse.db"),
        ("sqlite::memory:", ":memory:"),
    ])
    func paths(url: String, path: String) throws {
        #expect(try DatabaseURL.path(from: url) == path)
    }

    @Test("other schemes, empty paths and queries are refused", arguments: [
        "mysql://db/gatehouse", "sqlite://", "", "sqlite:///x.db?mode=ro", "file:/x.db",
    ])
    func refused(url: String) {
        #expect(throws: StoreError.invalidDatabaseURL) { try DatabaseURL.path(from: url) }
    }
}
