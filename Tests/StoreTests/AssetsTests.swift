import Foundation
import Testing

@testable import Store

@Suite struct AssetsTests {
    /// Two zones with one branch each.
    func withZones<T>(_ backend: Backend, _ body: (Database, Branch, Branch) throws -> T) throws -> T {
        try withDatabase(backend) { db throws in
            let branches = Branches(db: db)
            return try body(
                db, try branches.insert(zone: "ZoneA", name: "Depot"), try branches.insert(zone: "ZoneB", name: "Annex")
            )
        }
    }

    @Test("an asset round-trips with every field, is found only in its zone, and starts at version 1", arguments: testBackends)
    func insertAndFind(backend: Backend) throws {
        try withZones(backend) { db, depot, _ throws in
            let assets = Assets(db: db)
            let fields = AssetFields(
                branchId: depot.id, tag: "A-0001", name: "Laptop", category: "it", status: "in_repair",
                assignedTo: "Ada", purchasedAt: "2024-02-29", valueCents: 129_900, notes: "Screen\ncracked")
            let asset = try assets.insert(zone: "ZoneA", fields, now: t0)
            #expect(asset.fields == fields && asset.zone == "ZoneA" && asset.version == 1 && asset.createdAt == t0)
            #expect(try assets.find(id: asset.id, in: .only("ZoneA")) == asset)
            #expect(try assets.find(id: asset.id, in: .all) == asset)
            #expect(try assets.find(id: asset.id, in: .only("ZoneB")) == nil)
        }
    }

    @Test("tags are unique within a zone, not across zones", arguments: testBackends)
    func uniqueTags(backend: Backend) throws {
        try withZones(backend) { db, depot, annex throws in
            let assets = Assets(db: db)
            _ = try assets.insert(zone: "ZoneA", AssetFields(branchId: depot.id, tag: "T-1", name: "A", category: "c"))
            #expect(throws: StoreError.duplicate) {
                try assets.insert(zone: "ZoneA", AssetFields(branchId: depot.id, tag: "T-1", name: "B", category: "c"))
            }
            _ = try assets.insert(zone: "ZoneB", AssetFields(branchId: annex.id, tag: "T-1", name: "C", category: "c"))
            let second = try assets.insert(
                zone: "ZoneA", AssetFields(branchId: depot.id, tag: "T-2", name: "D", category: "c"))
            var fields = second.fields
            fields.tag = "T-1"
            #expect(throws: StoreError.duplicate) { try assets.update(id: second.id, fields) }
        }
    }

    @Test("the database refuses an asset whose branch is in another zone or does not exist", arguments: testBackends)
    func branchInZone(backend: Backend) throws {
        try withZones(backend) { db, depot, annex throws in
            let assets = Assets(db: db)
            #expect(throws: StoreError.invalidReference) {
                try assets.insert(zone: "ZoneA", AssetFields(branchId: annex.id, tag: "T", name: "A", category: "c"))
            }
            #expect(throws: StoreError.invalidReference) {
                try assets.insert(zone: "ZoneA", AssetFields(branchId: "missing", tag: "T", name: "A", category: "c"))
            }
            let asset = try assets.insert(
                zone: "ZoneA", AssetFields(branchId: depot.id, tag: "T", name: "A", category: "c"))
            var moved = asset.fields
            moved.branchId = annex.id
            #expect(throws: StoreError.invalidReference) { try assets.update(id: asset.id, moved) }
        }
    }

    @Test("the table's checks refuse an unknown status, a negative value and an impossible date", arguments: testBackends)
    func checks(backend: Backend) throws {
        try withZones(backend) { db, depot, _ throws in
            let assets = Assets(db: db)
            for fields in [
                AssetFields(branchId: depot.id, tag: "T", name: "A", category: "c", status: "stolen"),
                AssetFields(branchId: depot.id, tag: "T", name: "A", category: "c", valueCents: -1),
                AssetFields(branchId: depot.id, tag: "T", name: "A", category: "c", purchasedAt: "2023-02-29"),
                AssetFields(branchId: depot.id, tag: "T", name: "A", category: "c", purchasedAt: "yesterday"),
            ] {
                #expect(throws: StoreError.constraint) { try assets.insert(zone: "ZoneA", fields) }
            }
        }
    }

    @Test("an update replaces the fields, moves the version, keeps the zone; delete removes the row", arguments: testBackends)
    func updateAndDelete(backend: Backend) throws {
        try withZones(backend) { db, depot, _ throws in
            let assets = Assets(db: db)
            let branches = Branches(db: db)
            let yard = try branches.insert(zone: "ZoneA", name: "Yard")
            let asset = try assets.insert(
                zone: "ZoneA", AssetFields(branchId: depot.id, tag: "T", name: "A", category: "c", assignedTo: "Bo"),
                now: t0)
            var fields = asset.fields
            fields.branchId = yard.id
            fields.assignedTo = nil
            fields.status = "retired"
            let updated = try assets.update(id: asset.id, fields, now: t0.addingTimeInterval(3))
            #expect(updated.fields == fields && updated.version == 2 && updated.zone == "ZoneA")
            #expect(updated.updatedAt == t0.addingTimeInterval(3) && updated.createdAt == t0)
            #expect(throws: StoreError.notFound) { try assets.update(id: "missing", fields) }
            #expect(try assets.delete(id: asset.id))
            #expect(try !assets.delete(id: asset.id))
            #expect(try assets.find(id: asset.id, in: .all) == nil)
        }
    }

    @Test("lists filter by zone, branch, status, category and a substring of the tag or name", arguments: testBackends)
    func filters(backend: Backend) throws {
        try withZones(backend) { db, depot, annex throws in
            let assets = Assets(db: db)
            let yard = try Branches(db: db).insert(zone: "ZoneA", name: "Yard")
            let rows: [(String, AssetFields)] = [
                ("ZoneA", AssetFields(branchId: depot.id, tag: "IT-1", name: "Laptop", category: "it")),
                (
                    "ZoneA",
                    AssetFields(branchId: yard.id, tag: "IT-2", name: "Old laptop", category: "it", status: "retired")
                ),
                (
                    "ZoneA",
                    AssetFields(branchId: depot.id, tag: "TL-1", name: "Drill", category: "tools", status: "in_repair")
                ),
                ("ZoneB", AssetFields(branchId: annex.id, tag: "IT-1", name: "Laptop", category: "it")),
            ]
            for (zone, fields) in rows { _ = try assets.insert(zone: zone, fields) }
            func tags(_ filter: AssetFilter) throws -> [String] {
                try assets.list(filter, order: ListOrder(.tag)).items.map { "\($0.zone):\($0.fields.tag)" }
            }
            #expect(try tags(AssetFilter(scope: .only("ZoneA"))) == ["ZoneA:IT-1", "ZoneA:IT-2", "ZoneA:TL-1"])
            // Across zones the two IT-1 tie on the tag; the id decides their order.
            let everyZone = try tags(AssetFilter(scope: .all))
            #expect(everyZone.count == 4 && Set(everyZone.prefix(2)) == ["ZoneA:IT-1", "ZoneB:IT-1"])
            #expect(everyZone.suffix(2) == ["ZoneA:IT-2", "ZoneA:TL-1"])
            #expect(try tags(AssetFilter(scope: .only("ZoneA"), branchId: yard.id)) == ["ZoneA:IT-2"])
            #expect(try tags(AssetFilter(scope: .only("ZoneB"), branchId: yard.id)) == [])
            #expect(try tags(AssetFilter(scope: .only("ZoneA"), status: "in_repair")) == ["ZoneA:TL-1"])
            #expect(try tags(AssetFilter(scope: .all, category: "it")).count == 3)
            #expect(try tags(AssetFilter(scope: .only("ZoneA"), search: "LAPTOP")) == ["ZoneA:IT-1", "ZoneA:IT-2"])
            #expect(try tags(AssetFilter(scope: .only("ZoneA"), search: "tl-")) == ["ZoneA:TL-1"])
            #expect(try tags(AssetFilter(scope: .only("ZoneA"), category: "it", search: "old")) == ["ZoneA:IT-2"])
        }
    }

    @Test(
        "keyset paging walks every sort in both directions without repeats or gaps, ties broken by id",
        arguments: testBackends, AssetColumn.allCases)
    func paging(backend: Backend, column: AssetColumn) throws {
        try withZones(backend) { db, depot, annex throws in
            let assets = Assets(db: db)
            var inserted: [Asset] = []
            for index in 0..<37 {
                // Few distinct names, values and creation seconds: most keys tie.
                let fields = AssetFields(
                    branchId: index % 5 == 0 ? annex.id : depot.id, tag: String(format: "T-%03d", (index * 7) % 37),
                    name: ["Drill", "Laptop", "saw"][index % 3], category: "c", valueCents: Int64(index % 4) * 100)
                inserted.append(
                    try assets.insert(
                        zone: index % 5 == 0 ? "ZoneB" : "ZoneA", fields, now: t0.addingTimeInterval(Double(index / 6)))
                )
            }
            func key(_ asset: Asset) -> String {
                switch column {
                case .createdAt: String(format: "%012.0f", asset.createdAt.timeIntervalSince1970)
                case .name: asset.fields.name
                case .tag: asset.fields.tag
                case .valueCents: String(format: "%012d", asset.fields.valueCents)
                }
            }
            for scope in [ZoneScope.all, .only("ZoneA")] {
                let expected = inserted.filter { scope.zone == nil || $0.zone == scope.zone }
                    .sorted { (key($0), $0.id) < (key($1), $1.id) }.map(\.id)
                for descending in [false, true] {
                    var seen: [String] = []
                    var cursor: String?
                    repeat {
                        let page = try assets.list(
                            AssetFilter(scope: scope), order: ListOrder(column, descending: descending), limit: 4,
                            cursor: cursor)
                        seen += page.items.map(\.id)
                        cursor = page.nextCursor
                    } while cursor != nil
                    #expect(seen == (descending ? expected.reversed() : expected), "\(scope) \(column) \(descending)")
                    // The keys-only list walks the same rows with the same cursors.
                    var keys: [String] = []
                    cursor = nil
                    repeat {
                        let page = try assets.listKeys(
                            AssetFilter(scope: scope), order: ListOrder(column, descending: descending), limit: 4,
                            cursor: cursor)
                        #expect(page.items.allSatisfy { $0.version == 1 })
                        keys += page.items.map(\.id)
                        cursor = page.nextCursor
                    } while cursor != nil
                    #expect(keys == seen)
                }
            }
        }
    }

    @Test("a cursor of another sort throws invalidCursor; the last page has no cursor", arguments: testBackends)
    func cursors(backend: Backend) throws {
        try withZones(backend) { db, depot, _ throws in
            let assets = Assets(db: db)
            for index in 0..<3 {
                _ = try assets.insert(
                    zone: "ZoneA", AssetFields(branchId: depot.id, tag: "T-\(index)", name: "A", category: "c"))
            }
            let filter = AssetFilter(scope: .only("ZoneA"))
            let first = try assets.list(filter, order: ListOrder(.name), limit: 2)
            let cursor = try #require(first.nextCursor)
            #expect(try assets.list(filter, order: ListOrder(.name), limit: 2, cursor: cursor).nextCursor == nil)
            for other in [ListOrder<AssetColumn>(.name, descending: true), ListOrder(.tag), ListOrder(.valueCents)] {
                #expect(throws: StoreError.invalidCursor) { try assets.list(filter, order: other, cursor: cursor) }
            }
            #expect(try assets.list(filter, limit: 3).nextCursor == nil)
        }
    }

    @Test("the dashboard counts by status (every status present) and sums values, per zone or across zones", arguments: testBackends)
    func dashboard(backend: Backend) throws {
        try withZones(backend) { db, depot, annex throws in
            let assets = Assets(db: db)
            #expect(
                try assets.countByStatus(in: .only("ZoneA")) == [
                    "in_service": 0, "in_repair": 0, "retired": 0, "lost": 0,
                ])
            #expect(try assets.totalValue(in: .all) == 0)
            for (index, status) in ["in_service", "in_service", "lost", "in_repair"].enumerated() {
                _ = try assets.insert(
                    zone: "ZoneA",
                    AssetFields(
                        branchId: depot.id, tag: "T-\(index)", name: "A", category: "c", status: status,
                        valueCents: 1_000))
            }
            _ = try assets.insert(
                zone: "ZoneB", AssetFields(branchId: annex.id, tag: "T", name: "B", category: "c", valueCents: 5))
            #expect(
                try assets.countByStatus(in: .only("ZoneA")) == [
                    "in_service": 2, "in_repair": 1, "retired": 0, "lost": 1,
                ])
            #expect(try assets.countByStatus(in: .all)["in_service"] == 3)
            #expect(try assets.totalValue(in: .only("ZoneA")) == 4_000)
            #expect(try assets.totalValue(in: .only("ZoneB")) == 5)
            #expect(try assets.totalValue(in: .all) == 4_005)
        }
    }

    @Test("the version moves by one on every update, also on one written outside the API", arguments: testBackends)
    func versionTrigger(backend: Backend) throws {
        try withZones(backend) { db, depot, _ throws in
            let assets = Assets(db: db)
            let branches = Branches(db: db)
            let asset = try assets.insert(
                zone: "ZoneA", AssetFields(branchId: depot.id, tag: "T", name: "A", category: "c"))
            #expect(try assets.update(id: asset.id, asset.fields).version == 2)
            try db.execute("UPDATE assets SET name = 'Edited by hand' WHERE id = ?", asset.id)
            #expect(try assets.find(id: asset.id, in: .all)?.version == 3)
            #expect(try branches.update(id: depot.id, name: "Depot", address: "").version == 2)
            try db.execute("UPDATE branches SET address = 'By hand' WHERE id = ?", depot.id)
            #expect(try branches.find(id: depot.id, in: .all)?.version == 3)
        }
    }

    @Test("the dashboard's counters stay equal to counting the assets, through inserts, moves, updates and deletes", arguments: testBackends)
    func countersFollowChanges(backend: Backend) throws {
        try withZones(backend) { db, depot, annex throws in
            let assets = Assets(db: db)
            let yard = try Branches(db: db).insert(zone: "ZoneA", name: "Yard")
            var generator = SystemRandomNumberGenerator()
            var live: [Asset] = []
            for step in 0..<400 {
                let action = live.isEmpty ? 0 : Int.random(in: 0..<4, using: &generator)
                let status = Asset.statuses.randomElement(using: &generator)!
                let value = Int64.random(in: 0..<10_000, using: &generator)
                switch action {
                case 0, 1:
                    let zoneA = Bool.random(using: &generator)
                    let branch = zoneA ? (Bool.random(using: &generator) ? depot : yard) : annex
                    live.append(
                        try assets.insert(
                            zone: branch.zone,
                            AssetFields(
                                branchId: branch.id, tag: "T-\(step)", name: "A", category: "c", status: status,
                                valueCents: value)))
                case 2:
                    let index = Int.random(in: 0..<live.count, using: &generator)
                    var fields = live[index].fields
                    fields.status = status
                    fields.valueCents = value
                    if live[index].zone == "ZoneA" {
                        fields.branchId = Bool.random(using: &generator) ? depot.id : yard.id
                    }
                    live[index] = try assets.update(id: live[index].id, fields)
                default:
                    let index = Int.random(in: 0..<live.count, using: &generator)
                    try assets.delete(id: live.remove(at: index).id)
                }
            }
            for scope in [ZoneScope.all, .only("ZoneA"), .only("ZoneB")] {
                let rows = live.filter { scope.zone == nil || $0.zone == scope.zone }
                var byStatus = Dictionary(uniqueKeysWithValues: Asset.statuses.map { ($0, 0) })
                for asset in rows { byStatus[asset.fields.status, default: 0] += 1 }
                #expect(try assets.countByStatus(in: scope) == byStatus)
                #expect(try assets.totalValue(in: scope) == rows.reduce(0) { $0 + $1.fields.valueCents })
                let counts = try Branches(db: db).assetCounts(in: scope)
                for count in counts {
                    #expect(count.count == rows.filter { $0.fields.branchId == count.branchId }.count)
                }
            }
            // Rows whose count reached zero are gone.
            #expect(
                try db.queryOne("SELECT count(*) AS n FROM asset_counts WHERE count <= 0")?.get("n", as: Int.self) == 0)
        }
    }
}
