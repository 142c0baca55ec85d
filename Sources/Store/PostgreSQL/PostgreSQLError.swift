/// PostgreSQL's SQLSTATE codes mapped to ``StoreError`` kinds, here at the Store boundary (rule 20): handlers
/// never see a SQLSTATE.
enum PostgreSQLError {
    /// The ``StoreError`` for a failed statement with `sqlstate` and the server's `message`.
    ///
    ///     PostgreSQLError.storeError(sqlstate: "23505", message: "duplicate key value …")  // .duplicate
    static func storeError(sqlstate: String, message: String) -> StoreError {
        let message = message.trimmingTrailingNewlines()
        switch sqlstate {
        case "23505": return StoreError(kind: .duplicate, message: message)  // unique_violation
        case "23503": return StoreError(kind: .invalidReference, message: message)  // foreign_key_violation
        case "23502", "23514": return StoreError(kind: .constraint, message: message)  // not_null, check
        // A NUL character in text, or bytes that are not UTF-8: refused as SQLite's CHECKs refuse bad values.
        case "22021", "22P05": return StoreError(kind: .constraint, message: message)
        // Serialization failure, deadlock, lock_timeout: other writers held what this one needed (503, retry).
        case "40001", "40P01", "55P03": return StoreError(kind: .busy, message: message)
        case "57014": return StoreError(kind: .timeout, message: message)  // query_canceled (statement_timeout)
        // admin_shutdown, crash_shutdown, cannot_connect_now: the server is going away or not yet up.
        case "57P01", "57P02", "57P03": return StoreError(kind: .unavailable, message: message)
        default:
            // Class 08: connection exceptions.
            if sqlstate.hasPrefix("08") { return StoreError(kind: .unavailable, message: message) }
            return StoreError(kind: .postgresql(sqlstate: sqlstate), message: message)
        }
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while text.last?.isNewline == true { text = text.dropLast() }
        return String(text)
    }
}
