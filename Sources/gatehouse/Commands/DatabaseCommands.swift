import Store

/// `gatehouse migrate`: applies pending migrations and prints each id applied, or "up to date".
/// Returns the exit status: 0 on success, 1 on a failure explained on stderr.
func runMigrateCommand(databasePath: String) -> Int32 {
    do {
        let db = try Database(path: databasePath)
        let applied = try Migrations.run(on: db)
        if applied.isEmpty {
            print("up to date")
        } else {
            for id in applied { print(id) }
        }
        return 0
    } catch {
        printError("gatehouse migrate: \(databasePath): \(error)")
        return 1
    }
}

/// `gatehouse backup PATH`: copies the live database to `destination` with SQLite's online backup.
/// Returns the exit status: 0 on success, 1 on a failure explained on stderr.
func runBackupCommand(databasePath: String, destination: String) -> Int32 {
    do {
        // Refuse to create an empty database when the path is wrong.
        let db = try Database(path: databasePath, createIfMissing: false)
        try db.backup(to: destination)
        print("backed up \(databasePath) to \(destination)")
        return 0
    } catch {
        printError("gatehouse backup: \(databasePath): \(error)")
        return 1
    }
}
