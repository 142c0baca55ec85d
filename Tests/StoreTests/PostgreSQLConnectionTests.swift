import Foundation
import Testing

@testable import Store

/// The parts of the PostgreSQL connection the shared suites cannot see: parameter spelling, types, errors,
/// reconnection, the write lock and statement timeouts. The suites below need a server
/// (`GATEHOUSE_TEST_POSTGRES_URL`, set by `scripts/with-postgres.sh`); the placeholder tests do not.
@Suite struct PlaceholdersTests {
    @Test("? and ?N become $N as SQLite numbers them; quotes and comments keep their question marks", arguments: [
        ("SELECT ?", "SELECT $1", 1),
        ("SELECT ?, ?, ?", "SELECT $1, $2, $3", 3),
        ("SELECT ?2, ?1, ?", "SELECT $2, $1, $3", 3),
        ("WHERE a = ?1 AND (?1 IS NULL OR b = ?12)", "WHERE a = $1 AND ($1 IS NULL OR b = $12)", 12),
        ("SELECT '?', \"a?\", ? -- why?\n, ? /* ?? */", "SELECT '?', \"a?\", $1 -- why?\n, $2 /* ?? */", 2),
        ("SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1),
        ("SELECT 5-?, 6/?", "SELECT 5-$1, 6/$2", 2),
        ("SELECT 1", "SELECT 1", 0),
    ])
    func rewrites(sqlite: String, postgres: String, count: Int) {
        let placeholders = Placeholders(sqlite)
        #expect(placeholders.sql == postgres)
        #expect(placeholders.count == count)
    }

    @Test("a test URL's database name is replaced, keeping its query")
    func testURLs() {
        #expect(postgresURL("postgresql://postgres@/postgres?host=/tmp/x", database: "t1")
            == "postgresql://postgres@/t1?host=/tmp/x")
        #expect(postgresURL("postgresql://u:p@db:5433/main", database: "t2") == "postgresql://u:p@db:5433/t2")
        #expect(postgresURL("postgresql://db", database: "t3") == "postgresql://db/t3")
    }
}

@Suite(.enabled(if: postgresAdminURL != nil, "needs GATEHOUSE_TEST_POSTGRES_URL"))
struct PostgreSQLConnectionTests {
    @Test("values round-trip with the types they bind as; text with a NUL is refused, not cut short")
    func valuesRoundTrip() throws {
        try withEmptyDatabaseURL(.postgresql) { url in
            let db = try Database.open(url: url)
            try db.execute("CREATE TABLE t (n BIGINT, i BIGINT, r DOUBLE PRECISION, s TEXT, b BYTEA)")
            let rows: [[Value]] = [
                [1, .integer(Int64.min), .real(-0.5), .text("ünïcødé 🔐"), .blob([0, 1, 0, 255])],
                [2, .integer(Int64.max), .real(1e300), .text(""), .blob([])],
                [3, .null, .null, .null, .null],
            ]
            for row in rows { try db.execute("INSERT INTO t (n, i, r, s, b) VALUES (?, ?, ?, ?, ?)", bindings: row) }
            let read = try db.query("SELECT n, i, r, s, b FROM t ORDER BY n").map(\.values)
            #expect(read == rows)
            #expect(throws: StoreError.constraint) { try db.execute("INSERT INTO t (s) VALUES (?)", "a\u{0}b") }
            // What SQLite's SQL relies on: booleans read as 1/0, sum() as an integer, a NULL typed by its context.
            let row = try #require(try db.queryOne(
                """
                SELECT 1 < 2 AS yes, (SELECT sum(i) FROM t WHERE n = 3) AS nothing, (SELECT sum(n) FROM t) AS total,
                       ? IS NULL AS unset
                """,
                Value.null))
            #expect(row.values == [.integer(1), .null, .integer(6), .integer(1)])
            #expect(db.changes == 1, "the last INSERT's count, not the SELECT's")
        }
    }

    @Test("constraint failures map to the Store's kinds, with the server's message and no bound values")
    func errorMapping() throws {
        try withDatabase(.postgresql) { db in
            try db.execute("INSERT INTO roles (name) VALUES (?)", "secret-role")
            do {
                try db.execute("INSERT INTO roles (name) VALUES (?)", "secret-role")
                Issue.record("a second role of the same name was stored")
            } catch {
                #expect(error as? StoreError == .duplicate)
                #expect("\(error)".contains("roles_pkey"))
                #expect(!"\(error)".contains("secret-role"), "the server's DETAIL line names the value")
            }
            do {
                _ = try Sessions(db: db).create(userId: "missing", expiresAt: t0, now: t0)
                Issue.record("a session for a missing user was stored")
            } catch {
                #expect(error as? StoreError == .invalidReference)
            }
            _ = try makeUser(db)
            do {
                try db.execute("UPDATE users SET profile = ?", "{nope")
                Issue.record("a profile that is not JSON was stored")
            } catch {
                #expect(error as? StoreError == .constraint)
            }
            do {
                try db.execute("SELECT * FROM nowhere")
                Issue.record("a missing table was found")
            } catch {
                #expect(error as? StoreError == StoreError(kind: .postgresql(sqlstate: "42P01"), message: ""))
            }
        }
    }

    @Test("a connection the server dropped fails its next statement with unavailable, then reconnects")
    func reconnects() throws {
        try withEmptyDatabaseURL(.postgresql) { url in
            let db = try Database.open(url: url)
            let admin = try Database.open(url: url)
            try terminate(db, from: admin)
            do {
                try db.ping()
                Issue.record("a dropped connection answered")
            } catch {
                #expect(error as? StoreError == .unavailable)
            }
            try db.ping()
            #expect(try db.queryOne("SELECT current_setting('lock_timeout') AS t")?["t"] == .text("5s"),
                "the session is set up again")
        }
    }

    @Test("a transaction whose connection dropped keeps failing until it is rolled back; nothing of it is kept")
    func lostTransaction() throws {
        try withDatabase(.postgresql) { db in
            let admin = try Database.open(url: postgresAdminURL!)
            try db.connection.beginWrite()
            try db.execute("INSERT INTO roles (name) VALUES ('lost')")
            try terminate(db, from: admin)
            for _ in 0..<2 {
                do {
                    try db.execute("INSERT INTO roles (name) VALUES ('after')")
                    Issue.record("a statement ran outside its lost transaction")
                } catch {
                    #expect(error as? StoreError == .unavailable)
                }
            }
            do {
                try db.connection.commit()
                Issue.record("a lost transaction committed")
            } catch {
                #expect(error as? StoreError == .unavailable)
            }
            db.connection.rollback()
            #expect(!db.isInTransaction)
            #expect(try db.query("SELECT name FROM roles WHERE name IN ('lost', 'after')").isEmpty)
        }
    }

    @Test("write transactions exclude each other across connections; a writer waits at most its lock timeout")
    func writeLock() throws {
        try withEmptyDatabaseURL(.postgresql) { url in
            let holder = try Database.open(url: url)
            let waiter = Database(connection: try PostgreSQLConnection(url: url, lockTimeout: .milliseconds(200)))
            try holder.connection.beginWrite()
            let started = ContinuousClock.now
            do {
                try waiter.transaction { try waiter.execute("SELECT 1") }
                Issue.record("a second writer got in")
            } catch {
                #expect(error as? StoreError == .busy)
            }
            #expect(ContinuousClock.now - started >= .milliseconds(150))
            holder.connection.rollback()
            try waiter.transaction { try waiter.execute("SELECT 1") }
        }
    }

    @Test("a write transaction costs two round trips beyond its statements: BEGIN with the write lock, and COMMIT")
    func writeTransactionRoundTrips() throws {
        try withDatabase(.postgresql) { db in
            let connection = try #require(db.connection as? PostgreSQLConnection)
            try db.execute("SELECT 1 AS one")  // prepared once, outside the count
            let before = connection.roundTrips
            try db.transaction { try db.execute("SELECT 1 AS one") }
            #expect(connection.roundTrips - before == 3)
            #expect(!db.isInTransaction)
            let held = try db.transaction {
                try db.queryOne(
                    "SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
            }
            #expect(held?["n"] == .integer(1), "the write lock is held inside the transaction")
        }
    }

    @Test("a read-only transaction refuses writes and times a slow statement out; the connection stays usable")
    func readOnlyTimeout() throws {
        try withDatabase(.postgresql) { db in
            do {
                try db.readOnly(timeout: .milliseconds(100)) { try db.execute("SELECT pg_sleep(5)") }
                Issue.record("pg_sleep(5) finished inside 100 ms")
            } catch {
                #expect(error as? StoreError == .timeout)
            }
            do {
                try db.readOnly { try db.execute("DELETE FROM users") }
                Issue.record("a read-only transaction wrote")
            } catch {
                #expect(error as? StoreError == .readOnly)  // SQLSTATE 25006, read_only_sql_transaction
            }
            try db.readOnly { try db.execute("SELECT pg_sleep(0.2)") }
            try db.ping()
        }
    }

    @Test("stats name the backend, its size, version and sessions")
    func stats() throws {
        try withDatabase(.postgresql) { db in
            let stats = try db.stats()
            #expect(stats.backend == .postgresql)
            #expect(stats.sizeBytes > 1_000_000)
            guard case .text(let version) = stats.details["server_version"] ?? .null,
                case .integer(let connections) = stats.details["connections"] ?? .null
            else {
                Issue.record("\(stats.details)")
                return
            }
            #expect(version.first?.isNumber == true)
            #expect(connections >= 1)
            #expect(db.isSharedAcrossNodes)
        }
    }

    @Test("a server that cannot be reached is unavailable, and the error does not repeat the password")
    func unreachable() {
        do {
            _ = try Database.open(url: "postgresql://gatehouse:s3cret@127.0.0.1:1/none?connect_timeout=2")
            Issue.record("connected to port 1")
        } catch {
            #expect(error as? StoreError == .unavailable)
            #expect(!"\(error)".contains("s3cret"))
        }
    }

    /// Ends `db`'s server session from another connection, as a server restart would.
    private func terminate(_ db: Database, from admin: Database) throws {
        let pid = try #require(try db.queryOne("SELECT pg_backend_pid() AS pid")).get("pid", as: Int64.self)
        _ = try admin.query("SELECT pg_terminate_backend(CAST(? AS INTEGER)) AS done", pid)
        // The server ends the session a moment later.
        for _ in 0..<200 where try admin.queryOne("SELECT 1 AS alive FROM pg_stat_activity WHERE pid = ?", pid) != nil {
            usleep(10_000)
        }
    }
}
