import Foundation
import Testing

@testable import Store

@Suite struct SettingsTests {
    @Test("settings are per zone, report whether they are new, and keep the last value", arguments: testBackends)
    func setAndRead(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let settings = Settings(db: db)
            #expect(try settings.all(zone: "ZoneA").isEmpty)
            #expect(try settings.set(zone: "ZoneA", key: "currency", json: #""EUR""#, actorId: "u1", now: t0))
            #expect(try !settings.set(zone: "ZoneA", key: "currency", json: #""GBP""#, actorId: "u2", now: t0))
            #expect(try settings.set(zone: "ZoneA", key: "custom", json: #"{"a":[1,2]}"#, actorId: nil))
            #expect(try settings.set(zone: "ZoneB", key: "currency", json: #""USD""#, actorId: nil))
            #expect(try settings.all(zone: "ZoneA") == ["currency": #""GBP""#, "custom": #"{"a":[1,2]}"#])
            #expect(try settings.value(zone: "ZoneB", key: "currency") == #""USD""#)
            #expect(try settings.value(zone: "ZoneC", key: "currency") == nil)
        }
    }

    @Test("a value that is not JSON is refused by the table", arguments: testBackends)
    func notJSON(backend: Backend) throws {
        _ = try withDatabase(backend) { db throws in
            #expect(throws: StoreError.constraint) {
                try Settings(db: db).set(zone: "ZoneA", key: "k", json: "{nope", actorId: nil)
            }
        }
    }
}

@Suite struct ActivityTests {
    @Test("recent activity is newest first, limited, and per zone or across zones", arguments: testBackends)
    func recent(backend: Backend) throws {
        try withDatabase(backend) { db throws in
            let activity = Activity(db: db)
            for index in 0..<25 {
                try activity.append(
                    zone: index % 2 == 0 ? "ZoneA" : "ZoneB", actorId: "u\(index)", .created, .asset, id: "a\(index)",
                    at: t0.addingTimeInterval(Double(index)))
            }
            try activity.append(zone: "ZoneA", actorId: nil, .updated, .setting, id: "currency", at: t0)
            let zoneA = try activity.recent(in: .only("ZoneA"))
            #expect(zoneA.count == 14 && zoneA.allSatisfy { $0.zone == "ZoneA" })
            #expect(zoneA[0].entity == .setting && zoneA[0].action == .updated && zoneA[0].actorId == nil)
            #expect(zoneA[1].entityId == "a24" && zoneA[1].at == t0.addingTimeInterval(24))
            let all = try activity.recent(in: .all)
            #expect(all.count == 20 && all.map(\.id) == all.map(\.id).sorted(by: >))
            #expect(try activity.recent(in: .only("ZoneB"), limit: 3).map(\.entityId) == ["a23", "a21", "a19"])
        }
    }
}
