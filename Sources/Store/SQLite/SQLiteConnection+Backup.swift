internal import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteConnection {
    /// Copies the whole database to `destination` while other connections keep reading and writing.
    ///
    /// Uses SQLite's online backup API into `destination.partial`, then renames it over `destination`, so
    /// a failed backup never leaves a half-written file under the real name. The copy is one
    /// self-contained file (rollback journal, no `-wal` beside it).
    /// - Throws: ``StoreError`` with SQLite's message, or the `rename` error.
    func backup(to destination: String) throws(StoreError) {
        let partial = destination + ".partial"
        unsafe unlink(partial)
        do {
            let target = try SQLiteConnection(
                path: partial, createIfMissing: true, busyTimeout: busyTimeoutForBackup, journalWAL: false)
            try copy(into: target)
            // The source's header says WAL; the copy should open without a `-wal` file beside it.
            try target.execute("PRAGMA journal_mode = DELETE")
        } catch {
            unsafe unlink(partial)
            throw error
        }
        guard unsafe rename(partial, destination) == 0 else {
            let message = unsafe String(cString: strerror(errno))
            unsafe unlink(partial)
            throw StoreError.sqlite(code: SQLITE_CANTOPEN, message: "backup: rename: \(message)")
        }
    }

    private var busyTimeoutForBackup: Duration { .seconds(5) }

    private func copy(into target: SQLiteConnection) throws(StoreError) {
        try unsafe withUnsafeHandle { source throws(StoreError) in
            try unsafe target.withUnsafeHandle { destination throws(StoreError) in
                guard let backup = unsafe sqlite3_backup_init(destination, "main", source, "main") else {
                    // sqlite.org: "the error code and message are stored in the destination database connection".
                    throw StoreError.sqlite(
                        code: unsafe sqlite3_extended_errcode(destination),
                        message: "backup: \(unsafe lastErrorMessage(destination))")
                }
                let started = ContinuousClock.now
                var rc: Int32
                repeat {
                    // -1 copies every page in one step, under one read transaction on the source.
                    rc = unsafe sqlite3_backup_step(backup, -1)
                    if rc == SQLITE_BUSY || rc == SQLITE_LOCKED {
                        if ContinuousClock.now - started > .seconds(5) { break }
                        usleep(1_000)
                    }
                } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
                // sqlite.org: sqlite3_backup_finish returns the error of the whole operation, if any.
                let finish = unsafe sqlite3_backup_finish(backup)
                if rc != SQLITE_DONE || finish != SQLITE_OK {
                    let code = rc != SQLITE_DONE && rc != SQLITE_OK ? rc : finish
                    throw StoreError.sqlite(code: code, message: "backup: \(unsafe lastErrorMessage(destination))")
                }
            }
        }
    }
}
