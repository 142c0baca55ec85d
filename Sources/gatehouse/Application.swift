#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import AuthHandlers
import ApiHandlers
import Crypto
import FCGIHost
import Store
import Webhooks

/// Wiring: builds what a worker serves with, from the configuration. No logic of its own.
struct Application {
    let router: Router
    let metrics: Metrics

    /// - Parameter slot: the worker's scoreboard slot; nil outside a worker (it then counts into a scratch one).
    init(config: Config, logger: Logger, slot: Int?) throws {
        let scoreboard: Scoreboard
        if let slot {
            scoreboard = try Scoreboard(
                path: Supervisor.scoreboardPath(runtimeDirectory: config.runtimeDirectory), create: false)
            scoreboard.attach(slot: slot)
        } else {
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "gatehouse-scoreboard-\(UUID().uuidString)").path
            scoreboard = try Scoreboard(path: scratch, create: true)
            try? FileManager.default.removeItem(atPath: scratch)  // the mapping outlives the name
        }
        let metrics = Metrics(layout: MetricNames.layout, scoreboard: scoreboard)
        // The supervisor created and migrated the database; a worker never creates one, and refuses a database
        // that holds migrations this binary does not know (a newer version wrote it).
        let database = try Database.open(url: config.databaseURL, createIfMissing: false)
        try Migrations.checkKnown(on: database)
        let keys: SigningKeys
        if config.jwtAlgorithm == "HS256" {
            keys = try SigningKeys(hmacSecrets: config.jwtSecrets.map { Array($0.utf8) })
        } else {
            keys = try SigningKeys(keysDirectory: config.keysDirectory)
        }
        let auth = AuthService(
            config: config, database: database, keys: keys,
            refreshSecret: try Self.readRefreshSecret(config: config), metrics: metrics,
            passwordGate: ConcurrencyGate(scoreboard: scoreboard, limit: config.argon2Concurrency),
            apiKeyPepper: Self.readAPIKeyPepper(config: config), mfaKey: Self.readMFAKey(config: config))
        if !auth.apiKeys.isAvailable {
            logger.error(
                "API key pepper missing or short; API key routes answer 503",
                metadata: ["file": config.apiKeyPepperFile])
        }
        if !auth.secondFactors.isAvailable {
            logger.error(
                "MFA key missing or short; the MFA routes answer 503", metadata: ["file": config.mfaKeyFile])
        }
        let router = Router()
        router.use(BrowserSupport(config: config).middleware)
        router.use(pathPrefixes: RateLimiter.apiPrefixes, auth.rateLimiter.apiMiddleware)
        OpsRoutes(
            version: gatehouseVersion, config: config, metrics: metrics, database: database,
            authorizeStats: { request in _ = try auth.authenticator.require("ops:read", request) }
        ).addRoutes(to: router)
        LoginRoutes(auth: auth).addRoutes(to: router)
        TokenRoutes(auth: auth).addRoutes(to: router)
        ContextRoutes(auth: auth).addRoutes(to: router)
        AccountRoutes(auth: auth).addRoutes(to: router)
        MFARoutes(auth: auth).addRoutes(to: router)
        PortalRoutes(auth: auth).addRoutes(to: router)
        PasswordResetRoutes(auth: auth).addRoutes(to: router)
        VerifyRoutes(authenticator: auth.authenticator, config: config, apiKeys: auth.apiKeys).addRoutes(to: router)
        TokenValidationRoutes(authenticator: auth.authenticator, config: config).addRoutes(to: router)
        WellKnownRoutes(keys: keys, config: config).addRoutes(to: router)
        WebAuthnRoutes(auth: auth).addRoutes(to: router)
        PasskeyLoginRoutes(auth: auth).addRoutes(to: router)
        PasskeySecondFactorRoutes(auth: auth).addRoutes(to: router)
        UserRoutes(auth: auth).addRoutes(to: router)
        AssignmentRoutes(auth: auth).addRoutes(to: router)
        RoleRoutes(auth: auth).addRoutes(to: router)
        ClientRoutes(auth: auth).addRoutes(to: router)
        SDKRoutes(auth: auth).addRoutes(to: router)
        APIKeyValidationRoutes(auth: auth).addRoutes(to: router)
        PermissionRoutes(authenticator: auth.authenticator, authorizer: auth.authorizer).addRoutes(to: router)
        PolicyRoutes(
            authenticator: auth.authenticator, authorizer: auth.authorizer, auditTrail: auth.auditTrail,
            database: database
        ).addRoutes(to: router)
        AuditRoutes(authenticator: auth.authenticator, database: database).addRoutes(to: router)
        EventRoutes(authenticator: auth.authenticator, database: database).addRoutes(to: router)
        WebhookRoutes(auth: auth).addRoutes(to: router)
        let procedures = Self.remoteProcedures(config: config, database: database, logger: logger)
        RemoteProcedureRoutes(authenticator: auth.authenticator, procedures: procedures).addRoutes(to: router)
        BusinessRoutes(authenticator: auth.authenticator, auditTrail: auth.auditTrail, database: database)
            .addRoutes(to: router)
        metrics.countRoutes(of: router)
        self.router = router
        self.metrics = metrics
    }

    /// `/connection/rpc`'s allowlist, or nil when `RPC_DIR` holds a file the Store refuses: the worker still serves
    /// everything else (the supervisor refused to start or reload with such a file; this is a file changed since).
    static func remoteProcedures(config: Config, database: Database, logger: Logger) -> RemoteProcedures? {
        do {
            return try RemoteProcedures(database: database, settings: procedureSettings(config))
        } catch {
            logger.error(
                "Query files refused; /connection/rpc answers 500 until they are fixed and the service reloaded",
                metadata: ["error": error.reason, "rpc.dir": config.rpcDirectory])
            return nil
        }
    }

    static func procedureSettings(_ config: Config) -> RemoteProcedures.Settings {
        RemoteProcedures.Settings(directory: config.rpcDirectory, schema: config.rpcSchema, timeout: config.rpcTimeout)
    }

    /// Loads `RPC_DIR` as a worker will, so a query file SQLite refuses stops start-up, reload and `check-config`
    /// with the file named. PostgreSQL's allowlist is the live catalog: nothing to load.
    static func checkProcedures(config: Config, database: Database? = nil) throws(ConfigError) {
        guard case .sqlite(let path)? = try? DatabaseURL(config.databaseURL),
            let names = try? FileManager.default.contentsOfDirectory(atPath: config.rpcDirectory),
            names.contains(where: { $0.hasSuffix(".sql") })
        else { return }
        // Before the first `serve` there is no database to check the statements against yet.
        guard database != nil || FileManager.default.fileExists(atPath: path) else { return }
        do {
            let database = try database ?? Database(path: path, createIfMissing: false)
            _ = try RemoteProcedures(database: database, settings: procedureSettings(config))
        } catch let error as StoreError where error == .invalidQueryFile {
            throw ConfigError(key: "RPC_DIR", message: error.reason)
        } catch {
            throw ConfigError(key: "RPC_DIR", message: "cannot check the query files: \(error)")
        }
    }

    /// Start-up work of the supervisor before workers exist: the database directory and migrations.
    static func prepare(config: Config, logger: Logger) throws {
        if case .sqlite(let path) = try DatabaseURL(config.databaseURL) {
            let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            // The database holds password hashes and session data: readable by the service user only (SQLite gives
            // its -wal and -shm files the mode of the database file).
            if !FileManager.default.fileExists(atPath: path) {
                guard
                    FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
                else { throw ConfigError(key: "DATABASE_URL", message: "cannot create \(path)") }
            }
        }
        let database = try Database.open(url: config.databaseURL)
        try Migrations.checkKnown(on: database)
        for id in try Migrations.run(on: database) {
            logger.notice("Migration applied", metadata: ["migration.id": id])
        }
        try checkProcedures(config: config, database: database)
        try FileManager.default.createDirectory(
            atPath: config.keysDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if config.jwtAlgorithm != "HS256" {
            let store = KeyStore(directory: config.keysDirectory)
            if try !store.list().contains(where: { $0.state == .active }) {
                let algorithm = JWSAlgorithm(rawValue: config.jwtAlgorithm) ?? .eddsa
                let entry = try store.generate(algorithm: algorithm)
                logger.notice("Signing key generated", metadata: ["key.id": entry.keyID, "key.alg": algorithm.rawValue])
            }
        }
        let secretPath = refreshSecretPath(config: config)
        if !FileManager.default.fileExists(atPath: secretPath) {
            guard FileManager.default.createFile(
                atPath: secretPath, contents: Data(Random.bytes(count: 32)), attributes: [.posixPermissions: 0o600])
            else { throw ConfigError(key: "KEYS_DIR", message: "cannot write \(secretPath)") }
        }
        try ensureAPIKeyPepper(config: config)
        try ensureMFAKey(config: config)
        try WebhookSecrets.ensureKey(config: config)
    }

    /// The key of `MFA_KEY_FILE`, or nil when the file is missing or shorter than 32 bytes.
    static func readMFAKey(config: Config) -> SealingKey? {
        guard let data = FileManager.default.contents(atPath: config.mfaKeyFile) else { return nil }
        return try? SealingKey(fileBytes: Array(data))
    }

    /// Creates the MFA key file (32 random bytes, mode 0600) when there is none, as the API-key pepper is made.
    static func ensureMFAKey(config: Config) throws {
        let path = config.mfaKeyFile
        guard !FileManager.default.fileExists(atPath: path) else { return }
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(Random.bytes(count: 32)), attributes: [.posixPermissions: 0o600])
        else { throw ConfigError(key: "MFA_KEY_FILE", message: "cannot write \(path)") }
    }

    /// The API-key pepper (`API_KEY_PEPPER_FILE`), or nil when the file is missing or shorter than 32 bytes.
    static func readAPIKeyPepper(config: Config) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: config.apiKeyPepperFile), data.count >= 32 else {
            return nil
        }
        return Array(data)
    }

    /// Creates the API-key pepper file (32 random bytes, mode 0600) when there is none, as the signing keys are made.
    static func ensureAPIKeyPepper(config: Config) throws {
        let path = config.apiKeyPepperFile
        guard !FileManager.default.fileExists(atPath: path) else { return }
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data(Random.bytes(count: 32)), attributes: [.posixPermissions: 0o600])
        else { throw ConfigError(key: "API_KEY_PEPPER_FILE", message: "cannot write \(path)") }
    }

    /// The secret that keys refresh-token rotation, beside the signing keys (mode 0600).
    static func refreshSecretPath(config: Config) -> String {
        config.keysDirectory + "/refresh-rotation.secret"
    }

    static func readRefreshSecret(config: Config) throws -> [UInt8] {
        let path = refreshSecretPath(config: config)
        guard let data = FileManager.default.contents(atPath: path), data.count >= 32 else {
            throw ConfigError(key: "KEYS_DIR", message: "\(path) is missing or short; `gatehouse serve` creates it")
        }
        return Array(data)
    }

    /// Work between signals in the supervisor: password-reset requests taken up, expired rows pruned; both short
    /// database work. Everything that waits on the network or another program (webhooks, mail) runs in the
    /// delivery process (`gatehouse deliver`).
    static func supervisorTick(config: Config, logger: Logger) throws -> (Config) -> Void {
        let database = try Database.open(url: config.databaseURL, createIfMissing: false)
        let resets = PasswordResetMailer(database: database, logger: logger)
        let housekeeping = Housekeeping(database: database, logger: logger)
        return { current in
            resets.tick(config: current)
            housekeeping.tick(config: current)
        }
    }
}
