import Foundation
import Synchronization
import Testing

@testable import Store

@Suite struct MigrationsTests {
    @Test("running migrations twice applies everything once, then nothing", arguments: testBackends)
    func idempotent(backend: Backend) throws {
        try withEmptyDatabaseURL(backend) { url in
        let db = try Database.open(url: url)
        #expect(try Migrations.pending(on: db) == Migrations.ids)
        #expect(try Migrations.run(on: db) == Migrations.ids)
        #expect(try Migrations.run(on: db) == [])
        #expect(try Migrations.pending(on: db) == [])
        let recorded = try db.query("SELECT identifier FROM schema_migrations").map { try $0.get("identifier", as: String.self) }
        #expect(Set(recorded) == Set(Migrations.ids))
        }
    }

    @Test("a database holding a migration this code does not know is refused", arguments: testBackends)
    func unknownMigration(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            try Migrations.checkKnown(on: db)
            try db.execute("INSERT INTO schema_migrations (identifier) VALUES ('2099-01-01 from the future')")
            #expect(throws: StoreError.unknownMigrations) { try Migrations.checkKnown(on: db) }
            #expect(throws: StoreError.unknownMigrations) { try Migrations.run(on: db) }
        }
    }

    @Test("a failing migration leaves neither its tables nor its id behind", arguments: testBackends)
    func failedMigrationRollsBack(backend: Backend) throws {
        try withEmptyDatabaseURL(backend) { url in
            let db = try Database.open(url: url)
            try db.execute("CREATE TABLE users (id TEXT)")  // the first migration's CREATE TABLE will clash
            do {
                try Migrations.run(on: db)
                Issue.record("the clashing migration ran")
            } catch {}
            #expect(try Migrations.pending(on: db) == Migrations.ids)
            let index = backend == .sqlite
                ? "SELECT 1 FROM sqlite_schema WHERE name = 'users_created'"
                : "SELECT 1 FROM pg_class WHERE relname = 'users_created'"
            #expect(try db.queryOne(index) == nil)
        }
    }

    @Test("four connections migrating one database at once apply each migration exactly once",
        arguments: testBackends)
    func concurrentRuns(backend: Backend) throws {
        try withEmptyDatabaseURL(backend, file: true) { path in
            let results = Mutex<[Result<[String], any Error>]>([])
            let threads = (0..<4).map { _ in
                Thread {
                    let result = Result { try Migrations.run(on: Database.open(url: path)) }
                    results.withLock { $0.append(result) }
                }
            }
            threads.forEach { $0.start() }
            while results.withLock({ $0.count }) < threads.count { usleep(1_000) }
            let applied = try results.withLock { try $0.map { try $0.get() } }
            #expect(applied.flatMap { $0 }.sorted() == Migrations.ids.sorted())
            #expect(try Migrations.pending(on: Database.open(url: path)) == [])
        }
    }
}
