/// Copies every table of one database into another, empty one, of either backend: `gatehouse db copy --to URL`.
///
/// Nothing is written until both sides pass their checks: the source holds exactly the migrations this release
/// knows, the target none it does not know and no rows (beyond the counter rows its migrations insert), and both
/// exactly the tables ``tables`` lists. Then the target is migrated, and each table, parents first, is copied in
/// one write transaction on the target: read from the source in primary-key order, `batchSize` rows at a time,
/// inserted exactly as read (no trigger counts or bumps anything, ``Connection/bulkCopy(into:_:)``), and its row
/// count compared with the source's before the commit. The whole source is read in one snapshot.
///
/// A failure leaves the tables committed before it in the target: empty the target before trying again.
///
///     let source = try Database.open(url: "sqlite:///var/lib/gatehouse/gatehouse.db", createIfMissing: false)
///     let target = try Database.open(url: "postgresql://gatehouse@db.internal/gatehouse")
///     try DatabaseCopy(from: source, to: target).run { print($0.name, $0.rows) }
public struct DatabaseCopy {
    /// One table copied, and how many rows it holds on both sides.
    public struct CopiedTable: Sendable, Equatable {
        public let name: String
        public let rows: Int
    }

    let source: Database
    let target: Database
    /// Rows read from the source per query.
    let batchSize: Int

    /// A copy of `source` into `target`; nothing happens until ``run(reporting:)``.
    public init(from source: Database, to target: Database, batchSize: Int = 500) {
        precondition(batchSize > 0, "a batch holds at least one row")
        self.source = source
        self.target = target
        self.batchSize = batchSize
    }

    /// Checks both sides, migrates the target and copies every table, calling `reporting` after each commit.
    /// - Returns: Every table in copy order with its row count.
    /// - Throws: ``StoreError/copyRefused`` before anything is written, when a check fails;
    ///   ``StoreError/copyMismatch`` when a table's count differs after its copy (that table is rolled back);
    ///   any other ``StoreError`` from either database.
    @discardableResult
    public func run(reporting: (CopiedTable) -> Void = { _ in }) throws -> [CopiedTable] {
        try source.readOnly {
            try checkSource()
            try checkTarget()
            try Migrations.run(on: target)
            try Self.checkCovers(try target.connection.tableNames(), in: "target")
            return try Self.tables.map { table in
                let copied = try copy(table)
                reporting(copied)
                return copied
            }
        }
    }

    // MARK: Checks

    /// The source is at exactly this release's schema: its rows mean what this release's tables say.
    private func checkSource() throws {
        try checkKnownMigrations(on: source, side: "source")
        let pending = try Migrations.pending(on: source)
        guard pending.isEmpty else {
            throw StoreError.copyRefused(
                "the source database lacks \(pending.count) migration(s) of this release (\(pending[0]), …); "
                    + "run gatehouse migrate on it first")
        }
        try Self.checkCovers(try source.connection.tableNames(), in: "source")
    }

    /// The target may be new, or migrated by this release or an older one, but holds no data.
    private func checkTarget() throws {
        try checkKnownMigrations(on: target, side: "target")
        var occupied: [String] = []
        for table in try target.connection.tableNames().sorted()
        where !Self.bookkeepingTables.contains(table) && !Self.seededTables.contains(table) {
            let rows = try count(table, in: target)
            if rows > 0 { occupied.append("\(table) holds \(rows) row(s)") }
        }
        guard occupied.isEmpty else {
            throw StoreError.copyRefused(
                "the target database is not empty (\(occupied.joined(separator: ", "))); "
                    + "db copy writes only into an empty database")
        }
    }

    private func checkKnownMigrations(on db: Database, side: String) throws {
        do {
            try Migrations.checkKnown(on: db)
        } catch let error as StoreError where error == .unknownMigrations {
            throw StoreError.copyRefused("the \(side) database is from a newer release: \(error.message)")
        }
    }

    // MARK: Copying

    private func copy(_ table: String) throws -> CopiedTable {
        let key = try source.connection.primaryKey(of: table)
        guard !key.isEmpty else { throw StoreError.copyRefused("\(table) has no primary key to read it by") }
        let expected = try count(table, in: source)
        try target.transaction {
            var copied = 0
            try target.connection.bulkCopy(into: table) { () throws(StoreError) in
                if Self.seededTables.contains(table) { try target.execute("DELETE FROM \(quotedIdentifier(table))") }
                var after: [Value]? = nil
                while true {
                    let rows = try batch(of: table, key: key, after: after)
                    try insert(rows, into: table)
                    copied += rows.count
                    guard rows.count == batchSize, let last = rows.last else { break }
                    after = key.map { last[$0] }
                }
            }
            let stored = try count(table, in: target)
            guard copied == expected, stored == expected else {
                throw StoreError.copyMismatch(
                    "\(table): the source holds \(expected) row(s), \(copied) were copied, the target holds \(stored)")
            }
        }
        return CopiedTable(name: table, rows: expected)
    }

    /// Up to `batchSize` rows of `table` after the key `after` (from the start when nil), in key order.
    private func batch(of table: String, key: [String], after: [Value]?) throws(StoreError) -> [Row] {
        let keyColumns = key.map(quotedIdentifier).joined(separator: ", ")
        var sql = "SELECT * FROM \(quotedIdentifier(table))"
        var bindings: [Value] = []
        if let after {
            sql += " WHERE (\(keyColumns)) > (\(placeholders(key.count)))"
            bindings = after
        }
        sql += " ORDER BY \(keyColumns) LIMIT ?"
        bindings.append(.integer(Int64(batchSize)))
        return try source.connection.query(sql, bindings: bindings)
    }

    /// Inserts `rows`, several per statement.
    ///
    /// Rows whose values have the same kinds (which columns are NULL, and the others' types) go in together, in
    /// statements of a power of two rows each (at most 64, and at most 999 bindings: SQLite's smallest parameter
    /// limit). A connection prepares each statement once per text and value kinds (PostgreSQL), so the statements
    /// a copy prepares stay few however many rows it copies.
    private func insert(_ rows: [Row], into table: String) throws(StoreError) {
        guard let columns = rows.first?.columns, !columns.isEmpty else { return }
        let columnList = columns.map(quotedIdentifier).joined(separator: ", ")
        let head = "INSERT INTO \(quotedIdentifier(table)) (\(columnList)) VALUES "
        let tuple = "(\(placeholders(columns.count)))"
        var largest = 1
        while largest * 2 <= min(64, 999 / columns.count) { largest *= 2 }
        var groups: [[Int]: [Row]] = [:]
        for row in rows { groups[row.values.map(kind), default: []].append(row) }
        for group in groups.values {
            var start = 0
            while start < group.count {
                var size = largest
                while size > group.count - start { size /= 2 }
                let chunk = group[start..<start + size]
                let sql = head + Array(repeating: tuple, count: size).joined(separator: ", ")
                _ = try target.connection.query(sql, bindings: chunk.flatMap(\.values))
                start += size
            }
        }
    }

    private func kind(_ value: Value) -> Int {
        switch value {
        case .null: 0
        case .integer: 1
        case .real: 2
        case .text: 3
        case .blob: 4
        }
    }

    private func count(_ table: String, in db: Database) throws -> Int {
        guard let row = try db.queryOne("SELECT count(*) AS n FROM \(quotedIdentifier(table))") else { return 0 }
        return try row.get("n")
    }

    private func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

// Holds two connections, each of one thread.
@available(*, unavailable)
extension DatabaseCopy: Sendable {}
