import AuthHandlers
import FCGIHost
import Store
import Webhooks

/// `gatehouse deliver`: the delivery process (webhooks and mail), started and restarted by `gatehouse serve`.
enum DeliverCommand {
    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        try options.expectNoMore()
        let config = try options.loadConfig(environment: environment)
        let logger = config.makeLogger(label: "gatehouse.deliver")
        let database = try Database.open(url: config.databaseURL, createIfMissing: false)
        try Migrations.checkKnown(on: database)
        let mail = OutboxDelivery(database: database, logger: logger)
        let process = DeliveryProcess(config: config, database: database, logger: logger) { current in
            mail.tick(config: current)
        }
        return try process.run()
    }
}
