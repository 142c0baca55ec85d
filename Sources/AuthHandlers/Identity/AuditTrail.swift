#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import FCGIHost
public import Store

/// The audit log as the routes write it: one row per event with the request's client address and user agent;
/// a failed write is logged, never turned into the request's failure.
public struct AuditTrail {
    let audit: Audit
    let trustedProxies: [CIDR]

    public init(database: Database, config: Config) {
        audit = Audit(db: database)
        trustedProxies = config.trustedProxies
    }

    /// Appends an audit row; a failure to write it is logged, never turned into the request's failure.
    public func record(
        _ event: String, actor: String? = nil, user: String? = nil, request: Request, context: RequestContext,
        details: [String: String] = [:]
    ) {
        do {
            try audit.append(
                event: event, actorId: actor, userId: user,
                ip: request.clientAddress(trustedProxies: trustedProxies), userAgent: request.userAgent,
                details: JSONText.object(details), at: context.receivedAt)
        } catch {
            context.logger.error("Audit write failed", metadata: ["audit.event": event, "error": "\(error)"])
        }
    }
}
