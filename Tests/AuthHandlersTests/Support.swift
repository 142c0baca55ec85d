import Foundation
import Testing

@testable import AuthHandlers
import Crypto
import FCGIHost
import Store

/// A worker's routes over a fresh migrated database file (HS256 keys, no socket): requests go through the
/// router exactly as the worker hands them over (DESIGN.md testing layer 1).
final class RouteFixture {
    let directory: String
    let database: Database
    let auth: AuthService
    let router = Router()

    init(settings: [String: String] = [:]) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gatehouse-handler-tests-\(UUID().uuidString.lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let secret = String(repeating: "s", count: 40)
        let config = try Config(values: [
            "DATABASE_URL": "sqlite://\(directory)/gh.db", "KEYS_DIR": "\(directory)/keys", "JWT_ALG": "HS256",
            "JWT_SECRET": secret, "RUNTIME_DIR": "\(directory)/run",
        ].merging(settings) { _, given in given })
        database = try Database(path: "\(directory)/gh.db")
        try Migrations.run(on: database)
        auth = AuthService(
            config: config, database: database, keys: try SigningKeys(hmacSecrets: [Array(secret.utf8)]),
            refreshSecret: Array(repeating: 7, count: 32), metrics: nil)
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func respond(_ method: String, _ path: String, json: String? = nil, remoteAddress: String = "192.0.2.1") -> Response {
        var headers = Headers()
        if json != nil { headers.add("Content-Type", "application/json") }
        let request = Request(
            method: method, path: path, query: QueryParameters(), headers: headers, remoteAddress: remoteAddress,
            body: Array((json ?? "").utf8))
        return router.respond(to: request, context: RequestContext(logger: Logger(label: "test", level: .critical)))
    }
}
