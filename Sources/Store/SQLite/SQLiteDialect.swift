/// SQLite's spelling of the SQL that differs between backends.
struct SQLiteDialect: Dialect {
    var migrations: [Migrations.Migration] { Migrations.sqlite }

    func jsonTextElements(_ parameter: String) -> String { "json_each(\(parameter))" }

    var lockingRows: String { "" }

    func containsIgnoringCase(_ haystack: String, _ needle: String) -> String {
        "instr(lower(\(haystack)), lower(\(needle))) > 0"
    }

    func least(_ a: String, _ b: String) -> String { "min(\(a), \(b))" }
    func greatest(_ a: String, _ b: String) -> String { "max(\(a), \(b))" }

    func timesPowerOfTwo(_ base: String, _ exponent: String) -> String { "(\(base)) * (1 << (\(exponent)))" }

    var skipLocked: String { "" }

    func procedureCatalog(
        on connection: any Connection, settings: RemoteProcedures.Settings
    ) throws(StoreError) -> any ProcedureCatalog {
        guard let connection = connection as? SQLiteConnection else {
            preconditionFailure("the SQLite dialect serves SQLite connections only")
        }
        return try SQLiteProcedures(connection: connection, directory: settings.directory)
    }
}
