import AuthHandlers
import FCGIHost
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Store

/// `gatehouse roles import FILE.json`: creates or replaces roles from
/// `{"roles": {"admin": ["read:admin_panel", "*:*"], "viewer": ["read:data"]}}`.
///
/// A role's value is its permission list, or `{"description": "...", "permissions": [...]}`. A role in the file
/// gets exactly the permissions listed; one given as a bare list keeps its description. Roles not in the file
/// are left alone. Checked first, written in one transaction: one bad role and nothing changes (exit 1).
enum RolesImportCommand {
    struct Entry {
        let name: String
        let description: String?
        let permissions: [String]
    }

    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        let path = try ImportFile.path(command: "roles", options: &options)
        let config = try options.loadConfig(environment: environment)
        do {
            let entries = try check(try ImportFile.read(path))
            let database = try Database.open(url: config.databaseURL)
            _ = try Migrations.run(on: database)
            let (created, updated) = try write(entries, database: database)
            print("created \(created), updated \(updated)")
            Scoreboard.bumpWriteGeneration(runtimeDirectory: config.runtimeDirectory)
            return 0
        } catch let error as ImportFile.Problems {
            printError(error.report(command: "roles import", path: path))
            return 1
        }
    }

    /// The roles of the document by name, or every problem found in it.
    static func check(_ document: JSONValue) throws(ImportFile.Problems) -> [Entry] {
        var problems = ImportFile.Problems()
        guard case .object(let top) = document, case .object(let roles)? = top["roles"] else {
            problems.add("", "must be an object with a \"roles\" object")
            throw problems
        }
        for key in top.keys.sorted() where key != "roles" { problems.add(key, "is not a known field (only \"roles\")") }
        var entries: [Entry] = []
        for name in roles.keys.sorted() {
            let at = "roles.\(name)"
            if !RoleName.isValid(name) { problems.add(at, "is not a role name: it \(RoleName.rule)") }
            var description: String?
            let list: JSONValue?
            switch roles[name] {
            case .array?:
                list = roles[name]
            case .object(let members)?:
                for key in members.keys.sorted() where key != "description" && key != "permissions" {
                    problems.add("\(at).\(key)", "is not a known field (description, permissions)")
                }
                switch members["description"] {
                case nil, .null?: break
                case .string(let text)? where text.count <= 500: description = text
                default: problems.add("\(at).description", "must be a string of at most 500 characters")
                }
                list = members["permissions"]
                if list == nil { problems.add("\(at).permissions", "is required") }
            default:
                problems.add(at, "must be a list of permissions or {\"description\", \"permissions\"}")
                continue
            }
            guard case .array(let values)? = list else {
                if list != nil { problems.add("\(at).permissions", "must be a list of permissions") }
                continue
            }
            var permissions: [String] = []
            for (index, value) in values.enumerated() {
                guard case .string(let permission) = value, Permissions.isValid(permission) else {
                    problems.add("\(at)[\(index)]", Permissions.rule)
                    continue
                }
                permissions.append(permission)
            }
            entries.append(Entry(name: name, description: description, permissions: permissions))
        }
        guard problems.isEmpty else { throw problems }
        return entries
    }

    /// Creates or replaces every role in one transaction; returns how many were created and updated.
    static func write(_ entries: [Entry], database: Database) throws -> (Int, Int) {
        let roles = Roles(db: database)
        let audit = Audit(db: database)
        return try database.perform(.importRoles) {
            var created = 0
            var updated = 0
            for entry in entries {
                let existing = try roles.find(name: entry.name)
                let role = try roles.upsert(
                    name: entry.name, description: entry.description ?? existing?.description ?? "",
                    permissions: entry.permissions)
                if existing == nil { created += 1 } else { updated += 1 }
                try audit.append(
                    event: existing == nil ? "role.created" : "role.updated",
                    details: ImportFile.details([
                        "via": "import", "role": role.name, "permissions": role.permissions.joined(separator: ","),
                    ]))
            }
            return (created, updated)
        }
    }
}
