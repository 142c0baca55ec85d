#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FCGIHost
import Store
import AuthHandlers

/// The version printed by `gatehouse version` and `/health`.
let gatehouseVersion = "0.1.0"

extension CommandLine {
    /// Parses the subcommand and runs it; returns the exit status (0 ok, 1 explained failure, 2 usage).
    static func runGatehouse() -> Int32 {
        var arguments = Array(CommandLine.arguments.dropFirst())
        let environment = ProcessInfo.processInfo.environment
        do {
            // Global options may stand before the command or after it (`gatehouse --config F migrate`, as git and
            // systemctl users type them, or `gatehouse migrate --config F`).
            var options = try CLI.Options(parsing: &arguments, environment: environment)
            guard !options.rest.isEmpty else {
                printError(CLI.usage)
                return 2
            }
            let command = options.rest.removeFirst()
            switch command {
            case "serve": return try ServeCommand.run(options: &options, environment: environment)
            case "worker": return try WorkerCommand.run(options: &options, environment: environment)
            case "deliver": return try DeliverCommand.run(options: &options, environment: environment)
            case "events": return try EventsCommand.run(options: &options, environment: environment)
            case "migrate":
                try options.expectNoMore()
                let config = try options.loadConfig(environment: environment)
                return runMigrateCommand(databaseURL: config.databaseURL)
            case "backup":
                guard options.rest.count == 1, let destination = options.rest.first else {
                    throw CLI.UsageError(message: "backup needs exactly one destination path")
                }
                let config = try options.loadConfig(environment: environment)
                return runBackupCommand(databaseURL: config.databaseURL, destination: destination)
            case "db": return try DatabaseCopyCommand.run(options: &options, environment: environment)
            case "create-admin": return try CreateAdminCommand.run(options: &options, environment: environment)
            case "users": return try UsersImportCommand.run(options: &options, environment: environment)
            case "roles": return try RolesImportCommand.run(options: &options, environment: environment)
            case "policies": return try PoliciesCommand.run(options: &options, environment: environment)
            case "keys":
                let config = try options.loadConfig(environment: environment)
                return runKeysCommand(options.rest, keysDirectory: config.keysDirectory)
            case "routes":
                // Every route the workers serve, as `METHOD /pattern` (docs and the OpenAPI sync test use it).
                try options.expectNoMore()
                let config = try options.loadConfig(environment: environment)
                let application = try Application(config: config, logger: config.makeLogger(label: "gatehouse.cli"), slot: nil)
                for route in application.router.routeTable { print("\(route.method) \(route.pattern)") }
                return 0
            case "prune":
                try options.expectNoMore()
                let config = try options.loadConfig(environment: environment)
                let database = try Database.open(url: config.databaseURL, createIfMissing: false)
                let housekeeping = Housekeeping(database: database, logger: config.makeLogger(label: "gatehouse.cli"))
                for (kind, count) in try housekeeping.pruneAll(config: config) { print("\(kind.rawValue) \(count)") }
                return 0
            case "check-config":
                let config = try options.loadConfig(environment: environment)
                try Application.checkProcedures(config: config)
                print(config.maskedDescription)
                if Application.readAPIKeyPepper(config: config) == nil {
                    printError(
                        "gatehouse: warning: API_KEY_PEPPER_FILE \(config.apiKeyPepperFile) is missing or shorter than "
                            + "32 bytes; API key routes answer 503 until it exists (`gatehouse serve` creates it)")
                }
                if Application.readMFAKey(config: config) == nil {
                    printError(
                        "gatehouse: warning: MFA_KEY_FILE \(config.mfaKeyFile) is missing or shorter than 32 bytes; "
                            + "the MFA routes answer 503 until it exists (`gatehouse serve` creates it)")
                }
                return 0
            case "version", "--version":
                print("gatehouse \(gatehouseVersion)")
                return 0
            case "help", "--help", "-h":
                print(CLI.usage)
                return 0
            default:
                printError("gatehouse: unknown command \"\(command)\"\n\n\(CLI.usage)")
                return 2
            }
        } catch let error as CLI.UsageError {
            printError("gatehouse: \(error.message)\n\n\(CLI.usage)")
            return 2
        } catch let error as ConfigError {
            printError("gatehouse: configuration error: \(error)")
            return 1
        } catch {
            printError("gatehouse: \(error)")
            return 1
        }
    }
}

enum CLI {
    static let usage = """
        usage: gatehouse [--config PATH] <command> [options]

          serve [--pidfile PATH]      start the supervisor and its workers
          migrate                     apply database migrations
          create-admin --email E [--password-stdin]
          users import FILE.json      import users (one transaction)
          roles import FILE.json      import roles and permissions
          policies import FILE.csv | export   replace or print the Casbin policy lines
          keys generate [--alg EdDSA|ES256|RS256] | rotate | list | retire KID
          backup PATH                 online backup of the database
          db copy --to URL            copy every table into an empty database (SQLite <-> PostgreSQL)
          events tail [--type T]      follow the event log (one JSON event a line)
          prune                       delete expired rows now (the supervisor does it every PRUNE_INTERVAL)
          check-config                print the effective configuration, secrets masked
          version                     print the version

        --config may also follow the command; it defaults to $GATEHOUSE_CONFIG or /etc/gatehouse/gatehouse.env.
        """

    struct UsageError: Error {
        let message: String
    }

    /// Options shared by every command; command-specific ones stay in `rest`.
    struct Options {
        var configPath: String
        var configGiven: Bool
        var rest: [String]

        init(parsing arguments: inout [String], environment: [String: String]) throws {
            configPath = environment["GATEHOUSE_CONFIG"] ?? "/etc/gatehouse/gatehouse.env"
            configGiven = environment["GATEHOUSE_CONFIG"] != nil
            rest = []
            var iterator = arguments.makeIterator()
            while let argument = iterator.next() {
                if argument == "--config" {
                    guard let path = iterator.next() else { throw UsageError(message: "--config needs a path") }
                    configPath = path
                    configGiven = true
                } else if argument.hasPrefix("--config=") {
                    configPath = String(argument.dropFirst("--config=".count))
                    configGiven = true
                } else {
                    rest.append(argument)
                }
            }
        }

        /// The configuration: the file (required when named explicitly) overlaid by the environment.
        func loadConfig(environment: [String: String]) throws(ConfigError) -> Config {
            try Config.load(path: configPath, environment: environment, required: configGiven)
        }

        /// Removes `--name VALUE` from the remaining arguments.
        mutating func take(_ name: String) throws -> String? {
            guard let index = rest.firstIndex(of: name) else { return nil }
            guard index + 1 < rest.count else { throw UsageError(message: "\(name) needs a value") }
            let value = rest[index + 1]
            rest.removeSubrange(index...(index + 1))
            return value
        }

        /// Removes a `--flag` from the remaining arguments.
        mutating func flag(_ name: String) -> Bool {
            guard let index = rest.firstIndex(of: name) else { return false }
            rest.remove(at: index)
            return true
        }

        func expectNoMore() throws {
            if let extra = rest.first { throw UsageError(message: "unexpected argument \"\(extra)\"") }
        }
    }
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var stream = StandardErrorStream()
    print(message, to: &stream)
}
