import AuthHandlers
import FCGIHost
import Store

/// Records a business change twice, inside the change's own transaction: an `activity` row for the zone's
/// dashboard and an audit row (`asset.created`, `branch.deleted`, `setting.updated`, …) with actor, IP and
/// user agent. Both commit or roll back with the change.
struct ChangeLog {
    let auditTrail: AuditTrail
    let activity: Activity

    func record(
        _ action: ActivityEntry.Action, _ entity: ActivityEntry.Entity, id: String, zone: String,
        principal: Principal, request: Request, context: RequestContext, details: [String: String] = [:]
    ) throws {
        try activity.append(zone: zone, actorId: principal.userID, action, entity, id: id, at: context.receivedAt)
        var details = details
        details["zone"] = zone
        details[entity == .setting ? "key" : "\(entity.rawValue)_id"] = id
        auditTrail.record(
            "\(entity.rawValue).\(action.rawValue)", actor: principal.userID, request: request, context: context,
            details: details)
    }
}
