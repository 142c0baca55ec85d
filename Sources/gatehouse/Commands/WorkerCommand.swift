import FCGIHost

/// `gatehouse worker --slot N`: one worker process, started by the supervisor with the listen socket as fd 0.
enum WorkerCommand {
    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        guard let slotText = try options.take("--slot"), let slot = Int(slotText) else {
            throw CLI.UsageError(message: "worker needs --slot N (it is started by `gatehouse serve`)")
        }
        try options.expectNoMore()
        let config = try options.loadConfig(environment: environment)
        var logger = config.makeLogger(label: "gatehouse.worker")
        logger.metadata["worker.slot"] = "\(slot)"
        let application = try Application(config: config, logger: logger, slot: slot)
        let loop = WorkerLoop(
            settings: .init(maxRequests: config.maxRequests, maxBodyBytes: config.maxBodyBytes),
            router: application.router, metrics: application.metrics, logger: logger)
        try loop.run()
        return 0
    }
}
