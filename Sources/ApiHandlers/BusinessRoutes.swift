public import AuthHandlers
public import FCGIHost
public import Store

/// The `/v1` business routes of API.md (branches, assets, settings, dashboard): the "foundation" service, served
/// by the same workers as the auth routes and registered by the wiring.
///
/// Each route declares its permission where it is registered (``GuardedRoutes``), trusts the verified identity
/// it is handed, and sees only its caller's zone (``ZoneRules``). Every change writes its row, an `activity` row
/// and an audit row in one transaction.
///
///     BusinessRoutes(authenticator: auth.authenticator, auditTrail: auth.auditTrail, database: database)
///         .addRoutes(to: router)
public struct BusinessRoutes {
    let authenticator: Authenticator
    let auditTrail: AuditTrail
    let database: Database

    /// `database` is the worker's connection, the one `auditTrail` writes audit rows through, so a change, its
    /// activity row and its audit row commit together.
    public init(authenticator: Authenticator, auditTrail: AuditTrail, database: Database) {
        self.authenticator = authenticator
        self.auditTrail = auditTrail
        self.database = database
    }

    public func addRoutes(to router: Router) {
        let assets = Assets(db: database)
        let branches = Branches(db: database)
        let activity = Activity(db: database)
        let log = ChangeLog(auditTrail: auditTrail, activity: activity)
        BranchRoutes(authenticator: authenticator, database: database, branches: branches, assets: assets, log: log)
            .addRoutes(to: router)
        AssetRoutes(
            authenticator: authenticator, database: database, assets: assets, branches: branches, log: log, rendered: RenderedPages()
        ).addRoutes(to: router)
        SettingsRoutes(authenticator: authenticator, database: database, settings: Settings(db: database), log: log)
            .addRoutes(to: router)
        DashboardRoutes(authenticator: authenticator, database: database, assets: assets, branches: branches, activity: activity)
            .addRoutes(to: router)
    }
}
