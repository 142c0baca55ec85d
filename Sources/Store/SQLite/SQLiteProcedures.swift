#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
internal import CSQLite

/// The SQLite allowlist of `/connection/rpc`: the query files of `RPC_DIR`, read and checked once, when the
/// worker starts (a reload starts new workers, which read the folder again).
///
/// A file is refused, naming it, unless SQLite itself finds exactly one statement in it, that statement is a
/// SELECT that `sqlite3_stmt_readonly` calls read-only, returns uniquely named columns, and its parameters are all
/// `:name` parameters. A file, or the folder, that someone other than its owner may write is refused too: whoever
/// can write a query file can read the whole database through it.
final class SQLiteProcedures: ProcedureCatalog {
    /// A checked query file.
    struct Query {
        let procedure: Procedure
        let sql: String
    }

    private let connection: SQLiteConnection
    let queries: [String: Query]

    /// Reads and checks every `*.sql` file in `directory`; a missing folder, or one without such files, is an empty
    /// allowlist.
    /// - Throws: ``StoreError/invalidQueryFile`` naming the first file refused.
    init(connection: SQLiteConnection, directory: String) throws(StoreError) {
        self.connection = connection
        var queries: [String: Query] = [:]
        for (fileName, bytes) in try Self.readFiles(in: directory) {
            let file = try QueryFile.parse(fileName: fileName, bytes: bytes)
            queries[file.name] = try Self.check(file, fileName: fileName, on: connection)
        }
        self.queries = queries
    }

    var loadedFunctions: [String] { queries.keys.sorted() }

    func procedure(named name: String) throws(StoreError) -> Procedure? {
        queries[name]?.procedure
    }

    /// Every parameter of a query file is required, so `arguments` are all of them, in the statement's parameter
    /// order: the order of `?` bindings.
    func call(_ procedure: Procedure, arguments: [BoundArgument]) throws(StoreError) -> [Row] {
        guard let query = queries[procedure.name] else { throw .notFound("no query file \(procedure.name).sql") }
        return try connection.query(query.sql, bindings: arguments.map(\.value))
    }

    // MARK: Loading

    /// The `*.sql` files directly in `directory` (sorted by name) with their bytes; symbolic links are followed.
    static func readFiles(in directory: String) throws(StoreError) -> [(String, [UInt8])] {
        let files = FileManager.default
        guard !directory.isEmpty,
            let folder = try? files.attributesOfItem(
                atPath: URL(fileURLWithPath: directory).resolvingSymlinksInPath().path)
        else { return [] }
        guard folder[.type] as? FileAttributeType == .typeDirectory else {
            throw .invalidQueryFile("RPC_DIR \(directory) is not a folder")
        }
        let names: [String]
        do {
            names = try files.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.sorted()
        } catch {
            throw .invalidQueryFile("RPC_DIR \(directory) cannot be listed")
        }
        guard !names.isEmpty else { return [] }
        try refuseIfWritableByOthers(directory, label: "RPC_DIR \(directory)")
        var result: [(String, [UInt8])] = []
        for name in names where try QueryFile.functionName(fileName: name) != nil {
            let path = URL(fileURLWithPath: directory).appendingPathComponent(name).resolvingSymlinksInPath().path
            let attributes = try? files.attributesOfItem(atPath: path)
            guard attributes?[.type] as? FileAttributeType == .typeRegular else {
                throw .invalidQueryFile("\(name): not a regular file")
            }
            if let size = integer(attributes?[.size]), size > QueryFile.maxBytes {
                throw .invalidQueryFile("\(name): larger than \(QueryFile.maxBytes) bytes")
            }
            try refuseIfWritableByOthers(path, label: name)
            guard let data = files.contents(atPath: path) else { throw .invalidQueryFile("\(name): cannot be read") }
            result.append((name, Array(data)))
        }
        return result
    }

    private static func refuseIfWritableByOthers(_ path: String, label: String) throws(StoreError) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let mode = integer(attributes?[.posixPermissions]) else {
            throw .invalidQueryFile("\(label): cannot read its permissions")
        }
        guard mode & 0o022 == 0 else {
            throw .invalidQueryFile(
                "\(label): writable by group or others (mode \(String(mode & 0o777, radix: 8))); chmod go-w it")
        }
    }

    /// A number from file attributes: an unsigned integer from FoundationEssentials, an `NSNumber` (cast to `Int`)
    /// when the whole of Foundation is loaded.
    private static func integer(_ value: Any?) -> Int? {
        if let value = value as? any BinaryInteger { return Int(exactly: value) }
        return value as? Int
    }

    /// Has SQLite prepare `file` on `connection` and checks what it says: one read-only SELECT with unique columns
    /// and `:name` parameters, and a declaration only for parameters the statement has.
    static func check(
        _ file: QueryFile, fileName: String, on connection: SQLiteConnection
    ) throws(StoreError) -> Query {
        let shape: StatementShape
        do {
            shape = try unsafe connection.withUnsafeHandle { handle throws(StoreError) in
                try unsafe StatementShape(sql: file.sql, connection: handle)
            }
        } catch {
            throw .invalidQueryFile("\(fileName): \(error.reason)")
        }
        guard shape.statementCount == 1 else {
            throw .invalidQueryFile("\(fileName): holds \(shape.statementCount) statements; a query file holds one")
        }
        guard shape.isReadOnly, !shape.isExplain else {
            throw .invalidQueryFile("\(fileName): SQLite says the statement is not read-only")
        }
        guard !shape.columnNames.isEmpty else {
            throw .invalidQueryFile("\(fileName): the statement returns no columns")
        }
        var seen: Set<String> = []
        for column in shape.columnNames where !seen.insert(column).inserted {
            throw .invalidQueryFile("\(fileName): two columns are named \(column); name each column once (AS)")
        }
        var parameters: [ProcedureParameter] = []
        for (index, name) in shape.parameterNames.enumerated() {
            guard let name, name.hasPrefix(":"), RemoteProcedures.isIdentifier(name.dropFirst()) else {
                let shown = shape.parameterNames[index].map { String($0.prefix(40)) } ?? "?"
                throw .invalidQueryFile(
                    "\(fileName): parameter \(index + 1) is \(shown); query files use named parameters, :name")
            }
            let parameter = String(name.dropFirst())
            let typeName = file.declaredTypes[parameter] ?? "any"
            parameters.append(
                ProcedureParameter(name: parameter, type: QueryFile.types[typeName] ?? .any, typeName: typeName))
        }
        let names = Set(parameters.map(\.name))
        for declared in file.declaredTypes.keys.sorted() where !names.contains(declared) {
            throw .invalidQueryFile("\(fileName): declares :\(declared), which the statement does not use")
        }
        return Query(procedure: Procedure(name: file.name, parameters: parameters), sql: file.sql)
    }
}

// Holds the worker's connection; never crosses threads.
@available(*, unavailable)
extension SQLiteProcedures: Sendable {}

/// What SQLite says about a text of SQL without running it.
struct StatementShape {
    /// Statements in the text (comments and empty statements are none).
    var statementCount = 0
    /// Of the first statement: sqlite.org, `sqlite3_stmt_readonly`: true "if and only if the prepared statement X
    /// makes no direct changes to the content of the database file".
    var isReadOnly = false
    var isExplain = false
    var columnNames: [String] = []
    /// By parameter index from 1 (`sqlite3_bind_parameter_name`): nil for a nameless `?`.
    var parameterNames: [String?] = []

    /// Prepares each statement of `sql` in turn on `connection` and describes the first; finalizes them all.
    /// - Throws: ``StoreError`` with SQLite's message when a statement does not prepare.
    init(sql: String, connection: OpaquePointer) throws(StoreError) {
        var text = sql
        var failure: StoreError?
        text.withUTF8 { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                let rc = unsafe (base + offset).withMemoryRebound(to: CChar.self, capacity: buffer.count - offset) {
                    unsafe sqlite3_prepare_v3(connection, $0, Int32(buffer.count - offset), 0, &statement, &tail)
                }
                guard rc == SQLITE_OK else {
                    failure = StoreError.sqlite(code: rc, message: "prepare: \(unsafe lastErrorMessage(connection))")
                    unsafe sqlite3_finalize(statement)
                    return
                }
                if let statement = unsafe statement {
                    statementCount += 1
                    if statementCount == 1 { unsafe describe(statement) }
                    unsafe sqlite3_finalize(statement)
                }
                guard let tail = unsafe tail else { return }
                let next = unsafe UnsafeRawPointer(tail) - UnsafeRawPointer(base)
                // sqlite.org: with nothing left but comments or whitespace, the statement is NULL and the tail ends.
                guard next > offset else { return }
                offset = next
            }
        }
        if let failure { throw failure }
    }

    private mutating func describe(_ statement: OpaquePointer) {
        isReadOnly = unsafe sqlite3_stmt_readonly(statement) != 0
        isExplain = unsafe sqlite3_stmt_isexplain(statement) != 0
        let columns = unsafe sqlite3_column_count(statement)
        columnNames = (0..<columns).map { index in
            guard let name = unsafe sqlite3_column_name(statement, index) else { return "" }
            return unsafe String(cString: name)
        }
        // Parameters are numbered from 1 up to the largest index; `:a` used twice has one index.
        let parameters = unsafe sqlite3_bind_parameter_count(statement)
        parameterNames = (0..<parameters).map { index in
            guard let name = unsafe sqlite3_bind_parameter_name(statement, index + 1) else { return nil }
            return unsafe String(cString: name)
        }
    }
}
