import AuthHandlers
import Crypto
import FCGIHost
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Store
import Webhooks

/// `gatehouse users import FILE.json`: creates or updates users from
/// `{"users": [{"email", "name", "password" or "password_hash", "roles", "is_active"}]}`.
///
/// Every entry is checked before anything is written, and the writes are one transaction: one bad entry and
/// nothing changes (exit 1, each problem named by entry index and field). An existing email is updated: only
/// the fields given change, a new password or `is_active: false` revokes the user's sessions, and `roles`
/// replaces the user's global roles. `password_hash` is a PHC string (argon2id or argon2i) stored as is; one
/// that would cost more to verify than a login may spend (`ARGON2_MAX_MEMORY_KIB`) refuses the file.
enum UsersImportCommand {
    static let fields: Set<String> = ["email", "name", "password", "password_hash", "roles", "is_active"]

    struct Entry {
        let index: Int
        let email: String
        let name: String?
        let password: String?
        let passwordHash: String?
        let roles: [String]?
        let isActive: Bool?
    }

    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        let path = try ImportFile.path(command: "users", options: &options)
        let config = try options.loadConfig(environment: environment)
        do {
            let document = try ImportFile.read(path)
            let entries = try check(document, config: config)
            let database = try Database.open(url: config.databaseURL)
            _ = try Migrations.run(on: database)
            try checkRoles(entries, roles: Roles(db: database))
            // Hashing takes tens of milliseconds a password: done before the write transaction starts, so the
            // running service's writers are not held up by it.
            let parameters = Argon2id.Parameters(
                memoryKiB: config.argon2MemoryKiB, iterations: config.argon2Iterations,
                parallelism: config.argon2Parallelism)
            let hashes = try entries.map { entry in
                try entry.password.map { try Argon2id.hash($0, parameters: parameters) } ?? entry.passwordHash
            }
            let (created, updated) = try write(entries, hashes: hashes, database: database)
            print("created \(created), updated \(updated)")
            Scoreboard.bumpWriteGeneration(runtimeDirectory: config.runtimeDirectory)
            return 0
        } catch let error as ImportFile.Problems {
            printError(error.report(command: "users import", path: path))
            return 1
        }
    }

    // MARK: Checking

    /// The entries of the document, or every problem found in it.
    static func check(_ document: JSONValue, config: Config) throws(ImportFile.Problems) -> [Entry] {
        var problems = ImportFile.Problems()
        guard case .object(let top) = document, case .array(let items)? = top["users"] else {
            problems.add("", "must be an object with a \"users\" array")
            throw problems
        }
        for key in top.keys.sorted() where key != "users" { problems.add(key, "is not a known field (only \"users\")") }
        var entries: [Entry] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let at = "users[\(index)]"
            guard case .object(let members) = item else {
                problems.add(at, "must be an object")
                continue
            }
            for key in members.keys.sorted() where !fields.contains(key) {
                problems.add("\(at).\(key)", "is not a known field (\(fields.sorted().joined(separator: ", ")))")
            }
            guard case .string(let rawEmail)? = members["email"] else {
                problems.add("\(at).email", "is required and must be a string")
                continue
            }
            let email = Identifier.normalize(rawEmail)
            if !Identifier.isPlausibleEmail(email) { problems.add("\(at).email", "must be an email address") }
            if let first = seen[email] {
                problems.add("\(at).email", "\(email) is also users[\(first)]")
            } else {
                seen[email] = index
            }
            let name = string(members["name"], at: "\(at).name", &problems)
            if let name, let problem = FieldRules.name(name).problem { problems.add("\(at).name", problem) }
            let password = string(members["password"], at: "\(at).password", &problems)
            let passwordHash = string(members["password_hash"], at: "\(at).password_hash", &problems)
            if password != nil, passwordHash != nil {
                problems.add(at, "has both password and password_hash; give one")
            }
            if let password {
                for problem in PasswordPolicy.problems(password, email: email) {
                    problems.add("\(at).password", problem)
                }
            }
            if let passwordHash, let problem = hashProblem(passwordHash, config: config) {
                problems.add("\(at).password_hash", problem)
            }
            var roles: [String]?
            switch members["roles"] {
            case nil, .null?: break
            case .array(let values)?:
                roles = values.compactMap(\.stringValue)
                if roles?.count != values.count { problems.add("\(at).roles", "must be an array of role names") }
            default: problems.add("\(at).roles", "must be an array of role names")
            }
            var isActive: Bool?
            switch members["is_active"] {
            case nil, .null?: break
            case .bool(let value)?: isActive = value
            default: problems.add("\(at).is_active", "must be true or false")
            }
            entries.append(
                Entry(
                    index: index, email: email, name: name.map { FieldRules.name($0).value },
                    password: password, passwordHash: passwordHash, roles: roles, isActive: isActive))
        }
        guard problems.isEmpty else { throw problems }
        return entries
    }

    private static func string(_ value: JSONValue?, at field: String, _ problems: inout ImportFile.Problems) -> String?
    {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return text
        default:
            problems.add(field, "must be a string")
            return nil
        }
    }

    /// Why a stored hash cannot be imported, or nil. A login refuses to verify a hash above the cap (it would let
    /// one request take that much memory), so such a user could never log in.
    static func hashProblem(_ encoded: String, config: Config) -> String? {
        // With a cap of zero every readable string fails the cap check and nothing is computed; an unreadable
        // one fails parsing first.
        let zero = Argon2id.Parameters(memoryKiB: 0, iterations: 0, parallelism: 0, saltLength: 0, tagLength: 0)
        do {
            _ = try Argon2id.verify("", encoded: encoded, cap: zero)
        } catch  where error == .malformedHash {
            return "is not an argon2id or argon2i PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash)"
        } catch {}
        // Readable, so it has exactly one "m=…,t=…,p=…" field of decimal numbers.
        guard let costs = encoded.split(separator: "$").first(where: { $0.hasPrefix("m=") }) else {
            return "is not an argon2id or argon2i PHC string"
        }
        let values = costs.split(separator: ",").compactMap { Int($0.dropFirst(2)) }
        guard values.count == 3 else { return "is not an argon2id or argon2i PHC string" }
        let cap = (
            memory: config.argon2MaxMemoryKiB, iterations: max(8, config.argon2Iterations),
            parallelism: max(8, config.argon2Parallelism)
        )
        if values[0] > cap.memory {
            return "needs m=\(values[0]) KiB, more than ARGON2_MAX_MEMORY_KIB=\(cap.memory)"
        }
        if values[1] > cap.iterations || values[2] > cap.parallelism {
            return "needs t=\(values[1]),p=\(values[2]), more than a login verifies "
                + "(t ≤ \(cap.iterations), p ≤ \(cap.parallelism))"
        }
        return nil
    }

    /// Every entry's roles must exist already (`gatehouse roles import` makes them).
    static func checkRoles(_ entries: [Entry], roles: Roles) throws {
        var problems = ImportFile.Problems()
        for entry in entries {
            guard let names = entry.roles else { continue }
            let unknown = try roles.unknown(in: names)
            if !unknown.isEmpty {
                problems.add("users[\(entry.index)].roles", "unknown roles: \(unknown.joined(separator: ", "))")
            }
        }
        guard problems.isEmpty else { throw problems }
    }

    // MARK: Writing

    /// Creates or updates every entry in one transaction; returns how many were created and updated.
    static func write(_ entries: [Entry], hashes: [String?], database: Database) throws -> (Int, Int) {
        let users = Users(db: database)
        let roles = Roles(db: database)
        let audit = Audit(db: database)
        let events = EventLog(database: database)
        return try database.perform(.importUsers) {
            var created = 0
            var updated = 0
            for (entry, hash) in zip(entries, hashes) {
                let user: User
                do {
                    if let existing = try users.find(email: entry.email) {
                        user = try users.update(id: existing.id, name: entry.name, isActive: entry.isActive)
                        if let hash { try users.setPasswordHash(hash, forUser: user.id) }
                        updated += 1
                        try audit.append(
                            event: "user.updated", userId: user.id,
                            details: ImportFile.details(["via": "import", "fields": entry.fieldNames]))
                        try events.record(
                            .userUpdated, subject: .user(user.id),
                            data: [
                                "email": .string(user.email), "fields": .array(entry.fieldNames.split(separator: ",").map { .string(String($0)) }),
                                "via": .string("import"),
                            ])
                        if existing.isActive, !user.isActive {
                            try audit.append(
                                event: "user.deactivated", userId: user.id,
                                details: ImportFile.details(["via": "import"]))
                            try events.record(
                                .userDeactivated, subject: .user(user.id), data: ["email": .string(user.email), "via": .string("import")])
                        }
                    } else {
                        user = try users.insert(
                            email: entry.email, name: entry.name ?? "", passwordHash: hash,
                            isActive: entry.isActive ?? true)
                        created += 1
                        try audit.append(
                            event: "user.created", userId: user.id,
                            details: ImportFile.details(["via": "import", "email": user.email]))
                        try events.record(
                            .userCreated, subject: .user(user.id), data: ["email": .string(user.email), "via": .string("import")])
                    }
                    if let names = entry.roles { try roles.setRoles(names, forUser: user.id) }
                } catch let error as StoreError where error == .invalidReference {
                    var problems = ImportFile.Problems()
                    problems.add("users[\(entry.index)].roles", "names a role that no longer exists")
                    throw problems
                }
            }
            return (created, updated)
        }
    }
}

extension UsersImportCommand.Entry {
    /// The fields this entry sets, for the audit row.
    var fieldNames: String {
        [
            ("name", name != nil), ("password", password != nil || passwordHash != nil), ("roles", roles != nil),
            ("is_active", isActive != nil),
        ].filter(\.1).map(\.0).joined(separator: ",")
    }
}

/// What the two import commands share: the arguments, reading the file, and reporting problems.
enum ImportFile {
    /// Problems found in an import file, each as `location: message`.
    struct Problems: Error {
        var items: [(location: String, message: String)] = []
        var isEmpty: Bool { items.isEmpty }

        mutating func add(_ location: String, _ message: String) {
            items.append((location, message))
        }

        /// One line per problem (at most 50), after a line naming the file; nothing was written.
        func report(command: String, path: String) -> String {
            var lines = ["gatehouse \(command): \(path): nothing was imported"]
            for item in items.prefix(50) {
                lines.append(item.location.isEmpty ? "  \(item.message)" : "  \(item.location): \(item.message)")
            }
            if items.count > 50 { lines.append("  … and \(items.count - 50) more") }
            return lines.joined(separator: "\n")
        }
    }

    /// Takes `import FILE` from the arguments.
    /// - Throws: ``CLI/UsageError`` (exit 2) for anything else.
    static func path(command: String, options: inout CLI.Options) throws -> String {
        guard options.rest.first == "import" else {
            throw CLI.UsageError(message: "\(command) needs a subcommand: \(command) import FILE.json")
        }
        options.rest.removeFirst()
        guard options.rest.count == 1, let path = options.rest.first, !path.hasPrefix("--") else {
            throw CLI.UsageError(message: "\(command) import needs exactly one FILE.json")
        }
        return path
    }

    /// The file's JSON.
    static func read(_ path: String) throws(Problems) -> JSONValue {
        var problems = Problems()
        guard let data = FileManager.default.contents(atPath: path) else {
            problems.add("", "cannot read the file")
            throw problems
        }
        guard let document = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            problems.add("", "is not valid JSON")
            throw problems
        }
        return document
    }

    /// An audit `details` object as JSON text.
    static func details(_ members: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(members)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
