import Store

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        writeToStandardError("gatehouse migrate: \(databasePath): \(error)")
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
        writeToStandardError("gatehouse backup: \(databasePath): \(error)")
        return 1
    }
}

/// Writes one line to file descriptor 2 (Glibc's `stderr` cannot be used under strict concurrency).
private func writeToStandardError(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
            guard written > 0 else { return }
            offset += written
        }
    }
}
