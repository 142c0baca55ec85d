import Foundation
import Synchronization
import Testing

@testable import Store

@Suite struct MigrationsTests {
    @Test("running migrations twice applies everything once, then nothing")
    func idempotent() throws {
        let db = try Database(path: ":memory:")
        #expect(try Migrations.pending(on: db) == Migrations.ids)
        #expect(try Migrations.run(on: db) == Migrations.ids)
        #expect(try Migrations.run(on: db) == [])
        #expect(try Migrations.pending(on: db) == [])
        let recorded = try db.query("SELECT identifier FROM schema_migrations").map { try $0.get("identifier", as: String.self) }
        #expect(Set(recorded) == Set(Migrations.ids))
    }

    @Test("a database holding a migration this code does not know is refused")
    func unknownMigration() throws {
        try withDatabase { db throws in
            try Migrations.checkKnown(on: db)
            try db.execute("INSERT INTO schema_migrations (identifier) VALUES ('2099-01-01 from the future')")
            #expect(throws: StoreError.unknownMigrations) { try Migrations.checkKnown(on: db) }
            #expect(throws: StoreError.unknownMigrations) { try Migrations.run(on: db) }
        }
    }

    @Test("a failing migration leaves neither its tables nor its id behind")
    func failedMigrationRollsBack() throws {
        let db = try Database(path: ":memory:")
        try db.execute("CREATE TABLE users (id TEXT)")  // the first migration's CREATE TABLE will clash
        #expect(throws: StoreError.self) { try Migrations.run(on: db) }
        #expect(try Migrations.pending(on: db) == Migrations.ids)
        #expect(try db.queryOne("SELECT 1 FROM sqlite_schema WHERE name = 'users_created'") == nil)
    }

    @Test("two connections migrating one file at once apply each migration exactly once")
    func concurrentRuns() throws {
        try withTemporaryDirectory { directory in
            let path = directory + "/race.db"
            let results = Mutex<[Result<[String], any Error>]>([])
            let threads = (0..<4).map { _ in
                Thread {
                    let result = Result { try Migrations.run(on: Database(path: path)) }
                    results.withLock { $0.append(result) }
                }
            }
            threads.forEach { $0.start() }
            while results.withLock({ $0.count }) < threads.count { usleep(1_000) }
            let applied = try results.withLock { try $0.map { try $0.get() } }
            #expect(applied.flatMap { $0 }.sorted() == Migrations.ids.sorted())
            #expect(try Migrations.pending(on: Database(path: path)) == [])
        }
    }
}
