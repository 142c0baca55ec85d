import AuthHandlers
import Crypto
import FCGIHost
import Store
import Webhooks

/// `gatehouse create-admin --email E [--password-stdin]`: an active user with the `admin` role (`*:*`).
/// Without `--password-stdin` a password is generated and printed once.
enum CreateAdminCommand {
    static func run(options: inout CLI.Options, environment: [String: String]) throws -> Int32 {
        guard let rawEmail = try options.take("--email") else { throw CLI.UsageError(message: "create-admin needs --email") }
        let fromStdin = options.flag("--password-stdin")
        let name = try options.take("--name") ?? "Administrator"
        try options.expectNoMore()
        let config = try options.loadConfig(environment: environment)
        let email = Identifier.normalize(rawEmail)
        guard Identifier.isPlausibleEmail(email) else {
            printError("gatehouse create-admin: \"\(rawEmail)\" is not an email address")
            return 1
        }
        let password: String
        var generated = false
        if fromStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                printError("gatehouse create-admin: no password on standard input")
                return 1
            }
            password = line
        } else {
            password = Base64URL.encode(Random.bytes(count: 18))
            generated = true
        }
        let problems = PasswordPolicy.problems(password, email: email)
        guard problems.isEmpty else {
            printError("gatehouse create-admin: the password \(problems.joined(separator: ", "))")
            return 1
        }
        let parameters = Argon2id.Parameters(
            memoryKiB: config.argon2MemoryKiB, iterations: config.argon2Iterations, parallelism: config.argon2Parallelism)
        let hash = try Argon2id.hash(password, parameters: parameters)
        let database = try Database.open(url: config.databaseURL)
        _ = try Migrations.run(on: database)
        let users = Users(db: database)
        let roles = Roles(db: database)
        let user: User = try database.perform(.createAdmin) {
            if try roles.find(name: "admin") == nil {
                _ = try roles.upsert(name: "admin", description: "Everything", permissions: ["*:*"])
            }
            let user: User
            let events = EventLog(database: database)
            if let existing = try users.find(email: email) {
                try users.setPasswordHash(hash, forUser: existing.id)
                user = try users.update(id: existing.id, isActive: true)
                try events.record(
                    .userUpdated, subject: .user(user.id),
                    data: [
                        "email": .string(user.email), "fields": .array(["password", "roles", "is_active"].map(JSONValue.string)),
                        "via": .string("cli"),
                    ])
            } else {
                user = try users.insert(email: email, name: name, passwordHash: hash)
                try events.record(
                    .userCreated, subject: .user(user.id),
                    data: ["email": .string(user.email), "roles": .array([.string("admin")]), "via": .string("cli")])
            }
            var current = try roles.rolesOf(userId: user.id)
            if !current.contains("admin") { current.append("admin") }
            try roles.setRoles(current, forUser: user.id)
            try Audit(db: database).append(event: "user.admin_created", userId: user.id, details: "{\"via\":\"cli\"}")
            return user
        }
        Scoreboard.bumpWriteGeneration(runtimeDirectory: config.runtimeDirectory)
        print("admin \(user.email) (\(user.id))")
        if generated { print("password: \(password)") }
        return 0
    }
}
