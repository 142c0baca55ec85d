import AuthHandlers
import ApiHandlers
import FCGIHost

/// Wiring: builds what a worker serves with, from the configuration. No logic of its own.
struct Application {
    let router: Router
    let metrics: Metrics

    init(config: Config, logger: Logger, slot: Int) throws {
        let scoreboard = try Scoreboard(
            path: Supervisor.scoreboardPath(runtimeDirectory: config.runtimeDirectory), create: false)
        scoreboard.attach(slot: slot)
        let metrics = Metrics(layout: MetricNames.layout, scoreboard: scoreboard)
        let router = Router()
        OpsRoutes(
            version: gatehouseVersion, config: config, metrics: metrics, probe: {},
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
    }

    /// Start-up work of the supervisor before workers exist (migrations, keys).
    static func prepare(config: Config, logger: Logger) throws {}

    /// Housekeeping between signals in the supervisor.
    static func supervisorTick(config: Config, logger: Logger) -> () -> Void {
        {}
    }
}
