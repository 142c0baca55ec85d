internal import CSQLite
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension SQLiteConnection {
    /// The size of the database as this connection sees it: `page_count × page_size`, WAL pages included.
    func sizeBytes() throws(StoreError) -> Int64 {
        try integer("PRAGMA page_count") * integer("PRAGMA page_size")
    }

    /// The size of the `-wal` file beside the database in bytes; 0 when there is none (or in memory).
    func walSizeBytes() throws(StoreError) -> Int64 {
        let file = try unsafe withUnsafeHandle { handle throws(StoreError) -> String in
            // sqlite.org: returns "an empty string" for a temporary or in-memory database.
            guard let name = unsafe sqlite3_db_filename(handle, "main") else { return "" }
            return unsafe String(cString: name)
        }
        guard !file.isEmpty else { return 0 }
        var info = stat()
        guard unsafe stat(file + "-wal", &info) == 0 else { return 0 }
        return Int64(info.st_size)
    }

    func details() throws(StoreError) -> [String: Value] {
        ["wal_size_bytes": .integer(try walSizeBytes())]
    }

    private func integer(_ pragma: String) throws(StoreError) -> Int64 {
        guard case .integer(let number) = try queryOne(pragma)?.values.first else {
            throw StoreError.typeMismatch("pragma did not return an integer")
        }
        return number
    }
}
