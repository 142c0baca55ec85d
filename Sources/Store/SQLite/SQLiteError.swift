internal import CSQLite

/// Extended result codes. They are function-like macros in `sqlite3.h`, which Swift does not import.
enum ResultCode {
    static let constraintCheck: Int32 = 275  // SQLITE_CONSTRAINT | (1 << 8)
    static let constraintForeignKey: Int32 = 787  // SQLITE_CONSTRAINT | (3 << 8)
    static let constraintNotNull: Int32 = 1299  // SQLITE_CONSTRAINT | (5 << 8)
    static let constraintPrimaryKey: Int32 = 1555  // SQLITE_CONSTRAINT | (6 << 8)
    static let constraintUnique: Int32 = 2067  // SQLITE_CONSTRAINT | (8 << 8)
}

extension StoreError {
    /// Maps a failing result code to a domain error, carrying SQLite's own message (rules 16 and 20).
    ///
    /// `message` must come from `sqlite3_errmsg` read straight after the failing call: the next call on
    /// the connection overwrites it. SQLite's messages name tables and columns, never bound values.
    static func sqlite(code: Int32, message: String) -> StoreError {
        switch code & 0xFF {
        case SQLITE_BUSY, SQLITE_LOCKED:
            return StoreError(kind: .busy, message: message)
        case SQLITE_INTERRUPT:
            // Only a read-only unit's progress handler interrupts a statement: its time limit passed.
            return StoreError(kind: .timeout, message: message)
        case SQLITE_READONLY:
            // A write under `PRAGMA query_only` (a read-only unit), or to a file opened or mounted read-only.
            return StoreError(kind: .readOnly, message: message)
        case SQLITE_CONSTRAINT:
            switch code {
            case ResultCode.constraintUnique, ResultCode.constraintPrimaryKey:
                return StoreError(kind: .duplicate, message: message)
            case ResultCode.constraintForeignKey:
                return StoreError(kind: .invalidReference, message: message)
            default:
                return StoreError(kind: .constraint, message: message)
            }
        default:
            return StoreError(kind: .sqlite(code: code), message: message)
        }
    }
}

/// Reads the connection's last error message as a Swift string, copied at once (rule 23).
func lastErrorMessage(_ connection: OpaquePointer?) -> String {
    guard let connection = unsafe connection, let text = unsafe sqlite3_errmsg(connection) else {
        return "out of memory"
    }
    return unsafe String(cString: text)
}

/// The one checking helper for SQLite calls (rule 17): throws the mapped error unless `rc` is one of `accepted`.
@discardableResult
func sqlite(
    _ connection: OpaquePointer?, _ function: String = #function, accepting accepted: Int32 = SQLITE_OK,
    _ body: () -> Int32
) throws(StoreError) -> Int32 {
    let rc = body()
    guard rc == accepted else {
        let error = StoreError.sqlite(code: rc, message: "\(function): \(unsafe lastErrorMessage(connection))")
        throw error
    }
    return rc
}
