import AuthHandlers
import Crypto
import FCGIHost
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One `GET /auth/verify` with a cached token through a worker's request path, without the socket: the FastCGI
/// parameters nginx's auth_request location sends, parsed into a request, routed through the middleware the worker
/// installs (CORS/no-store, the API rate limiter) to the verify route, and serialized. `verify-request` is the
/// part of a verify that is Gatehouse's own code, the part bench/auth.sh's ratio to the C responder pays for.
func requestBenchmarks(directory: String, seconds: Double, iterations: Int?, wanted: (String) -> Bool) throws {
    guard wanted("verify-request") else { return }
    let base = directory + "/request"
    try FileManager.default.createDirectory(atPath: base + "/keys", withIntermediateDirectories: true)
    let config = try Config(values: [
        "DATABASE_URL": "sqlite://\(base)/gh.db", "KEYS_DIR": base + "/keys", "RUNTIME_DIR": base,
        "JWT_ISSUER": "https://bench.example", "SERVICE_SECRET": String(repeating: "b", count: 64),
        "RATE_LIMIT_API": "0/1m",
    ])
    let database = try Database(path: base + "/gh.db")
    try Migrations.run(on: database)
    try KeyStore(directory: base + "/keys").generate(algorithm: .eddsa)
    let scoreboard = try Scoreboard(path: base + "/scoreboard", create: true)
    let metrics = Metrics(layout: MetricNames.layout, scoreboard: scoreboard)
    let auth = AuthService(
        config: config, database: database, keys: try SigningKeys(keysDirectory: base + "/keys"),
        refreshSecret: Random.bytes(count: 32), metrics: metrics)
    let router = Router()
    router.use(BrowserSupport(config: config).middleware)
    router.use(pathPrefixes: RateLimiter.apiPrefixes, auth.rateLimiter.apiMiddleware)
    VerifyRoutes(authenticator: auth.authenticator, config: config, apiKeys: auth.apiKeys).addRoutes(to: router)
    metrics.countRoutes(of: router)

    let user = try Users(db: database).insert(email: "bench@example.com", name: "Bench", passwordHash: nil)
    let login = Request(
        method: "POST", path: "/auth/login", query: QueryParameters(), headers: Headers(), remoteAddress: "127.0.0.1",
        body: [])
    let token = try auth.tokens.startSession(user: user, request: login).response.accessToken
    let parameters = FastCGIParameters([
        ("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/auth/verify"), ("REMOTE_ADDR", "127.0.0.1"),
        ("HTTP_HOST", "127.0.0.1:18084"), ("HTTP_AUTHORIZATION", "Bearer " + token),
        ("HTTP_USER_AGENT", "wrk"),
    ])
    let logger = Logger(label: "bench", level: .warning)
    var output: [UInt8] = []
    report(
        "verify-request",
        try measure(seconds: seconds, iterations: iterations) {
            let request = try parameters.request(body: [])
            let (response, _, routeNumber) = router.respondWithRoute(
                to: request, context: RequestContext(logger: logger))
            guard response.status == 204 else { fatalError("verify answered \(response.status)") }
            output.removeAll(keepingCapacity: true)
            response.serialize(into: &output)
            metrics.recordRequest(routeNumber: routeNumber, status: response.status, seconds: 0.0001)
        })
}
