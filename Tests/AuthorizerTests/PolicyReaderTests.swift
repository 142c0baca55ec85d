import AuthHandlers
import Testing

@Suite struct PolicyReaderTests {
    let reader = PolicyReader()

    @Test("Casbin's CSV: fields trimmed, blank lines and # comments skipped, CRLF line ends, no quoting")
    func casbinCSV() throws {
        let text = "# roles\r\np, admin,domain1 ,  data1,\tread\r\n\r\n   \n  g , alice, admin, domain1  \n"
            + "p, \"quoted\", d, o, a\np, admin, d, fn(a b), act\np,\u{00A0}néé\u{3000}, d\u{2003}, o, a\n"
        #expect(
            try reader.read(csv: text) == [
                .permission(subject: "admin", domain: "domain1", object: "data1", action: "read"),
                .grouping(subject: "alice", role: "admin", domain: "domain1"),
                .permission(subject: "\"quoted\"", domain: "d", object: "o", action: "a"),
                .permission(subject: "admin", domain: "d", object: "fn(a b)", action: "act"),
                .permission(subject: "néé", domain: "d", object: "o", action: "a"),
            ])
    }

    @Test("a byte order mark before the first line is ignored")
    func byteOrderMark() throws {
        #expect(
            try reader.read(csv: "\u{FEFF}g, alice, admin, domain1\n")
                == [.grouping(subject: "alice", role: "admin", domain: "domain1")])
    }

    @Test("a line reads back from its description")
    func roundTrip() throws {
        let lines: [PolicyLine] = [
            .permission(subject: "admin", domain: "*", object: "users", action: "read"),
            .grouping(subject: "john@company.com", role: "field-engineer", domain: "ZoneA/FieldTeam"),
        ]
        #expect(try reader.read(lines: lines.map(\.description)) == lines)
        #expect(lines[0].description == "p, admin, *, users, read")
    }

    @Test("implied lines of assignments, global roles and role permissions")
    func implied() {
        #expect(
            PolicyLine.assignment(user: "u1", role: "field-engineer", zone: "ZoneA", department: "FieldTeam")
                == .grouping(subject: "u1", role: "field-engineer", domain: "ZoneA/FieldTeam"))
        #expect(PolicyLine.globalRole(user: "u1", role: "admin") == .grouping(subject: "u1", role: "admin", domain: "*"))
        #expect(
            PolicyLine.rolePermission(role: "viewer", permission: "read:data")
                == .permission(subject: "viewer", domain: "*", object: "read", action: "data"))
        #expect(PolicyLine.rolePermission(role: "viewer", permission: "a:b:c") == nil)
    }

    @Test(
        "a bad line is an error naming its 1-based number and what is wrong",
        arguments: [
            ("p, admin, domain1, data1", "lines[2]", "has 4 fields after the type (subject, domain, object, action), this one has 3"),
            ("g, alice, admin, domain1, extra", "lines[2]", "has 3 fields after the type (subject, role, domain), this one has 4"),
            ("p2, admin, d, o, a", "lines[2]", "the line type is \"p2\"; expected p or g"),
            ("x", "lines[2]", "the line type is \"x\""),
            ("p, admin, , data1, read", "lines[2]", "the domain is empty"),
            ("g, alice, admin, dom(a, b)", "lines[2]", "the domain contains a comma"),
            ("p, admin, d), o, a", "lines[2]", "has a \")\" that closes nothing"),
            ("p, admin, d\u{1}, o, a", "lines[2]", "control character U+1"),
        ])
    func lineErrors(line: String, field: String, message: String) throws {
        let error = #expect(throws: AuthorizationError.invalidPolicy) {
            try reader.read(csv: "p, admin, domain1, data1, read\n\(line)\n")
        }
        #expect(error?.problems.count == 1)
        #expect(error?.problems.first?.field == field)
        #expect(error?.problems.first?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test("every bad line is reported, with its number, in the JSON array form too")
    func severalErrors() throws {
        let error = #expect(throws: AuthorizationError.invalidPolicy) {
            try reader.read(lines: ["p, a, d, o, r", "", "g, a, b", "# fine", "q, x", "p, a, d, o, r\nx"])
        }
        #expect(error?.problems.map(\.field) == ["lines[3]", "lines[5]", "lines[6]"])
    }

    @Test("the limits bound lines, line length, field length and problems reported")
    func limits() throws {
        var limits = PolicyReader.Limits()
        limits.maxLines = 3
        limits.maxLineBytes = 40
        limits.maxFieldBytes = 8
        limits.maxProblems = 2
        let small = PolicyReader(limits: limits)
        #expect(throws: AuthorizationError.invalidPolicy) { try small.read(csv: "#\n#\n#\n#\n") }
        let long = #expect(throws: AuthorizationError.invalidPolicy) {
            try small.read(csv: "p, a, d, o, " + String(repeating: "r", count: 40))
        }
        #expect(long?.problems.first?.message == "longer than 40 bytes")
        let field = #expect(throws: AuthorizationError.invalidPolicy) { try small.read(csv: "p, a, d, objectname, r") }
        #expect(field?.problems.first?.message == "the object is longer than 8 bytes")
        let many = #expect(throws: AuthorizationError.invalidPolicy) { try small.read(lines: ["x", "y", "z"]) }
        #expect(many?.problems.count == 2)
        #expect(try small.read(csv: "p, a, d, o, r\n#\n") == [.permission(subject: "a", domain: "d", object: "o", action: "r")])
    }
}
