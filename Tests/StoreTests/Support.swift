import Foundation
import Testing

@testable import Store

/// Runs `body` with a fresh, migrated in-memory database (rule 34).
func withDatabase<T>(_ body: (Database) throws -> T) throws -> T {
    let db = try Database(path: ":memory:")
    try Migrations.run(on: db)
    return try body(db)
}

/// Runs `body` with a new temporary directory, removed afterwards whatever happens.
func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("gatehouse-store-tests-\(UUID().uuidString.lowercased())").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    return try body(directory)
}

/// Runs `body` with the path of a migrated database file (WAL) in a temporary directory.
func withDatabaseFile<T>(_ body: (String) throws -> T) throws -> T {
    try withTemporaryDirectory { directory in
        let path = directory + "/gatehouse.db"
        do {
            let db = try Database(path: path)
            try Migrations.run(on: db)
        }
        return try body(path)
    }
}

/// A fixed instant, so tests never depend on the clock.
let t0 = Date(timeIntervalSince1970: 1_750_000_000)

/// A user to hang sessions, tokens and assignments on.
func makeUser(_ db: Database, email: String = "ada@example.com") throws -> User {
    try Users(db: db).insert(email: email, name: "Ada", passwordHash: "$argon2id$x", now: t0)
}

/// A SHA-256-sized stand-in hash.
func hash(_ seed: UInt8) -> [UInt8] {
    [UInt8](repeating: seed, count: 32)
}
