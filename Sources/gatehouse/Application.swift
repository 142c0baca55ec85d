#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AuthHandlers
import ApiHandlers
import FCGIHost
import Store

/// Wiring: builds what a worker serves with, from the configuration. No logic of its own.
struct Application {
    let router: Router
    let metrics: Metrics
    let database: Database

    init(config: Config, logger: Logger, slot: Int) throws {
        let scoreboard = try Scoreboard(
            path: Supervisor.scoreboardPath(runtimeDirectory: config.runtimeDirectory), create: false)
        scoreboard.attach(slot: slot)
        let metrics = Metrics(layout: MetricNames.layout, scoreboard: scoreboard)
        // The supervisor created and migrated the database; a worker never creates one, and refuses a database
        // that holds migrations this binary does not know (a newer version wrote it).
        let database = try Database(path: DatabaseURL.path(from: config.databaseURL), createIfMissing: false)
        try Migrations.checkKnown(on: database)
        let router = Router()
        OpsRoutes(
            version: gatehouseVersion, config: config, metrics: metrics, database: database,
            authorizeStats: { request in
                guard config.metricsAllow.contains(address: request.remoteAddress) else {
                    throw HTTPError.forbidden("Statistics need the ops:read permission.")
                }
            }
        ).addRoutes(to: router)
        BusinessRoutes().addRoutes(to: router)
        metrics.countRoutes(of: router)
        self.router = router
        self.metrics = metrics
        self.database = database
    }

    /// Start-up work of the supervisor before workers exist: the database directory and migrations.
    static func prepare(config: Config, logger: Logger) throws {
        let path = try DatabaseURL.path(from: config.databaseURL)
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let database = try Database(path: path)
        try Migrations.checkKnown(on: database)
        for id in try Migrations.run(on: database) {
            logger.notice("Migration applied", metadata: ["migration.id": id])
        }
    }

    /// Housekeeping between signals in the supervisor: mail delivery from the outbox.
    static func supervisorTick(config: Config, logger: Logger) throws -> () -> Void {
        let database = try Database(path: DatabaseURL.path(from: config.databaseURL), createIfMissing: false)
        let delivery = OutboxDelivery(database: database, config: config, logger: logger)
        return { delivery.tick() }
    }
}
