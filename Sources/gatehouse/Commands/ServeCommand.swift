import FCGIHost

/// `gatehouse serve`: the supervisor.
enum ServeCommand {
    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        let pidFile = try options.take("--pidfile")
        try options.expectNoMore()
        let config = try options.loadConfig(environment: environment)
        let logger = config.makeLogger(label: "gatehouse.supervisor")
        try Application.prepare(config: config, logger: logger)
        let configPath = options.configPath
        let configGiven = options.configGiven
        let supervisor = Supervisor(
            config: config,
            loadConfig: { () throws(ConfigError) -> Config in
                // A reload that would start workers on a query file SQLite refuses is refused as a whole.
                let config = try Config.load(path: configPath, environment: environment, required: configGiven)
                try Application.checkProcedures(config: config)
                return config
            },
            pidFile: pidFile, logger: logger,
            workerArguments: { slot in ["gatehouse", "worker", "--config", configPath, "--slot", "\(slot)"] },
            helperArguments: ["gatehouse", "deliver", "--config", configPath],
            tick: try Application.supervisorTick(config: config, logger: logger))
        return try supervisor.run(environment: environment)
    }
}
