import AuthHandlers
import FCGIHost
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Store

/// `gatehouse policies import FILE.csv` and `gatehouse policies export` (API.md "Command line"): the Casbin policy
/// lines, as `PUT /policies` and `GET /policies` with `text/csv`. An import replaces the whole set in one
/// transaction; a bad line names `lines[N]` and nothing changes (exit 1).
enum PoliciesCommand {
    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        guard let verb = options.rest.first else {
            throw CLI.UsageError(message: "policies needs import FILE.csv or export")
        }
        options.rest.removeFirst()
        switch verb {
        case "import":
            guard options.rest.count == 1, let path = options.rest.first else {
                throw CLI.UsageError(message: "policies import needs exactly one FILE.csv")
            }
            let config = try options.loadConfig(environment: environment)
            guard let data = FileManager.default.contents(atPath: path),
                let text = String(validating: Array(data), as: UTF8.self)
            else {
                printError("gatehouse policies import: cannot read \(path) as UTF-8 text")
                return 1
            }
            let lines: [PolicyLine]
            do {
                lines = try PolicyReader().read(csv: text)
            } catch {
                printError(
                    "gatehouse policies import: \(path): nothing imported:\n"
                        + error.problems.map { "  \($0.field): \($0.message)" }.joined(separator: "\n"))
                return 1
            }
            let database = try Database.open(url: config.databaseURL)
            _ = try Migrations.run(on: database)
            var seen = Set<PolicyLine>()
            let distinct = lines.filter { seen.insert($0).inserted }
            try database.perform(.importPolicies) { try Policies(db: database).replace(with: distinct.map(\.description)) }
            try Audit(db: database).append(
                event: "policy.changed", details: JSONText.object(["lines": "\(distinct.count)", "source": "cli"]))
            Scoreboard.bumpWriteGeneration(runtimeDirectory: config.runtimeDirectory)
            print("imported \(distinct.count) lines")
            return 0
        case "export":
            try options.expectNoMore()
            let config = try options.loadConfig(environment: environment)
            let database = try Database.open(url: config.databaseURL, createIfMissing: false)
            for line in try Policies(db: database).lines() { print(line) }
            return 0
        default:
            throw CLI.UsageError(message: "unknown policies command \"\(verb)\" (import FILE.csv or export)")
        }
    }
}
