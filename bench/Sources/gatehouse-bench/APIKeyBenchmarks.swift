import AuthHandlers
import Crypto
import Store

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// API-key validation inside one worker, on a SQLite file in `directory`: `api-key-cached` (the key in the
/// worker's cache: checksum, HMAC-SHA256 under the pepper, constant-time compare, allowlist) and
/// `api-key-uncached` (a validator with an empty cache each time: the same plus the indexed read by kid).
func apiKeyBenchmarks(
    directory: String, seconds: Double, iterations: Int?, wanted: (String) -> Bool
) throws {
    guard wanted("api-key") else { return }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let database = try Database(path: directory + "/api-keys.db")
    try Migrations.run(on: database)
    let pepper = Random.bytes(count: 32)
    let (text, key) = APIKey.generate()
    _ = try Clients(db: database).create(
        name: "bench", ipAllowlist: ["127.0.0.0/8", "::1/128"], originAllowlist: [], rolesAllowed: [],
        kid: key.kid, secretHash: key.secretHash(pepper: pepper))
    func validator() -> APIKeyValidator {
        APIKeyValidator(database: database, pepper: pepper, allowlistEnabled: true) { 1 }
    }
    let cached = validator()
    if wanted("api-key-cached") {
        report(
            "api-key-cached",
            try measure(seconds: seconds, iterations: iterations) {
                _ = try cached.validate(text, address: "127.0.0.1")
            })
    }
    if wanted("api-key-uncached") {
        report(
            "api-key-uncached",
            try measure(seconds: seconds, iterations: iterations) {
                _ = try validator().validate(text, address: "127.0.0.1")
            })
    }
}
