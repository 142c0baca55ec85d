import FCGIHost
import Store

/// `gatehouse migrate`: applies pending migrations and prints each id applied, or "up to date".
/// Returns the exit status: 0 on success, 1 on a failure explained on stderr.
func runMigrateCommand(databaseURL: String) -> Int32 {
    let name = Config.redactingPassword(databaseURL)
    do {
        let db = try Database.open(url: databaseURL)
        let applied = try Migrations.run(on: db)
        if applied.isEmpty {
            print("up to date")
        } else {
            for id in applied { print(id) }
        }
        return 0
    } catch {
        printError("gatehouse migrate: \(name): \(error)")
        return 1
    }
}

/// `gatehouse backup PATH`: copies the live database to `destination` with SQLite's online backup.
/// Returns the exit status: 0 on success, 1 on a failure explained on stderr.
func runBackupCommand(databaseURL: String, destination: String) -> Int32 {
    let name = Config.redactingPassword(databaseURL)
    do {
        // Refuse to create an empty database when the path is wrong.
        let db = try Database.open(url: databaseURL, createIfMissing: false)
        try db.backup(to: destination)
        print("backed up \(name) to \(destination)")
        return 0
    } catch {
        printError("gatehouse backup: \(name): \(error)")
        return 1
    }
}
