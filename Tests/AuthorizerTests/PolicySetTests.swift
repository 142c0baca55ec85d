import AuthHandlers
import Testing

@Suite struct PolicySetTests {
    func policies(_ csv: String, implied: [PolicyLine] = []) throws -> PolicySet {
        PolicySet(lines: try PolicyReader().read(csv: csv) + implied)
    }

    @Test("roles inherit inside their domain, transitively, and only there")
    func inheritance() throws {
        let set = try policies(
            """
            p, reader, d1, data, read
            p, writer, d1, data, write
            g, writer, reader, d1
            g, lead, writer, d1
            g, alice, lead, d1
            g, bob, lead, d2
            """)
        #expect(set.allows(subjects: ["alice"], domain: "d1", object: "data", action: "read"))
        #expect(set.allows(subjects: ["alice"], domain: "d1", object: "data", action: "write"))
        #expect(!set.allows(subjects: ["alice"], domain: "d2", object: "data", action: "read"))
        #expect(!set.allows(subjects: ["bob"], domain: "d1", object: "data", action: "read"))
        #expect(!set.allows(subjects: ["bob"], domain: "d2", object: "data", action: "read"))
        #expect(set.permissions(subjects: ["alice"], domain: "d1") == ["data:read", "data:write"])
        #expect(set.roles(subjects: ["alice"], domain: "d1") == ["lead", "reader", "writer"])
        #expect(set.roles(subjects: ["bob"], domain: "d2") == ["lead"])
        #expect(set.permissions(subjects: ["writer"], domain: "d1") == ["data:read", "data:write"])
        #expect(
            set.grant(subjects: ["alice"], domain: "d1", object: "data", action: "read")
                == .permission(subject: "reader", domain: "d1", object: "data", action: "read"))
    }

    @Test("a p line naming a subject directly applies to it; cycles end")
    func directAndCycles() throws {
        let set = try policies("p, alice, d, o, a\ng, r1, r2, d\ng, r2, r1, d\np, r2, d, o, b\ng, carol, r1, d\n")
        #expect(set.allows(subjects: ["alice"], domain: "d", object: "o", action: "a"))
        #expect(set.allows(subjects: ["carol"], domain: "d", object: "o", action: "b"))
        #expect(set.roles(subjects: ["carol"], domain: "d") == ["r1", "r2"])
    }

    @Test("a chain reaches nine links, as Casbin's role manager does (max_hierarchy_level 10), not ten")
    func hierarchyLimit() throws {
        var lines = ["g, u, r1, d"] + (1..<12).map { "g, r\($0), r\($0 + 1), d" }
        lines += (1...12).map { "p, r\($0), d, o, a\($0)" }
        let set = try policies(lines.joined(separator: "\n"))
        #expect(set.allows(subjects: ["u"], domain: "d", object: "o", action: "a9"))
        #expect(!set.allows(subjects: ["u"], domain: "d", object: "o", action: "a10"))
        #expect(set.permissions(subjects: ["u"], domain: "d").count == 9)
        #expect(PolicySet.maxHops == 9)
    }

    @Test("a user is asked by id and email together: lines naming either apply")
    func aliases() throws {
        let set = try policies("g, 7f1c, viewer, z/d\ng, john@company.com, editor, z/d\np, viewer, z/d, assets, read\np, editor, z/d, assets, write\n")
        let john = ["7f1c", "john@company.com"]
        #expect(set.permissions(subjects: john, domain: "z/d") == ["assets:read", "assets:write"])
        #expect(set.permissions(subjects: ["7f1c"], domain: "z/d") == ["assets:read"])
        #expect(set.roles(subjects: john, domain: "z/d") == ["editor", "viewer"])
    }

    @Test("the * extension: p lines of domain * apply in every domain, g lines of * join every domain's")
    func anyDomain() throws {
        let set = try policies(
            """
            p, admin, *, users, read
            p, staff, d1, assets, read
            g, manager, staff, d1
            g, carol, admin, *
            g, dave, admin, d2
            """,
            implied: [.globalRole(user: "alice", role: "manager")])
        // A global role (g in *) meets a domain's own inheritance (manager -> staff in d1).
        #expect(set.allows(subjects: ["alice"], domain: "d1", object: "assets", action: "read"))
        #expect(!set.allows(subjects: ["alice"], domain: "d2", object: "assets", action: "read"))
        // A p line of * applies in any domain, named or not, and in * itself.
        #expect(set.allows(subjects: ["carol"], domain: "anywhere/at-all", object: "users", action: "read"))
        #expect(set.allows(subjects: ["carol"], domain: "*", object: "users", action: "read"))
        #expect(set.allows(subjects: ["dave"], domain: "d2", object: "users", action: "read"))
        #expect(!set.allows(subjects: ["dave"], domain: "d1", object: "users", action: "read"))
        // Domain-specific lines do not leak into *.
        #expect(!set.allows(subjects: ["alice"], domain: "*", object: "assets", action: "read"))
        #expect(set.roles(subjects: ["alice"], domain: "d1") == ["manager", "staff"])
        #expect(
            set.grant(subjects: ["carol"], domain: "d9", object: "users", action: "read")
                == .permission(subject: "admin", domain: "*", object: "users", action: "read"))
    }

    @Test("assignments, global roles and role permissions as implied lines")
    func impliedLines() throws {
        let set = try policies(
            "p, auditor, ZoneA/FieldTeam, audit, read\n",
            implied: [
                .assignment(user: "u1", role: "field-engineer", zone: "ZoneA", department: "FieldTeam"),
                .assignment(user: "u1", role: "auditor", zone: "ZoneA", department: "FieldTeam"),
                .globalRole(user: "u1", role: "viewer"),
                PolicyLine.rolePermission(role: "field-engineer", permission: "field:manage")!,
                PolicyLine.rolePermission(role: "viewer", permission: "user:read")!,
            ])
        #expect(
            set.permissions(subjects: ["u1", "u1@example.com"], domain: "ZoneA/FieldTeam")
                == ["audit:read", "field:manage", "user:read"])
        #expect(set.permissions(subjects: ["u1"], domain: "ZoneB/FieldTeam") == ["user:read"])
        #expect(set.permissions(subjects: ["u1"], domain: "*") == ["user:read"])
        #expect(set.roles(subjects: ["u1"], domain: "ZoneA/FieldTeam") == ["auditor", "field-engineer", "viewer"])
    }

    @Test("a user's own lines passed per question count as if compiled in, nine links included")
    func userLines() throws {
        var lines = (1..<12).map { "g, r\($0), r\($0 + 1), d" }
        lines += (1...12).map { "p, r\($0), d, o, a\($0)" } + ["p, admin, *, users, read"]
        let shared = try policies(lines.joined(separator: "\n"))
        let own: [PolicyLine] = [
            .assignment(user: "u", role: "r1", zone: "z", department: "d"),
            .grouping(subject: "u", role: "r1", domain: "d"),
            .globalRole(user: "u@example.com", role: "admin"),
            .grouping(subject: "somebody-else", role: "admin", domain: "*"),
        ]
        let compiled = try policies(lines.joined(separator: "\n"), implied: own)
        let u = ["u", "u@example.com"]
        for domain in ["d", "z/d", "*", "elsewhere"] {
            #expect(shared.permissions(subjects: u, domain: domain, userLines: own) == compiled.permissions(subjects: u, domain: domain))
            #expect(shared.roles(subjects: u, domain: domain, userLines: own) == compiled.roles(subjects: u, domain: domain))
        }
        #expect(shared.allows(subjects: u, domain: "d", object: "o", action: "a9", userLines: own))
        #expect(!shared.allows(subjects: u, domain: "d", object: "o", action: "a10", userLines: own))
        #expect(shared.allows(subjects: u, domain: "elsewhere", object: "users", action: "read", userLines: own))
        #expect(!shared.allows(subjects: ["somebody"], domain: "d", object: "users", action: "read", userLines: own))
        #expect(shared.roles(subjects: ["v"], domain: "d", userLines: [.globalRole(user: "v", role: "unknown")]) == ["unknown"])
    }

    @Test("an empty set allows nothing, not even the empty request Casbin allows on an empty policy")
    func empty() {
        let set = PolicySet()
        #expect(!set.allows(subjects: [""], domain: "", object: "", action: ""))
        #expect(set.permissions(subjects: ["u"], domain: "d").isEmpty)
        #expect(set.count == 0)
    }

    @Test("duplicates count once")
    func duplicates() throws {
        #expect(try policies("p, a, d, o, r\np,a,d,o,r\ng, u, a, d\ng, u, a, d\n").count == 2)
    }
}
