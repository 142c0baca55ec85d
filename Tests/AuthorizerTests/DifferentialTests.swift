import AuthHandlers
import Foundation
import Testing

/// Gatehouse against pycasbin's answers, written by `Tests/policy/differential.py` (see `Fixtures/README.md`).
@Suite struct DifferentialTests {
    struct Examples: Decodable {
        struct Case: Decodable {
            let policy: String
            let names: [String]
            /// Every `[sub, dom, obj, act]` over `names` that pycasbin allows.
            let allowed: [[String]]
        }
        let oracle: String
        let cases: [Case]
    }

    struct Generated: Decodable {
        struct Implied: Decodable {
            let kind: String
            let user: String?
            let role: String
            let zone: String?
            let department: String?
            let permission: String?
        }
        struct Request: Decodable {
            let subjects: [String]
            let domain: String
            let object: String
            let action: String
            let allowed: Bool
        }
        struct Permissions: Decodable {
            let subjects: [String]
            let domain: String
            let permissions: [String]
        }
        let seed: Int
        let extended: Bool
        let oracle: String
        let matcher: String
        let lines: [String]
        let implied: [Implied]
        let requests: [Request]
        let permissions: [Permissions]
    }

    @Test("Casbin's example RBAC-with-domains policies: every combination of their names answers as in Casbin")
    func examples() throws {
        let examples: Examples = try fixture("differential-examples.json")
        #expect(examples.cases.count == 2)
        var checked = 0
        for example in examples.cases {
            let text = try fixtureText(example.policy)
            let policies = PolicySet(lines: try PolicyReader().read(csv: text))
            let allowed = Set(example.allowed)
            #expect(!allowed.isEmpty)
            for sub in example.names {
                for dom in example.names {
                    for obj in example.names {
                        for act in example.names {
                            let ours = policies.allows(subjects: [sub], domain: dom, object: obj, action: act)
                            let theirs = allowed.contains([sub, dom, obj, act])
                            #expect(
                                ours == theirs,
                                "\(example.policy) (\(examples.oracle)): (\(sub), \(dom), \(obj), \(act)) Gatehouse \(ours), Casbin \(theirs)\n\(text)"
                            )
                            checked += 1
                        }
                    }
                }
            }
        }
        #expect(checked == examples.cases.map { Int(pow(Double($0.names.count), 4)) }.reduce(0, +))
    }

    @Test(
        "randomly generated policies answer every request as pycasbin does",
        arguments: ["differential-plain.json", "differential-extended.json", "differential-dense.json"])
    func generated(name: String) throws {
        let generated: Generated = try fixture(name)
        let lines = try PolicyReader().read(lines: generated.lines)
        let implied: [PolicyLine] = generated.implied.compactMap { item in
            switch item.kind {
            case "assignment": .assignment(user: item.user!, role: item.role, zone: item.zone!, department: item.department!)
            case "global": .globalRole(user: item.user!, role: item.role)
            default: .rolePermission(role: item.role, permission: item.permission!)
            }
        }
        #expect(implied.count == generated.implied.count)
        #expect(generated.extended == !implied.isEmpty)
        let policies = PolicySet(lines: lines + implied)
        let context = {
            "\(name) (seed \(generated.seed), \(generated.oracle), matcher \(generated.matcher)); lines:\n"
                + (lines + implied).map(\.description).joined(separator: "\n")
        }
        var disagreements = 0
        for request in generated.requests {
            let ours = policies.allows(
                subjects: request.subjects, domain: request.domain, object: request.object, action: request.action)
            if ours != request.allowed {
                disagreements += 1
                if disagreements <= 5 {
                    Issue.record(
                        "\(request.subjects) \(request.domain) \(request.object) \(request.action): Gatehouse \(ours), Casbin \(request.allowed)\n\(context())"
                    )
                }
            }
            if ours {
                let grant = policies.grant(
                    subjects: request.subjects, domain: request.domain, object: request.object, action: request.action)
                #expect(grant != nil)
            }
        }
        #expect(disagreements == 0, "\(disagreements) of \(generated.requests.count) requests disagree")
        #expect(generated.requests.count >= 1500)
        #expect(generated.requests.filter(\.allowed).count >= 100, "too few allowed requests to mean much")

        for query in generated.permissions {
            let ours = policies.permissions(subjects: query.subjects, domain: query.domain)
            #expect(
                ours == query.permissions,
                "permissions of \(query.subjects) in \(query.domain): Gatehouse \(ours), Casbin \(query.permissions)")
        }

        // The same with the users' own lines (assignments, global roles) passed per question instead of compiled.
        let shared = PolicySet(lines: lines + implied.filter { if case .permission = $0 { true } else { false } })
        let userLines = implied.filter { if case .grouping = $0 { true } else { false } }
        var overlayDisagreements = 0
        for request in generated.requests {
            let ours = shared.allows(
                subjects: request.subjects, domain: request.domain, object: request.object, action: request.action,
                userLines: userLines)
            if ours != request.allowed {
                overlayDisagreements += 1
                if overlayDisagreements <= 5 {
                    Issue.record(
                        "with userLines: \(request.subjects) \(request.domain) \(request.object) \(request.action): Gatehouse \(ours), Casbin \(request.allowed)"
                    )
                }
            }
        }
        #expect(overlayDisagreements == 0, "\(overlayDisagreements) of \(generated.requests.count) requests disagree")
        for query in generated.permissions {
            let ours = shared.permissions(subjects: query.subjects, domain: query.domain, userLines: userLines)
            #expect(ours == query.permissions, "with userLines: permissions of \(query.subjects) in \(query.domain)")
            #expect(
                shared.roles(subjects: query.subjects, domain: query.domain, userLines: userLines)
                    == policies.roles(subjects: query.subjects, domain: query.domain))
        }
    }
}
