#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A row of `assets`: one tagged thing a zone owns, kept at one of the zone's branches.
public struct Asset: Sendable, Equatable {
    /// The statuses an asset can have; the table's CHECK holds the same list.
    public static let statuses = ["in_service", "in_repair", "retired", "lost"]

    public let id: String
    public let zone: String
    public let fields: AssetFields
    /// Starts at 1 and grows by one on every update: the asset's ETag.
    public let version: Int64
    public let createdAt: Date
    public let updatedAt: Date

    init(row: Row) throws {
        guard let asset = try Self.decode([row][...]).first else { throw StoreError.notFound("no row") }
        self = asset
    }

    private init(id: String, zone: String, fields: AssetFields, version: Int64, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.zone = zone
        self.fields = fields
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Decodes rows of `SELECT * FROM assets`, finding each column's position once rather than by name for every
    /// field of every row (a list page decodes up to 201 rows).
    static func decode(_ rows: ArraySlice<Row>) throws -> [Asset] {
        guard let columns = rows.first?.columns else { return [] }
        func position(_ name: String) throws -> Int {
            guard let index = columns.firstIndex(of: name) else { throw StoreError.typeMismatch("no column \(name)") }
            return index
        }
        let id = try position("id"), zone = try position("zone"), branchId = try position("branch_id")
        let tag = try position("tag"), name = try position("name"), category = try position("category")
        let status = try position("status"), assignedTo = try position("assigned_to")
        let purchasedAt = try position("purchased_at"), valueCents = try position("value_cents")
        let notes = try position("notes"), version = try position("version")
        let createdAt = try position("created_at"), updatedAt = try position("updated_at")
        return try rows.map { row in
            let values = row.values
            return Asset(
                id: try column(values[id]), zone: try column(values[zone]),
                fields: AssetFields(
                    branchId: try column(values[branchId]), tag: try column(values[tag]),
                    name: try column(values[name]), category: try column(values[category]),
                    status: try column(values[status]), assignedTo: try column(values[assignedTo]),
                    purchasedAt: try column(values[purchasedAt]), valueCents: try column(values[valueCents]),
                    notes: try column(values[notes])),
                version: try column(values[version]), createdAt: try column(values[createdAt]),
                updatedAt: try column(values[updatedAt]))
        }
    }
}

/// A column value as `T`.
/// - Throws: ``StoreError`` when it holds another type.
private func column<T: ColumnDecodable>(_ value: Value) throws -> T {
    guard let decoded = T(column: value) else { throw StoreError.typeMismatch("column is not \(T.self)") }
    return decoded
}

/// What a client sets on an asset (everything but its id, zone, version and times), checked by the caller.
public struct AssetFields: Sendable, Equatable {
    public var branchId: String
    /// Unique within the zone.
    public var tag: String
    public var name: String
    public var category: String
    /// One of ``Asset/statuses``.
    public var status: String
    public var assignedTo: String?
    /// A calendar date, `YYYY-MM-DD`.
    public var purchasedAt: String?
    public var valueCents: Int64
    public var notes: String

    public init(
        branchId: String, tag: String, name: String, category: String, status: String = "in_service",
        assignedTo: String? = nil, purchasedAt: String? = nil, valueCents: Int64 = 0, notes: String = ""
    ) {
        self.branchId = branchId
        self.tag = tag
        self.name = name
        self.category = category
        self.status = status
        self.assignedTo = assignedTo
        self.purchasedAt = purchasedAt
        self.valueCents = valueCents
        self.notes = notes
    }
}

/// An asset's id and version: enough to tell whether what was written for the row is current.
public struct AssetKey: Sendable, Equatable {
    public let id: String
    public let version: Int64
}

/// The columns an asset list sorts by.
public enum AssetColumn: SortColumn {
    case createdAt, name, tag, valueCents

    public var name: String {
        switch self {
        case .createdAt: "created_at"
        case .name: "name"
        case .tag: "tag"
        case .valueCents: "value_cents"
        }
    }

    public var isInteger: Bool { self == .createdAt || self == .valueCents }
}

/// The filters of an asset list; nil means "any".
public struct AssetFilter: Sendable, Hashable {
    public var scope: ZoneScope
    public var branchId: String?
    public var status: String?
    public var category: String?
    /// A substring of the tag or the name, case-insensitive for ASCII.
    public var search: String?

    public init(
        scope: ZoneScope, branchId: String? = nil, status: String? = nil, category: String? = nil,
        search: String? = nil
    ) {
        self.scope = scope
        self.branchId = branchId
        self.status = status
        self.category = category
        self.search = search
    }
}

/// The `assets` table.
///
///     let assets = Assets(db: db)
///     let laptop = try assets.insert(zone: "ZoneA", AssetFields(branchId: depot.id, tag: "A-0001", name: "Laptop",
///                                                               category: "it"))
///     let page = try assets.list(AssetFilter(scope: .only("ZoneA"), status: "in_repair"), limit: 50)
public struct Assets {
    let db: Database

    public init(db: Database) {
        self.db = db
    }

    /// Inserts an asset with a new id, version 1.
    /// - Throws: ``StoreError/duplicate`` when the zone already has an asset with this tag;
    ///   ``StoreError/invalidReference`` when the branch is not one of the zone's.
    public func insert(zone: String, _ fields: AssetFields, now: Date = Date()) throws -> Asset {
        do {
            let row = try db.queryOne(
                """
                INSERT INTO assets (id, zone, branch_id, tag, name, category, status, assigned_to, purchased_at,
                    value_cents, notes, version, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING *
                """, newID(), zone, fields.branchId, fields.tag, fields.name, fields.category, fields.status,
                fields.assignedTo, fields.purchasedAt, fields.valueCents, fields.notes, now, now)
            return try Asset(row: row.orThrow())
        } catch let error as StoreError where error == .duplicate {
            throw StoreError.duplicate("asset tag taken in this zone")
        }
    }

    /// The asset with this id in `scope`, or nil (an asset of another zone is nil too).
    public func find(id: String, in scope: ZoneScope) throws -> Asset? {
        switch scope {
        case .all: try db.queryOne("SELECT * FROM assets WHERE id = ?", id).map(Asset.init(row:))
        case .only(let zone):
            try db.queryOne("SELECT * FROM assets WHERE id = ? AND zone = ?", id, zone).map(Asset.init(row:))
        }
    }

    /// Replaces the fields a client sets and moves the version on; the zone never changes.
    /// - Throws: ``StoreError/notFound``, ``StoreError/duplicate`` (tag taken in the zone) or
    ///   ``StoreError/invalidReference`` (the branch is not one of the zone's).
    public func update(id: String, _ fields: AssetFields, now: Date = Date()) throws -> Asset {
        do {
            let row = try db.queryOne(
                """
                UPDATE assets SET branch_id = ?, tag = ?, name = ?, category = ?, status = ?, assigned_to = ?,
                    purchased_at = ?, value_cents = ?, notes = ?, version = version + 1, updated_at = ?
                WHERE id = ? RETURNING *
                """, fields.branchId, fields.tag, fields.name, fields.category, fields.status, fields.assignedTo,
                fields.purchasedAt, fields.valueCents, fields.notes, now, id)
            guard let row else { throw StoreError.notFound("no such asset") }
            return try Asset(row: row)
        } catch let error as StoreError where error == .duplicate {
            throw StoreError.duplicate("asset tag taken in this zone")
        }
    }

    /// Deletes the asset; false when there was none.
    @discardableResult
    public func delete(id: String) throws -> Bool {
        try db.execute("DELETE FROM assets WHERE id = ?", id)
        return db.changes == 1
    }

    /// Whether any asset belongs to the branch (a lookup on the `assets_branch` index).
    public func exist(inBranch branchId: String) throws -> Bool {
        try db.queryOne("SELECT 1 FROM assets WHERE branch_id = ? LIMIT 1", branchId) != nil
    }

    /// One page of the assets that pass `filter`, in `order`.
    ///
    /// Keyset paging on (sort column, id): rows added or removed while a client walks the pages never make it
    /// see a row twice or skip one that was there all along.
    /// - Throws: ``StoreError/invalidCursor`` for a cursor this method did not return for the same order.
    public func list(
        _ filter: AssetFilter, order: ListOrder<AssetColumn> = ListOrder(.createdAt), limit: Int = 50,
        cursor: String? = nil
    ) throws -> Page<Asset> {
        try keysetPage(
            db, Self.listStatement(filter, dialect: db.dialect), table: "assets", order: order, limit: limit, cursor: cursor,
            decode: Asset.decode)
    }

    /// One page of the ids and versions of the assets that pass `filter`, in `order`: the same rows and cursors as
    /// ``list(_:order:limit:cursor:)`` at a fraction of the cost (no row is decoded), for a caller that keeps
    /// what it wrote for a page and needs to know whether the page is still the same.
    public func listKeys(
        _ filter: AssetFilter, order: ListOrder<AssetColumn> = ListOrder(.createdAt), limit: Int = 50,
        cursor: String? = nil
    ) throws -> Page<AssetKey> {
        try keysetPage(
            db, Self.listStatement(filter, dialect: db.dialect), columns: Self.keyColumns(order), table: "assets", order: order,
            limit: limit, cursor: cursor,
            decode: { rows in
                try rows.map { AssetKey(id: try $0.get("id"), version: try $0.get("version")) }
            })
    }

    /// The columns ``listKeys(_:order:limit:cursor:)`` reads: a literal per sort column.
    static func keyColumns(_ order: ListOrder<AssetColumn>) -> String {
        switch order.column {
        case .createdAt: "id, version, created_at"
        case .name: "id, version, name"
        case .tag: "id, version, tag"
        case .valueCents: "id, version, value_cents"
        }
    }

    /// The conditions of an asset list, before the cursor's: only the filters given, as equalities SQLite can
    /// match against an index (`assets_branch`, `assets_zone_status`) or check along the sort index.
    static func listStatement(_ filter: AssetFilter, dialect: any Dialect) -> ListStatement {
        var statement = ListStatement()
        if let zone = filter.scope.zone { statement.require("zone = ?", zone) }
        if let branchId = filter.branchId { statement.require("branch_id = ?", branchId) }
        if let status = filter.status { statement.require("status = ?", status) }
        if let category = filter.category { statement.require("category = ?", category) }
        if let search = filter.search {
            statement.require(
                "(\(dialect.containsIgnoringCase("tag", "?")) OR \(dialect.containsIgnoringCase("name", "?")))", search, search)
        }
        return statement
    }

    // MARK: Dashboard

    /// The number of assets in `scope` for each status, every status present (0 when none).
    public func countByStatus(in scope: ZoneScope) throws -> [String: Int] {
        let rows: [Row]
        switch scope {
        case .all: rows = try db.query(Self.countByStatusSQL)
        case .only(let zone): rows = try db.query(Self.countByStatusInZoneSQL, zone)
        }
        var counts = Dictionary(uniqueKeysWithValues: Asset.statuses.map { ($0, 0) })
        for row in rows { counts[try row.get("status"), default: 0] = try row.get("n") }
        return counts
    }

    /// The sum of the values of the assets in `scope`, in cents.
    public func totalValue(in scope: ZoneScope) throws -> Int64 {
        let row: Row?
        switch scope {
        case .all: row = try db.queryOne(Self.totalValueSQL)
        case .only(let zone): row = try db.queryOne(Self.totalValueInZoneSQL, zone)
        }
        return try row.orThrow().get("total")
    }

    // The dashboard reads `asset_counts`, which triggers keep in step with `assets`: at most one row per
    // (branch, status) in use.

    /// A range of the covering `asset_counts_zone` index.
    static let countByStatusInZoneSQL =
        "SELECT status, sum(count) AS n FROM asset_counts WHERE zone = ? GROUP BY status"
    /// Every zone: the whole of the small `asset_counts`.
    static let countByStatusSQL = "SELECT status, sum(count) AS n FROM asset_counts GROUP BY status"
    static let totalValueInZoneSQL = "SELECT coalesce(sum(value_cents), 0) AS total FROM asset_counts WHERE zone = ?"
    static let totalValueSQL = "SELECT coalesce(sum(value_cents), 0) AS total FROM asset_counts"
}
