internal import CSQLite

/// A prepared statement, finalized when the last reference goes away (rule 21).
///
/// Statements are cached by ``Database`` keyed by their SQL text, and reset after each use.
/// Values are copied out of SQLite as soon as they are read (rule 23).
@safe
final class Statement {
    private let handle: OpaquePointer
    /// Borrowed from the owning ``Database``; `sqlite3_close_v2` keeps it valid until this statement is finalized.
    private let connection: OpaquePointer
    let sql: String
    let columnNames: [String]

    /// Prepares the first and only statement in `sql`.
    /// - Throws: ``StoreError`` with SQLite's message, or when `sql` holds more than one statement.
    init(connection: OpaquePointer, sql: String, persistent: Bool) throws(StoreError) {
        var statement: OpaquePointer?
        var tailIsEmpty = true
        let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        var text = sql
        let rc = text.withUTF8 { buffer -> Int32 in
            var tail: UnsafePointer<CChar>?
            let rc = unsafe buffer.withMemoryRebound(to: CChar.self) { chars in
                unsafe sqlite3_prepare_v3(connection, chars.baseAddress, Int32(chars.count), flags, &statement, &tail)
            }
            if let tail = unsafe tail, let base = buffer.baseAddress {
                let consumed = unsafe UnsafeRawPointer(tail) - UnsafeRawPointer(base)
                tailIsEmpty = unsafe buffer[consumed...].allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x3B }
            }
            return rc
        }
        guard rc == SQLITE_OK, let statement = unsafe statement else {
            let message = unsafe lastErrorMessage(connection)
            unsafe sqlite3_finalize(statement)
            throw StoreError.sqlite(code: rc == SQLITE_OK ? SQLITE_MISUSE : rc, message: "prepare: \(message)")
        }
        guard tailIsEmpty else {
            unsafe sqlite3_finalize(statement)
            throw StoreError.sqlite(code: SQLITE_MISUSE, message: "prepare: more than one statement in one call")
        }
        unsafe self.handle = statement
        unsafe self.connection = connection
        self.sql = sql
        let count = unsafe sqlite3_column_count(statement)
        self.columnNames = (0..<count).map { index in
            guard let name = unsafe sqlite3_column_name(statement, index) else { return "" }
            return unsafe String(cString: name)
        }
    }

    deinit { unsafe sqlite3_finalize(handle) }

    /// Binds `values` to the `?` parameters in order, after clearing earlier bindings.
    func bind(_ values: [Value]) throws(StoreError) {
        let expected = unsafe sqlite3_bind_parameter_count(handle)
        guard values.count == Int(expected) else {
            throw StoreError.sqlite(
                code: SQLITE_RANGE, message: "bind: \(values.count) values for \(expected) parameters")
        }
        unsafe sqlite3_clear_bindings(handle)
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    private func bind(_ value: Value, at index: Int32) throws(StoreError) {
        // SQLITE_TRANSIENT is a cast macro; the documented value -1 makes SQLite copy the bytes.
        let transient = unsafe unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        try unsafe sqlite(connection) {
            switch value {
            case .null:
                return unsafe sqlite3_bind_null(handle, index)
            case .integer(let number):
                return unsafe sqlite3_bind_int64(handle, index, number)
            case .real(let number):
                return unsafe sqlite3_bind_double(handle, index, number)
            case .text(var text):
                // An explicit length keeps NUL characters; an empty buffer may have no address, which would bind NULL.
                return text.withUTF8 { buffer in
                    guard buffer.count > 0 else { return unsafe sqlite3_bind_text(handle, index, "", 0, transient) }
                    return unsafe buffer.withMemoryRebound(to: CChar.self) { chars in
                        unsafe sqlite3_bind_text64(
                            handle, index, chars.baseAddress, sqlite3_uint64(chars.count), transient,
                            UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let bytes):
                guard !bytes.isEmpty else { return unsafe sqlite3_bind_zeroblob(handle, index, 0) }
                return unsafe bytes.withUnsafeBytes { buffer in
                    unsafe sqlite3_bind_blob64(
                        handle, index, buffer.baseAddress, sqlite3_uint64(buffer.count), transient)
                }
            }
        }
    }

    /// Advances to the next row: true when a row is ready, false when the statement is done.
    func step() throws(StoreError) -> Bool {
        let rc = unsafe sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let message = unsafe lastErrorMessage(connection)
            throw StoreError.sqlite(code: rc, message: "step: \(message)")
        }
    }

    /// Copies the current row out of SQLite.
    func row() -> Row {
        Row(columns: columnNames, values: (0..<Int32(columnNames.count)).map(value(at:)))
    }

    private func value(at index: Int32) -> Value {
        switch unsafe sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER:
            return .integer(unsafe sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT:
            return .real(unsafe sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            // sqlite.org: call sqlite3_column_text() first, then sqlite3_column_bytes() for its length.
            // Reading with the length, not up to the first NUL, keeps NUL characters (rule 23).
            guard let text = unsafe sqlite3_column_text(handle, index) else { return .text("") }
            let count = Int(unsafe sqlite3_column_bytes(handle, index))
            return .text(unsafe String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            guard let bytes = unsafe sqlite3_column_blob(handle, index) else { return .blob([]) }
            let count = Int(unsafe sqlite3_column_bytes(handle, index))
            return .blob(unsafe [UInt8](UnsafeRawBufferPointer(start: bytes, count: count)))
        default:
            return .null
        }
    }

    /// Makes the statement ready for its next use; errors were already reported by `step`.
    func reset() {
        unsafe sqlite3_reset(handle)
    }
}

// Cached by one Database, which never crosses threads.
@available(*, unavailable)
extension Statement: Sendable {}
