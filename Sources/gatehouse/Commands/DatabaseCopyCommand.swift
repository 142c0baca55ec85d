import FCGIHost
import Store

/// `gatehouse db copy --to URL`: copies every table of the configured database into the empty database at URL
/// (SQLite ↔ PostgreSQL), printing each table and its row count as it commits.
///
/// Exit status 0 when every table was copied and its count verified, 1 on a failure explained on stderr, 2 on a
/// usage error. Passwords in either URL are never printed.
enum DatabaseCopyCommand {
    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        guard options.rest.first == "copy" else {
            throw CLI.UsageError(message: "db takes one subcommand: copy --to URL")
        }
        options.rest.removeFirst()
        guard let targetURL = try options.take("--to") else { throw CLI.UsageError(message: "db copy needs --to URL") }
        try options.expectNoMore()
        let targetName = Config.redactingPassword(targetURL)
        let target: DatabaseURL
        do {
            target = try DatabaseURL(targetURL)
        } catch {
            throw CLI.UsageError(message: "db copy --to \(targetName): \(error)")
        }
        let config = try options.loadConfig(environment: environment)
        let sourceName = Config.redactingPassword(config.databaseURL)
        guard (try? DatabaseURL(config.databaseURL)) != target else {
            printError("gatehouse db copy: --to names the configured database itself (\(sourceName))")
            return 1
        }
        var copied = 0
        do {
            // The source must exist; the target (a SQLite file) is created when missing.
            let source = try Database.open(url: config.databaseURL, createIfMissing: false)
            let destination = try Database.open(url: targetURL)
            var rows = 0
            try DatabaseCopy(from: source, to: destination).run { table in
                print("\(table.name) \(table.rows)")
                copied += 1
                rows += table.rows
            }
            print("copied \(copied) tables, \(rows) rows, from \(sourceName) to \(targetName)")
            return 0
        } catch {
            printError("gatehouse db copy: \(sourceName) to \(targetName): \(error)")
            if copied > 0 {
                printError(
                    "the \(copied) table(s) listed above stay copied in the target; empty it before trying again")
            }
            return 1
        }
    }
}
