import Foundation
import Testing

@testable import AuthHandlers
import FCGIHost
@testable import Store

/// The Authorizer over a real database: what users hold where, the context a login gets (API.md "Assignments"),
/// and how changes reach a worker's snapshot and caches.
@Suite struct AuthorizerContextTests {
    let fixture: RouteFixture
    let authorizer: Authorizer
    let roles: Roles
    let assignments: Assignments
    let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    init() throws {
        fixture = try RouteFixture()
        // No write generation: every question re-reads the counters, as after any write.
        authorizer = Authorizer(database: fixture.database)
        roles = Roles(db: fixture.database)
        assignments = Assignments(db: fixture.database)
        _ = try roles.create(name: "reader", permissions: ["data:read"])
        _ = try roles.create(name: "field", permissions: ["field:manage"])
        _ = try roles.create(name: "office", permissions: ["office:use", "assets:*"])
        _ = try roles.create(name: "lead", permissions: [])
    }

    func user(_ email: String, roles global: [String] = []) throws -> User {
        let user = try fixture.auth.users.insert(email: email, name: "U", passwordHash: nil, now: t0)
        if !global.isEmpty { try roles.setRoles(global, forUser: user.id) }
        return user
    }

    func subject(_ user: User) throws -> Authorizer.Subject { try #require(try authorizer.subject(userId: user.id)) }

    @Test("global roles hold everywhere, an assignment's role in its domain only and only while active")
    func grantsByDomain() throws {
        let ada = try user("ada@example.com", roles: ["reader"])
        _ = try assignments.create(userId: ada.id, zone: "ZoneA", department: "Ops", role: "field", isPrimary: true, now: t0)
        _ = try assignments.create(
            userId: ada.id, zone: "ZoneB", department: "Desk", role: "office", active: false, now: t0 + 1)
        let s = try subject(ada)
        #expect(try authorizer.grants(s, in: "*") == .init(roles: ["reader"], permissions: ["data:read"]))
        #expect(try authorizer.grants(s, in: "ZoneA/Ops").permissions == ["data:read", "field:manage"])
        #expect(try authorizer.grants(s, in: "ZoneA/Ops").roles == ["reader", "field"])
        #expect(try authorizer.grants(s, in: "ZoneB/Desk").permissions == ["data:read"])  // inactive
        #expect(try authorizer.grants(s, in: "ZoneC/Ops").permissions == ["data:read"])
        #expect(try authorizer.everything(s) == ["data:read", "field:manage"])
    }

    @Test("policy lines: by domain, in every domain with *, inherited inside a domain, users by id or email")
    func policyGrants() throws {
        let bob = try user("bob@example.com")
        _ = try assignments.create(userId: bob.id, zone: "ZoneA", department: "Ops", role: "field", isPrimary: true, now: t0)
        try fixture.database.transaction {
            try Policies(db: fixture.database).replace(with: [
                "p, lead, ZoneA/Ops, reports, approve", "g, field, lead, ZoneA/Ops", "p, lead, ZoneB/Desk, reports, sign",
                "p, \(bob.id), *, dashboards, view", "g, bob@example.com, lead, ZoneC/Yard",
            ])
        }
        let s = try subject(bob)
        let zoneA = try authorizer.grants(s, in: "ZoneA/Ops")
        #expect(zoneA.permissions == ["dashboards:view", "field:manage", "reports:approve"])
        #expect(zoneA.roles == ["field", "lead"])
        #expect(try authorizer.grants(s, in: "ZoneB/Desk").permissions == ["dashboards:view"])
        #expect(try authorizer.grants(s, in: "ZoneC/Yard").permissions == ["dashboards:view"])  // lead has nothing there
        #expect(try authorizer.grants(ofRoles: ["field"], in: "ZoneA/Ops").permissions == ["field:manage", "reports:approve"])
        #expect(try authorizer.grants(ofRoles: ["office"]).allows("assets:write"))  // a * segment
        // A disabled account holds nothing.
        _ = try fixture.auth.users.update(id: bob.id, isActive: false, now: t0)
        #expect(try authorizer.grants(try subject(bob), in: "ZoneA/Ops").permissions.isEmpty)
    }

    @Test("an assignment is one link from the user, as g lines are in Casbin: a role 9 links away is held, 10 not")
    func inheritanceDepthMatchesCasbin() throws {
        let fay = try user("fay@example.com")
        _ = try roles.create(name: "r0", permissions: [])
        _ = try assignments.create(userId: fay.id, zone: "Z", department: "D", role: "r0", now: t0)
        // fay -> r0 (the assignment) -> r1 -> ... -> r9, each rN with permission level:rN in Z/D.
        var lines = (0..<9).map { "g, r\($0), r\($0 + 1), Z/D" }
        lines += (0...9).map { "p, r\($0), Z/D, level, r\($0)" }
        try fixture.database.transaction { try Policies(db: fixture.database).replace(with: lines) }
        let held = try authorizer.grants(try subject(fay), in: "Z/D").permissions
        #expect(held == (0...8).map { "level:r\($0)" }.sorted())
        // The same chain declared as a policy g line for the user gives the same answer.
        let gus = try user("gus@example.com")
        try fixture.database.transaction {
            try Policies(db: fixture.database).replace(with: lines + ["g, gus@example.com, r0, Z/D"])
        }
        #expect(try authorizer.grants(try subject(gus), in: "Z/D").permissions == held)
    }

    @Test("a change to roles or policies reaches the snapshot at once (the counter moves in the same transaction)")
    func snapshotFollowsChanges() throws {
        let cy = try user("cy@example.com", roles: ["lead"])
        #expect(try authorizer.grants(try subject(cy), in: "*").permissions.isEmpty)
        _ = try roles.upsert(name: "lead", permissions: ["team:lead"])
        #expect(try authorizer.grants(try subject(cy), in: "*").permissions == ["team:lead"])
        try fixture.database.transaction { try Policies(db: fixture.database).replace(with: ["p, lead, *, team, hire"]) }
        #expect(try authorizer.grants(try subject(cy), in: "Z/D").permissions == ["team:hire", "team:lead"])
        _ = try roles.delete(name: "lead")
        #expect(try authorizer.grants(try subject(cy), in: "Z/D").permissions.isEmpty)
    }

    @Test("login context: the primary when active and allowed, else the oldest active allowed one, else none")
    func loginContext() throws {
        let dee = try user("dee@example.com")
        let first = try assignments.create(
            userId: dee.id, zone: "ZoneA", department: "Ops", role: "field", isPrimary: false,
            rules: #"{"cidrs": ["10.0.0.0/8"]}"#, now: t0)
        let second = try assignments.create(
            userId: dee.id, zone: "ZoneB", department: "Desk", role: "office", isPrimary: false,
            rules: #"{"devices": ["kiosk-1"]}"#, now: t0 + 1)
        let third = try assignments.create(userId: dee.id, zone: "ZoneC", department: "Yard", role: "reader", now: t0 + 2)
        let primary = try assignments.create(
            userId: dee.id, zone: "ZoneP", department: "Main", role: "lead", isPrimary: true,
            rules: #"{"cidrs": ["192.0.2.0/24", "2001:db8::/32"]}"#, now: t0 + 3)
        func context(_ address: String, _ device: String?) throws -> String? {
            authorizer.loginContext(try subject(dee), at: t0, address: address, deviceId: device)?.id
        }
        #expect(try context("192.0.2.7", nil) == primary.id)
        #expect(try context("2001:db8::5", nil) == primary.id)
        #expect(try context("10.1.2.3", nil) == first.id)  // primary refused: the oldest that allows
        #expect(try context("203.0.113.1", "kiosk-1") == second.id)
        #expect(try context("203.0.113.1", nil) == third.id)
        _ = try assignments.update(id: third.id, userId: dee.id, active: false)
        #expect(try context("203.0.113.1", nil) == nil)
        _ = try assignments.update(id: primary.id, userId: dee.id, active: false)
        #expect(try context("192.0.2.7", "kiosk-1") == second.id)  // an inactive primary is passed over
    }

    @Test("a token's context assignment is cached per worker and dropped when assignments change")
    func contextCache() throws {
        let eve = try user("eve@example.com")
        let a = try assignments.create(userId: eve.id, zone: "ZoneA", department: "Ops", role: "field", now: t0)
        #expect(try authorizer.contextAssignment(userId: eve.id, zone: "ZoneA", department: "Ops")?.id == a.id)
        _ = try assignments.update(id: a.id, userId: eve.id, active: false)
        #expect(try authorizer.contextAssignment(userId: eve.id, zone: "ZoneA", department: "Ops") == nil)
        _ = try assignments.update(id: a.id, userId: eve.id, active: true, rules: #"{"devices": ["d1"]}"#)
        let again = try #require(try authorizer.contextAssignment(userId: eve.id, zone: "ZoneA", department: "Ops"))
        #expect(authorizer.denial(again, at: t0, address: "192.0.2.1", deviceId: "d2")?.rule == .devices)
        #expect(authorizer.denial(again, at: t0, address: "192.0.2.1", deviceId: "d1") == nil)
        // Stored rules this version cannot read (written outside the API) refuse everything: fail closed.
        try fixture.database.execute(#"UPDATE assignments SET rules = '{"hours": 5}' WHERE id = ?"#, a.id)
        let broken = try #require(try authorizer.contextAssignment(userId: eve.id, zone: "ZoneA", department: "Ops"))
        #expect(authorizer.denial(broken, at: t0, address: "192.0.2.1", deviceId: "d1") != nil)
    }
}
