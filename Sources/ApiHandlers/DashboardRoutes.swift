import AuthHandlers
import FCGIHost
import Store

/// `GET /v1/dashboard` (`dashboard:read`): the caller's zone at a glance; a caller without a zone sees every
/// zone, or one with `?zone=`.
///
/// `{"assets_by_status": {status: n}, "assets_by_branch": [{branch_id, name, count}], "total_value_cents": n,
/// "recent_activity": [{at, actor_id, action, entity, entity_id}]}`: every status appears (0 when none), every
/// branch appears by name (0 when empty), and the activity is the newest 20 changes, newest first. The four
/// reads share one snapshot, so the counts and the total agree.
struct DashboardRoutes {
    let authenticator: Authenticator
    let database: Database
    let assets: Assets
    let branches: Branches
    let activity: Activity

    func addRoutes(to router: Router) {
        let routes = GuardedRoutes(router, authenticator: authenticator)
        routes.get("/v1/dashboard", permission: "dashboard:read", use: dashboard)
    }

    struct DashboardBody: Encodable {
        let assetsByStatus: [String: Int]
        let assetsByBranch: [BranchCountBody]
        let totalValueCents: Int64
        let recentActivity: [ActivityBody]

        enum CodingKeys: String, CodingKey {
            case assetsByStatus = "assets_by_status", assetsByBranch = "assets_by_branch"
            case totalValueCents = "total_value_cents", recentActivity = "recent_activity"
        }
    }

    struct BranchCountBody: Encodable {
        let branchId: String
        let name: String
        let count: Int

        enum CodingKeys: String, CodingKey {
            case name, count
            case branchId = "branch_id"
        }
    }

    struct ActivityBody: Encodable {
        let entry: ActivityEntry

        enum CodingKeys: String, CodingKey {
            case at, action, entity
            case actorId = "actor_id", entityId = "entity_id"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(RFC3339.string(entry.at), forKey: .at)
            try container.encode(entry.actorId, forKey: .actorId)
            try container.encode(entry.action.rawValue, forKey: .action)
            try container.encode(entry.entity.rawValue, forKey: .entity)
            try container.encode(entry.entityId, forKey: .entityId)
        }
    }

    func dashboard(_ request: Request, context: RequestContext, principal: Principal) throws -> Response {
        let scope = try ZoneRules.readScope(principal, request)
        let body = try database.snapshot {
            DashboardBody(
                assetsByStatus: try assets.countByStatus(in: scope),
                assetsByBranch: try branches.assetCounts(in: scope).map {
                    BranchCountBody(branchId: $0.branchId, name: $0.name, count: $0.count)
                },
                totalValueCents: try assets.totalValue(in: scope),
                recentActivity: try activity.recent(in: scope, limit: 20).map(ActivityBody.init))
        }
        return try .business(body)
    }
}
