import Foundation
import Testing

@testable import Store

/// Every query shape of the business lists and the dashboard reads through an index (`EXPLAIN QUERY PLAN`).
///
/// What is accepted, and why:
/// * `SEARCH t USING [COVERING] INDEX i (…)`: a range of an index.
/// * `SCAN t USING [COVERING] INDEX i` for a list: an ordered walk of the sort index that the `LIMIT` stops after
///   one page (a first page across every zone has no range to start from).
/// * The dashboard never reads `assets`: its counts and values come from `asset_counts` (a row per branch and
///   status in use, kept by triggers), a range of its zone index for a zone, the whole small table across zones.
/// * `SCAN branches USING INDEX` for the dashboard's count by branch across every zone: it lists every branch.
/// * `SCAN activity` (the rowid b-tree, backwards) only for the newest activity across every zone: with
///   `ORDER BY id DESC LIMIT 20` and no temporary b-tree, it stops after 20 rows.
/// Never accepted: a bare `SCAN assets` or `SCAN branches` (every table row read), and, for a list without an
/// equality filter, `USE TEMP B-TREE FOR ORDER BY` (the whole zone sorted for one page). With a `branch_id`,
/// `status` or `category` filter SQLite may pick the filter's index and sort only the rows that match it.
@Suite struct BusinessQueryPlanTests {
    /// The plan's detail lines.
    func plan(_ db: Database, _ sql: String, _ bindings: [any Bindable]) throws -> [String] {
        try db.query("EXPLAIN QUERY PLAN " + sql, bindings: bindings).map { try $0.get("detail") }
    }

    /// The table a `SCAN`/`SEARCH` line reads (aliases `a` and `b` named back), or nil for other lines.
    func table(of line: String) -> String? {
        let words = line.split(separator: " ")
        guard words.count >= 2, words[0] == "SCAN" || words[0] == "SEARCH" else { return nil }
        switch words[1] {
        case "a": return "assets"
        case "b": return "branches"
        default: return String(words[1])
        }
    }

    func usesIndex(_ line: String) -> Bool {
        line.contains(" USING INDEX ") || line.contains(" USING COVERING INDEX ")
            || line.contains(" USING PRIMARY KEY") || line.contains(" USING INTEGER PRIMARY KEY")
    }

    /// Fails unless every line that reads assets or branches goes through an index.
    func expectIndexed(_ lines: [String], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for line in lines {
            guard let table = table(of: line), table == "assets" || table == "branches" else { continue }
            #expect(usesIndex(line), "\(what): \(line)", sourceLocation: sourceLocation)
        }
    }

    static let cursorKeys: [AssetColumn: Value] = [
        .createdAt: .integer(1_750_000_000), .name: .text("Laptop"), .tag: .text("A-0001"), .valueCents: .integer(5),
    ]

    @Test("every asset list shape reads through an index, and unfiltered ones need no sort")
    func assetLists() throws {
        try withDatabase { db throws in
            var shapes = 0
            for scope in [ZoneScope.all, .only("ZoneA")] {
                for mask in 0..<16 {
                    let filter = AssetFilter(
                        scope: scope, branchId: mask & 1 != 0 ? "b" : nil, status: mask & 2 != 0 ? "lost" : nil,
                        category: mask & 4 != 0 ? "it" : nil, search: mask & 8 != 0 ? "lap" : nil)
                    for column in AssetColumn.allCases {
                        for descending in [false, true] {
                            let order = ListOrder(column, descending: descending)
                            for withCursor in [false, true] {
                                var statement = Assets.listStatement(filter, dialect: SQLiteDialect())
                                if withCursor {
                                    statement.require(order.after, Self.cursorKeys[column]!, "some-id")
                                }
                                // The full rows (Assets.list) and the keys only (Assets.listKeys) walk the same
                                // index; without a filter the keys come from the index alone (it ends with the
                                // version), except the zone's tag order, whose index is the tag's unique one.
                                let (sql, bindings) = statement.select(from: "assets", order: order, limit: 51)
                                let lines = try plan(db, sql, bindings)
                                let (keySQL, _) = statement.select(
                                    Assets.keyColumns(order), from: "assets", order: order, limit: 51)
                                let keyLines = try plan(db, keySQL, bindings)
                                #expect(keyLines.map { $0.replacing("COVERING INDEX", with: "INDEX") } == lines)
                                let what = "\(filter) \(order.text) cursor=\(withCursor)"
                                let unfiltered =
                                    filter.branchId == nil && filter.status == nil && filter.category == nil
                                    && filter.search == nil
                                if unfiltered, scope == .all || column != .tag {
                                    #expect(
                                        keyLines.contains { $0.hasPrefix("SEARCH assets USING COVERING INDEX") }
                                            || keyLines.contains { $0.hasPrefix("SCAN assets USING COVERING INDEX") },
                                        "\(what): \(keyLines)")
                                }
                                expectIndexed(lines, what)
                                let equalityFilter =
                                    filter.branchId != nil || filter.status != nil
                                    || filter.category != nil
                                if !equalityFilter {
                                    #expect(!lines.contains { $0.contains("TEMP B-TREE") }, "\(what): \(lines)")
                                }
                                if withCursor, !equalityFilter {
                                    // The cursor starts an index range (on the tag alone where the tag is unique
                                    // in the zone), rather than filtering a walk from the start.
                                    let name = column.name
                                    #expect(
                                        lines.contains {
                                            $0.hasPrefix("SEARCH assets")
                                                && ($0.contains("(\(name),id)") || $0.contains("\(name)>")
                                                    || $0.contains("\(name)<"))
                                        }, "\(what): \(lines)")
                                }
                                shapes += 1
                            }
                        }
                    }
                }
            }
            #expect(shapes == 2 * 16 * 4 * 2 * 2)
        }
    }

    @Test("the common asset list shapes use the index made for them")
    func assetListIndexes() throws {
        try withDatabase { db throws in
            func lines(_ filter: AssetFilter, _ order: ListOrder<AssetColumn>) throws -> String {
                let (sql, bindings) = Assets.listStatement(filter, dialect: SQLiteDialect()).select(from: "assets", order: order, limit: 51)
                return try plan(db, sql, bindings).joined(separator: "\n")
            }
            let zone = ZoneScope.only("ZoneA")
            #expect(try lines(AssetFilter(scope: zone), ListOrder(.createdAt)).contains("INDEX assets_zone_created"))
            #expect(
                try lines(AssetFilter(scope: zone), ListOrder(.name, descending: true)).contains(
                    "INDEX assets_zone_name"))
            #expect(try lines(AssetFilter(scope: zone), ListOrder(.tag)).contains("INDEX assets_zone_tag"))
            #expect(try lines(AssetFilter(scope: zone), ListOrder(.valueCents)).contains("INDEX assets_zone_value"))
            #expect(try lines(AssetFilter(scope: .all), ListOrder(.valueCents)).contains("INDEX assets_value"))
            #expect(
                try lines(AssetFilter(scope: zone, status: "in_repair", search: "lap"), ListOrder(.createdAt))
                    .contains("INDEX assets_zone_status (zone=? AND status=?)"))
            #expect(
                try lines(AssetFilter(scope: zone, branchId: "b"), ListOrder(.createdAt))
                    .contains("INDEX assets_branch (branch_id=? AND zone=?)"))
        }
    }

    @Test("every branch list shape reads through an index without a sort")
    func branchLists() throws {
        try withDatabase { db throws in
            for scope in [ZoneScope.all, .only("ZoneA")] {
                for search in [nil, "dep"] {
                    for column in BranchColumn.allCases {
                        for descending in [false, true] {
                            let order = ListOrder(column, descending: descending)
                            for withCursor in [false, true] {
                                var statement = Branches.listStatement(in: scope, search: search, dialect: SQLiteDialect())
                                if withCursor {
                                    let key: Value = column.isInteger ? .integer(1) : .text("Depot")
                                    statement.require(order.after, key, "some-id")
                                }
                                let (sql, bindings) = statement.select(from: "branches", order: order, limit: 51)
                                let lines = try plan(db, sql, bindings)
                                let what = "\(scope) \(search ?? "-") \(order.text) cursor=\(withCursor)"
                                expectIndexed(lines, what)
                                #expect(!lines.contains { $0.contains("TEMP B-TREE") }, "\(what): \(lines)")
                            }
                        }
                    }
                }
            }
        }
    }

    @Test("the dashboard's queries read through indexes: ranges for a zone, covering passes across zones")
    func dashboard() throws {
        try withDatabase { db throws in
            // Counts and values come from asset_counts, kept by triggers: a range of its zone index for a zone,
            // and the whole small table (a row per branch and status in use) across zones.
            let inZone = try plan(db, Assets.countByStatusInZoneSQL, ["ZoneA"])
            #expect(inZone == ["SEARCH asset_counts USING COVERING INDEX asset_counts_zone (zone=?)"])
            let value = try plan(db, Assets.totalValueInZoneSQL, ["ZoneA"])
            #expect(value == ["SEARCH asset_counts USING COVERING INDEX asset_counts_zone (zone=?)"])
            for sql in [Assets.countByStatusSQL, Assets.totalValueSQL] {
                let lines = try plan(db, sql, [])
                #expect(lines.allSatisfy { table(of: $0) == nil || table(of: $0) == "asset_counts" }, "\(lines)")
            }

            let branchesInZone = try plan(db, Branches.assetCountsInZoneSQL, ["ZoneA"])
            expectIndexed(branchesInZone, "count by branch")
            #expect(branchesInZone.contains("SEARCH b USING INDEX branches_zone_name (zone=?)"), "\(branchesInZone)")
            #expect(branchesInZone.contains("SEARCH c USING PRIMARY KEY (branch_id=?)"), "\(branchesInZone)")
            #expect(!branchesInZone.contains { $0.contains("TEMP B-TREE") }, "\(branchesInZone)")
            let everyBranch = try plan(db, Branches.assetCountsSQL, [])
            expectIndexed(everyBranch, "count by branch, every zone")
            #expect(!everyBranch.contains { $0.contains("TEMP B-TREE") }, "\(everyBranch)")

            let recentInZone = try plan(db, Activity.recentInZoneSQL, ["ZoneA", 20])
            #expect(recentInZone == ["SEARCH activity USING INDEX activity_zone (zone=?)"])
            // Newest first across zones: the rowid b-tree walked backwards, no sort, stopped by the LIMIT.
            let recent = try plan(db, Activity.recentSQL, [20])
            #expect(recent == ["SCAN activity"])
        }
    }

    @Test("lookups by id, the branch-in-use check and settings read through keys")
    func lookups() throws {
        try withDatabase { db throws in
            for (sql, bindings) in [
                ("SELECT * FROM assets WHERE id = ? AND zone = ?", ["x", "ZoneA"]),
                ("SELECT * FROM assets WHERE id = ?", ["x"]),
                ("SELECT * FROM branches WHERE id = ? AND zone = ?", ["x", "ZoneA"]),
                ("SELECT 1 FROM assets WHERE branch_id = ? LIMIT 1", ["x"]),
                ("SELECT key, value FROM settings WHERE zone = ?", ["ZoneA"]),
            ] as [(String, [any Bindable])] {
                let lines = try plan(db, sql, bindings)
                #expect(lines.allSatisfy { $0.hasPrefix("SEARCH") }, "\(sql): \(lines)")
            }
        }
    }
}
