public import FCGIHost
public import Store

/// The operations routes of API.md: health, a database round trip, worker statistics and Prometheus metrics.
public struct OpsRoutes {
    let version: String
    let config: Config
    let metrics: Metrics
    let database: Database
    /// Decides who may read `/connection/stats` (the `ops:read` permission).
    let authorizeStats: (Request) throws -> Void
    /// The healthy answer never changes; encoded once (load balancers call it a lot).
    let healthyBody: Response

    public init(
        version: String, config: Config, metrics: Metrics, database: Database,
        authorizeStats: @escaping (Request) throws -> Void
    ) {
        self.version = version
        self.config = config
        self.metrics = metrics
        self.database = database
        self.authorizeStats = authorizeStats
        healthyBody = (try? Response.json(Health(status: "ok", version: version))) ?? Response(status: 200)
    }

    public func addRoutes(to router: Router) {
        router.get("/health", use: health)
        router.get("/connection/test", use: connectionTest)
        router.get("/connection/stats", use: connectionStats)
        router.get("/metrics", use: prometheus)
    }

    struct Health: Encodable {
        let status: String
        let version: String
    }

    /// 200 with the version, or 503 `unavailable` (problem+json, like every error) when the database is unusable.
    func health(_ request: Request, context: RequestContext) throws -> Response {
        do {
            try probe()
            return healthyBody
        } catch {
            context.logger.error("Health check failed", metadata: ["error": "\(error)"])
            throw HTTPError.unavailable
        }
    }

    struct ConnectionTest: Encodable {
        let ok: Bool
        let latencyMS: Double
        enum CodingKeys: String, CodingKey {
            case ok
            case latencyMS = "latency_ms"
        }
    }

    func connectionTest(_ request: Request, context: RequestContext) throws -> Response {
        let started = ContinuousClock.now
        do {
            try probe()
        } catch {
            context.logger.error("Database round trip failed", metadata: ["error": "\(error)"])
            throw HTTPError.unavailable
        }
        let elapsed = started.duration(to: .now)
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        return try .json(ConnectionTest(ok: true, latencyMS: (milliseconds * 1000).rounded() / 1000))
    }

    struct Stats: Encodable {
        let workers: Int
        let busyWorkers: Int
        let requestsTotal: UInt64
        let database: DatabaseBody
        let verifyCacheHitRate: Double
        enum CodingKeys: String, CodingKey {
            case workers
            case busyWorkers = "busy_workers"
            case requestsTotal = "requests_total"
            case database
            case verifyCacheHitRate = "verify_cache_hit_rate"
        }
    }

    /// `{"backend": "sqlite", "size_bytes": n, …the backend's own figures}`.
    struct DatabaseBody: Encodable {
        let stats: DatabaseStats

        struct Key: CodingKey {
            let stringValue: String
            init(stringValue: String) { self.stringValue = stringValue }
            var intValue: Int? { nil }
            init?(intValue: Int) { nil }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(stats.backend.rawValue, forKey: Key(stringValue: "backend"))
            try container.encode(stats.sizeBytes, forKey: Key(stringValue: "size_bytes"))
            for (name, value) in stats.details.sorted(by: { $0.key < $1.key }) {
                let key = Key(stringValue: name)
                switch value {
                case .integer(let number): try container.encode(number, forKey: key)
                case .real(let number): try container.encode(number, forKey: key)
                case .text(let text): try container.encode(text, forKey: key)
                case .null, .blob: try container.encodeNil(forKey: key)
                }
            }
        }
    }

    func connectionStats(_ request: Request, context: RequestContext) throws -> Response {
        try authorizeStats(request)
        let snapshot = metrics.scoreboard.snapshot()
        return try .json(
            Stats(
                workers: snapshot.workers, busyWorkers: snapshot.busyWorkers, requestsTotal: snapshot.requestsTotal,
                database: DatabaseBody(stats: try database.stats()),
                verifyCacheHitRate: cacheHitRate(snapshot)))
    }

    func prometheus(_ request: Request, context: RequestContext) throws -> Response {
        guard config.metricsAllow.contains(address: request.remoteAddress) else {
            throw HTTPError.forbidden("Metrics are served only to the addresses in METRICS_ALLOW.")
        }
        let snapshot = metrics.scoreboard.snapshot()
        let extra = [
            "# HELP auth_cache_hit_rate Share of /auth/verify answered from the per-worker cache.",
            "# TYPE auth_cache_hit_rate gauge",
            "auth_cache_hit_rate \(cacheHitRate(snapshot))",
            "# HELP gatehouse_workers Worker processes alive.",
            "# TYPE gatehouse_workers gauge",
            "gatehouse_workers \(snapshot.workers)",
            "# HELP gatehouse_busy_workers Workers answering a request right now.",
            "# TYPE gatehouse_busy_workers gauge",
            "gatehouse_busy_workers \(snapshot.busyWorkers)",
        ]
        return .text(metrics.render(snapshot, extra: extra), contentType: "text/plain; version=0.0.4; charset=utf-8")
    }

    func cacheHitRate(_ snapshot: ScoreboardSnapshot) -> Double {
        let hits = metrics.total("auth_verify_cache_hits_total", in: snapshot)
        let lookups = hits + metrics.total("auth_verify_cache_misses_total", in: snapshot)
        return lookups == 0 ? 0 : (Double(hits) / Double(lookups) * 10000).rounded() / 10000
    }

    /// A real round trip: a statement executed on this worker's connection.
    func probe() throws {
        do {
            try database.ping()
        } catch {
            throw HTTPError.unavailable
        }
    }
}
