import Foundation
import Testing

@testable import Store

/// The backends the Store suites run on: SQLite always, PostgreSQL when `GATEHOUSE_TEST_POSTGRES_URL` names a
/// server (`scripts/with-postgres.sh` starts a private one; `make test` runs under it).
let testBackends: [Backend] = postgresAdminURL == nil ? [.sqlite] : [.sqlite, .postgresql]

/// A database on the test server that tests may create databases from.
let postgresAdminURL: String? = ProcessInfo.processInfo.environment["GATEHOUSE_TEST_POSTGRES_URL"].flatMap {
    $0.isEmpty ? nil : $0
}

/// Runs `body` with a fresh, migrated database of `backend` (rule 34): SQLite in memory, or a new PostgreSQL
/// database dropped afterwards.
func withDatabase<T>(_ backend: Backend = .sqlite, _ body: (Database) throws -> T) throws -> T {
    try withEmptyDatabaseURL(backend) { url in
        let db = try Database.open(url: url)
        try Migrations.run(on: db)
        return try body(db)
    }
}

/// Runs `body` with the URL of a migrated database of `backend` that several connections may open at once: a
/// SQLite file (WAL) in a temporary directory, or a new PostgreSQL database.
func withDatabaseURL<T>(_ backend: Backend, _ body: (String) throws -> T) throws -> T {
    try withEmptyDatabaseURL(backend, file: true) { url in
        do {
            let db = try Database.open(url: url)
            try Migrations.run(on: db)
        }
        return try body(url)
    }
}

/// Runs `body` with the URL of an empty database of `backend`: SQLite in memory (or a file when `file`), or a
/// new PostgreSQL database, dropped afterwards whatever happens.
func withEmptyDatabaseURL<T>(_ backend: Backend, file: Bool = false, _ body: (String) throws -> T) throws -> T {
    switch backend {
    case .sqlite:
        guard file else { return try body(":memory:") }
        return try withTemporaryDirectory { directory in try body("sqlite://" + directory + "/gatehouse.db") }
    case .postgresql:
        guard let admin = postgresAdminURL else { throw StoreError.unavailable }
        let name = "store_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let server = try Database.open(url: admin)
        try server.execute("CREATE DATABASE \(name)")
        defer { try? server.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
        return try body(postgresURL(admin, database: name))
    }
}

/// `url` with its database name replaced: `postgresql://u@/postgres?host=/tmp/x` → `postgresql://u@/NAME?host=/tmp/x`.
func postgresURL(_ url: String, database: String) -> String {
    guard let scheme = url.range(of: "://") else { return url }
    let rest = url[scheme.upperBound...]
    guard let slash = rest.firstIndex(of: "/") else { return url + "/" + database }
    let end = rest[slash...].firstIndex(of: "?") ?? rest.endIndex
    return String(url[..<slash]) + "/" + database + String(rest[end...])
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
