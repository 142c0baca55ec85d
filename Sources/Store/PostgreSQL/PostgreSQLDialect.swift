/// PostgreSQL's spelling of the SQL that differs between backends.
struct PostgreSQLDialect: Dialect {
    var migrations: [Migrations.Migration] { Migrations.postgreSQL }

    func jsonTextElements(_ parameter: String) -> String {
        "json_array_elements_text(CAST(\(parameter) AS json)) AS elements(value)"
    }

    /// `lower` on the tables' `COLLATE "C"` text folds ASCII only, as SQLite's does.
    func containsIgnoringCase(_ haystack: String, _ needle: String) -> String {
        "strpos(lower(\(haystack)), lower(CAST(\(needle) AS text))) > 0"
    }

    func least(_ a: String, _ b: String) -> String { "LEAST(\(a), \(b))" }

    var lockingRows: String { " FOR UPDATE" }
    func greatest(_ a: String, _ b: String) -> String { "GREATEST(\(a), \(b))" }

    /// PostgreSQL shifts a `bigint` by an `integer` only.
    func timesPowerOfTwo(_ base: String, _ exponent: String) -> String {
        "(\(base)) * (CAST(1 AS BIGINT) << CAST(\(exponent) AS INTEGER))"
    }

    var skipLocked: String { "FOR UPDATE SKIP LOCKED" }

    func procedureCatalog(
        on connection: any Connection, settings: RemoteProcedures.Settings
    ) throws(StoreError) -> any ProcedureCatalog {
        PostgreSQLProcedures(connection: connection, schema: settings.schema)
    }
}
