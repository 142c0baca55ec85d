import Foundation
import Testing

@testable import Store

@Suite struct BranchesTests {
    @Test("a branch round-trips, is found only in its zone, and starts at version 1", arguments: testBackends)
    func insertAndFind(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let branches = Branches(db: db)
            let branch = try branches.insert(zone: "ZoneA", name: "Depot", address: "1 Quay St", now: t0)
            #expect(UUID(uuidString: branch.id) != nil && branch.id == branch.id.lowercased())
            #expect(branch.version == 1 && branch.createdAt == t0 && branch.updatedAt == t0)
            #expect(try branches.find(id: branch.id, in: .only("ZoneA")) == branch)
            #expect(try branches.find(id: branch.id, in: .all) == branch)
            #expect(try branches.find(id: branch.id, in: .only("ZoneB")) == nil)
        }
    }

    @Test("names are unique within a zone, not across zones", arguments: testBackends)
    func uniqueNames(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let branches = Branches(db: db)
            _ = try branches.insert(zone: "ZoneA", name: "Depot")
            #expect(throws: StoreError.duplicate) { try branches.insert(zone: "ZoneA", name: "Depot") }
            let other = try branches.insert(zone: "ZoneB", name: "Depot")
            let second = try branches.insert(zone: "ZoneA", name: "Yard")
            #expect(throws: StoreError.duplicate) {
                try branches.update(id: second.id, name: "Depot", address: "")
            }
            #expect(try branches.update(id: other.id, name: "Yard", address: "").name == "Yard")
        }
    }

    @Test("an update moves the version and the update time, and an unknown id throws notFound", arguments: testBackends)
    func update(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let branches = Branches(db: db)
            let branch = try branches.insert(zone: "ZoneA", name: "Depot", now: t0)
            let updated = try branches.update(
                id: branch.id, name: "Depot North", address: "2 Quay St", now: t0.addingTimeInterval(9))
            #expect(updated.version == 2 && updated.name == "Depot North" && updated.address == "2 Quay St")
            #expect(updated.createdAt == t0 && updated.updatedAt == t0.addingTimeInterval(9))
            #expect(throws: StoreError.notFound) { try branches.update(id: "missing", name: "x", address: "") }
        }
    }

    @Test("a branch with assets cannot be deleted; an empty one can", arguments: testBackends)
    func deleteGuardedByAssets(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let branches = Branches(db: db)
            let assets = Assets(db: db)
            let branch = try branches.insert(zone: "ZoneA", name: "Depot")
            let asset = try assets.insert(
                zone: "ZoneA", AssetFields(branchId: branch.id, tag: "T-1", name: "Drill", category: "tools"))
            #expect(try assets.exist(inBranch: branch.id))
            #expect(throws: StoreError.invalidReference) { try branches.delete(id: branch.id) }
            try assets.delete(id: asset.id)
            #expect(try !assets.exist(inBranch: branch.id))
            #expect(try branches.delete(id: branch.id))
            #expect(try !branches.delete(id: branch.id))
        }
    }

    @Test("lists page by name or creation time in either direction, within the scope, and search names", arguments: testBackends)
    func list(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let branches = Branches(db: db)
            var all: [Branch] = []
            for (index, name) in ["delta", "Alpha", "charlie", "bravo", "echo", "Depot|1"].enumerated() {
                // Two share a creation second, so the id breaks the tie.
                all.append(
                    try branches.insert(zone: "ZoneA", name: name, now: t0.addingTimeInterval(Double(index / 2))))
            }
            _ = try branches.insert(zone: "ZoneB", name: "alpha")

            func walk(_ order: ListOrder<BranchColumn>, scope: ZoneScope = .only("ZoneA"), search: String? = nil)
                throws -> [String]
            {
                var names: [String] = []
                var cursor: String?
                repeat {
                    let page = try branches.list(in: scope, search: search, order: order, limit: 2, cursor: cursor)
                    #expect(page.items.count <= 2)
                    names += page.items.map(\.name)
                    cursor = page.nextCursor
                } while cursor != nil
                return names
            }
            let byName = all.sorted { ($0.name, $0.id) < ($1.name, $1.id) }.map(\.name)
            #expect(try walk(ListOrder(.name)) == byName)
            #expect(try walk(ListOrder(.name, descending: true)) == byName.reversed())
            let byTime = all.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }.map(\.name)
            #expect(try walk(ListOrder(.createdAt)) == byTime)
            #expect(try walk(ListOrder(.createdAt, descending: true)) == byTime.reversed())
            #expect(try walk(ListOrder(.name), scope: .all).count == 7)
            #expect(try walk(ListOrder(.name), scope: .all, search: "ALPHA") == ["Alpha", "alpha"])
            #expect(try walk(ListOrder(.name), search: "e") == ["Depot|1", "charlie", "delta", "echo"])
        }
    }

    @Test("a cursor of another order, or one this code did not make, throws invalidCursor", arguments: testBackends)
    func cursors(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let branches = Branches(db: db)
            for name in ["a", "b", "c"] { _ = try branches.insert(zone: "ZoneA", name: name) }
            let page = try branches.list(in: .all, order: ListOrder(.name), limit: 1)
            let cursor = try #require(page.nextCursor)
            #expect(try branches.list(in: .all, order: ListOrder(.name), limit: 1, cursor: cursor).items[0].name == "b")
            #expect(throws: StoreError.invalidCursor) {
                try branches.list(in: .all, order: ListOrder(.name, descending: true), cursor: cursor)
            }
            #expect(throws: StoreError.invalidCursor) {
                try branches.list(in: .all, order: ListOrder(.createdAt), cursor: cursor)
            }
            let wrongKind = KeysetCursor(order: "name", key: .integer(5), id: "x").encoded
            let noID = KeysetCursor(order: "name", key: .text("a"), id: "").encoded
            for garbage in ["", "!!!", "bm90IGpzb24", String(repeating: "A", count: 4000), wrongKind, noID] {
                #expect(throws: StoreError.invalidCursor) {
                    try branches.list(in: .all, order: ListOrder(.name), cursor: garbage.isEmpty ? "e30" : garbage)
                }
            }
        }
    }

    @Test("the dashboard counts every branch's assets, empty branches included, per zone", arguments: testBackends)
    func assetCounts(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let branches = Branches(db: db)
            let assets = Assets(db: db)
            let depot = try branches.insert(zone: "ZoneA", name: "Depot")
            let yard = try branches.insert(zone: "ZoneA", name: "Yard")
            let other = try branches.insert(zone: "ZoneB", name: "Annex")
            for index in 0..<3 {
                _ = try assets.insert(
                    zone: "ZoneA", AssetFields(branchId: depot.id, tag: "T-\(index)", name: "Drill", category: "tools"))
            }
            _ = try assets.insert(
                zone: "ZoneB", AssetFields(branchId: other.id, tag: "T-0", name: "Saw", category: "tools"))
            #expect(
                try branches.assetCounts(in: .only("ZoneA")) == [
                    BranchCount(branchId: depot.id, name: "Depot", count: 3),
                    BranchCount(branchId: yard.id, name: "Yard", count: 0),
                ])
            #expect(try branches.assetCounts(in: .all).map(\.count) == [1, 3, 0])
        }
    }
}
