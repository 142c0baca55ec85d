#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of `branches`: a place assets belong to, inside one zone.
public struct Branch: Sendable, Equatable {
    public let id: String
    public let zone: String
    /// Unique within the zone.
    public let name: String
    public let address: String
    /// Starts at 1 and grows by one on every update: the branch's ETag.
    public let version: Int64
    public let createdAt: Date
    public let updatedAt: Date

    init(row: Row) throws {
        id = try row.get("id")
        zone = try row.get("zone")
        name = try row.get("name")
        address = try row.get("address")
        version = try row.get("version")
        createdAt = try row.get("created_at")
        updatedAt = try row.get("updated_at")
    }
}

/// The columns a branch list sorts by.
public enum BranchColumn: SortColumn {
    case name, createdAt

    public var name: String {
        switch self {
        case .name: "name"
        case .createdAt: "created_at"
        }
    }

    public var isInteger: Bool { self == .createdAt }
}

/// One branch's share of the dashboard: its asset count.
public struct BranchCount: Sendable, Equatable {
    public let branchId: String
    public let name: String
    public let count: Int
}

/// The `branches` table.
///
///     let branches = Branches(db: db)
///     let branch = try branches.insert(zone: "ZoneA", name: "Harbour depot", address: "1 Quay Street")
public struct Branches {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Inserts a branch with a new id, version 1.
    /// - Throws: ``StoreError/duplicate`` when the zone already has a branch of this name.
    public func insert(zone: String, name: String, address: String = "", now: Date = Date()) throws -> Branch {
        do {
            let row = try db.queryOne(
                """
                INSERT INTO branches (id, zone, name, address, version, created_at, updated_at)
                VALUES (?, ?, ?, ?, 1, ?, ?) RETURNING *
                """, newID(), zone, name, address, now, now)
            return try Branch(row: row.orThrow())
        } catch let error as StoreError where error == .duplicate {
            throw StoreError.duplicate("branch name taken in this zone")
        }
    }

    /// The branch with this id in `scope`, or nil (a branch of another zone is nil too).
    public func find(id: String, in scope: ZoneScope) throws -> Branch? {
        switch scope {
        case .all: try db.queryOne("SELECT * FROM branches WHERE id = ?", id).map(Branch.init(row:))
        case .only(let zone):
            try db.queryOne("SELECT * FROM branches WHERE id = ? AND zone = ?", id, zone).map(Branch.init(row:))
        }
    }

    /// Sets the name and address and moves the version on.
    /// - Throws: ``StoreError/notFound``, or ``StoreError/duplicate`` when the new name is taken in the zone.
    public func update(id: String, name: String, address: String, now: Date = Date()) throws -> Branch {
        do {
            let row = try db.queryOne(
                """
                UPDATE branches SET name = ?, address = ?, version = version + 1, updated_at = ?
                WHERE id = ? RETURNING *
                """, name, address, now, id)
            guard let row else { throw StoreError.notFound("no such branch") }
            return try Branch(row: row)
        } catch let error as StoreError where error == .duplicate {
            throw StoreError.duplicate("branch name taken in this zone")
        }
    }

    /// Deletes the branch; false when there was none.
    /// - Throws: ``StoreError/invalidReference`` while assets still belong to it (the foreign key refuses).
    @discardableResult
    public func delete(id: String) throws -> Bool {
        try db.execute("DELETE FROM branches WHERE id = ?", id)
        return db.changes == 1
    }

    /// One page of branches in `scope`, optionally only those whose name contains `search` (case-insensitive
    /// for ASCII), in `order`.
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return for the same order.
    public func list(
        in scope: ZoneScope, search: String? = nil, order: ListOrder<BranchColumn> = ListOrder(.name),
        limit: Int = 50, cursor: String? = nil
    ) throws -> Page<Branch> {
        try keysetPage(
            db, Self.listStatement(in: scope, search: search, dialect: db.dialect), table: "branches", order: order, limit: limit,
            cursor: cursor, decode: { try $0.map(Branch.init(row:)) })
    }

    /// The conditions of a branch list, before the cursor's.
    static func listStatement(in scope: ZoneScope, search: String?, dialect: any Dialect) -> ListStatement {
        var statement = ListStatement()
        if let zone = scope.zone { statement.require("zone = ?", zone) }
        if let search { statement.require(dialect.containsIgnoringCase("name", "?"), search) }
        return statement
    }

    /// Every branch in `scope` with its number of assets, by name (then id), branches without assets included.
    public func assetCounts(in scope: ZoneScope) throws -> [BranchCount] {
        let rows: [Row]
        switch scope {
        case .all: rows = try db.query(Self.assetCountsSQL)
        case .only(let zone): rows = try db.query(Self.assetCountsInZoneSQL, zone)
        }
        return try rows.map { row in
            BranchCount(branchId: try row.get("id"), name: try row.get("name"), count: try row.get("n"))
        }
    }

    /// Walks the zone's branches by name; each count sums the branch's rows of `asset_counts` (its primary key).
    static let assetCountsInZoneSQL = """
        SELECT b.id, b.name,
            coalesce((SELECT sum(c.count) FROM asset_counts AS c WHERE c.branch_id = b.id), 0) AS n
        FROM branches AS b WHERE b.zone = ? ORDER BY b.name, b.id
        """
    static let assetCountsSQL = """
        SELECT b.id, b.name,
            coalesce((SELECT sum(c.count) FROM asset_counts AS c WHERE c.branch_id = b.id), 0) AS n
        FROM branches AS b ORDER BY b.name, b.id
        """
}
