#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
public import Store
import Webhooks

/// `GET /policies` (`policies:read`) and `PUT /policies` (`policies:write`): the Casbin "RBAC with domains" lines
/// (API.md "Policies"), as `{"lines": [...]}` or, with `Accept`/`Content-Type: text/csv`, as Casbin's CSV.
///
/// A PUT replaces the whole set in one transaction; a bad line is a 422 naming `lines[N]` (N from 1) and nothing
/// changes. Changing policies is a grant (DESIGN.md "Authorization"): every `p` line added or removed needs its
/// permission, and every `g` line added or removed needs every permission its role gives in its domain.
public struct PolicyRoutes {
    let authenticator: Authenticator
    let authorizer: Authorizer
    let auditTrail: AuditTrail
    let database: Database
    let events: EventLog
    let roles: Roles

    public init(authenticator: Authenticator, authorizer: Authorizer, auditTrail: AuditTrail, database: Database) {
        self.authenticator = authenticator
        self.authorizer = authorizer
        self.auditTrail = auditTrail
        self.database = database
        events = EventLog(database: database)
        roles = Roles(db: database)
    }

    public func addRoutes(to router: Router) {
        router.get("/policies", use: list)
        router.put("/policies", use: replace)
    }

    struct LinesBody: Codable {
        let lines: [String]
    }

    func list(_ request: Request, context: RequestContext) throws -> Response {
        _ = try authenticator.require("policies:read", request, now: context.receivedAt)
        let lines = try authorizer.policies.lines()
        if Self.wantsCSV(request.headers["Accept"]) {
            var response = Response.text(
                lines.map { $0 + "\n" }.joined(), contentType: "text/csv; charset=utf-8")
            response.headers.set("Cache-Control", "no-store")
            return response
        }
        return try .noStoreJSON(LinesBody(lines: lines))
    }

    func replace(_ request: Request, context: RequestContext) throws -> Response {
        let principal = try authenticator.require("policies:write", request, now: context.receivedAt)
        let parsed: [PolicyLine]
        do {
            if request.mediaType == "text/csv" {
                guard let text = String(validating: request.body, as: UTF8.self) else {
                    throw HTTPError(.badRequest, code: "invalid_request", detail: "The CSV body is not UTF-8.")
                }
                parsed = try PolicyReader().read(csv: text)
            } else {
                parsed = try PolicyReader().read(lines: try request.decode(LinesBody.self).lines)
            }
        } catch let error as AuthorizationError {
            throw HTTPError.validation(error.problems.map { .init(field: $0.field, message: $0.message) })
        }
        let (added, removed) = try database.perform(.replacePolicies) { () throws -> ([PolicyLine], [PolicyLine]) in
            let old = try PolicyReader().read(lines: try authorizer.policies.lines())
            let before = Set(old)
            let after = Set(parsed)
            let added = parsed.filter { !before.contains($0) }
            let removed = old.filter { !after.contains($0) }
            try requireCanChange(added + removed, old: old, new: parsed, principal: principal)
            var seen = Set<PolicyLine>()
            try authorizer.policies.replace(with: parsed.filter { seen.insert($0).inserted }.map(\.description))
            try events.record(
                .policyChanged, actor: principal.userID, subject: .policies,
                data: [
                    "lines": .number(Double(parsed.count)), "added": .number(Double(added.count)),
                    "removed": .number(Double(removed.count)),
                ], at: context.receivedAt)
            return (added, removed)
        }
        auditTrail.record(
            "policy.changed", actor: principal.userID, request: request, context: context,
            details: ["lines": "\(parsed.count)", "added": "\(added.count)", "removed": "\(removed.count)"])
        return try .noStoreJSON(LinesBody(lines: try authorizer.policies.lines()))
    }

    /// 403 unless the caller holds what each changed line grants or took away (in the old or the new set).
    private func requireCanChange(
        _ changed: [PolicyLine], old: [PolicyLine], new: [PolicyLine], principal: Principal
    ) throws {
        guard !changed.isEmpty else { return }
        let roles = try roles.list()
        var sets: [PolicySet] = []
        var missing = Set<String>()
        for line in changed {
            switch line {
            case let .permission(_, _, object, action):
                if !principal.has("\(object):\(action)") { missing.insert("\(object):\(action)") }
            case let .grouping(_, role, domain):
                if sets.isEmpty {
                    sets = [
                        try Authorizer.compile(roles: roles, lines: old.map(\.description)),
                        try Authorizer.compile(roles: roles, lines: new.map(\.description)),
                    ]
                }
                for set in sets {
                    for permission in set.permissions(subjects: [role], domain: domain) where !principal.has(permission) {
                        missing.insert(permission)
                    }
                }
            }
        }
        guard missing.isEmpty else {
            throw HTTPError.forbidden(
                "Changing these policy lines grants or removes permissions you do not hold: "
                    + missing.sorted().prefix(20).joined(separator: ", ") + ".")
        }
    }

    static func wantsCSV(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains {
            $0.split(separator: ";").first?.trimmingWhitespace().lowercased() == "text/csv"
        }
    }
}
