import Foundation
import Testing

import AuthHandlers
import Crypto
import FCGIHost
import Store

/// A SQLite file two "workers" (validators on their own connections) share, with one client and its key.
private final class KeyFixture {
    let directory: String
    let path: String
    let pepper = [UInt8](repeating: 9, count: 32)
    let admin: Database
    let client: Client
    let key: String

    init(ipAllowlist: [String] = ["10.0.0.0/8", "2001:db8::/32"]) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("gatehouse-key-tests-\(UUID().uuidString.lowercased())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        path = directory + "/gh.db"
        admin = try Database(path: path)
        try Migrations.run(on: admin)
        let (text, key) = APIKey.generate()
        client = try Clients(db: admin).create(
            name: "Acme", ipAllowlist: ipAllowlist, originAllowlist: [], rolesAllowed: [], kid: key.kid,
            secretHash: key.secretHash(pepper: pepper))
        self.key = text
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func worker(allowlist: Bool = true, generation: @escaping () -> UInt64? = { nil }) throws -> APIKeyValidator {
        APIKeyValidator(
            database: try Database(path: path), pepper: pepper, allowlistEnabled: allowlist, writeGeneration: generation)
    }
}

private final class Counter: @unchecked Sendable {
    var value: UInt64 = 0
}

@Suite struct APIKeyValidatorTests {
    private func code(_ outcome: APIKeyValidator.Outcome) -> String {
        switch outcome {
        case .valid: "valid"
        case .invalid: "token_invalid"
        case .ipNotAllowed: "ip_not_allowed"
        case .unavailable: "unavailable"
        }
    }

    @Test("garbage and wrongly checksummed keys are refused without touching the database")
    func garbageNeedsNoDatabase() throws {
        // An unmigrated database: any query fails (no such table), so a refusal that comes back clean never asked it.
        let validator = APIKeyValidator(
            database: try Database(path: ":memory:"), pepper: [UInt8](repeating: 9, count: 32), allowlistEnabled: true
        ) { nil }
        let wellFormed = APIKey.generate().text
        var badChecksum = wellFormed
        badChecksum.removeLast()
        badChecksum.append(wellFormed.last == "A" ? "B" : "A")
        for garbage in ["", "gh_", "Bearer x", String(repeating: "a", count: 5000), badChecksum] {
            #expect(code(try validator.check(garbage, address: "10.0.0.1")) == "token_invalid")
        }
        // A well-formed key does reach the database (and here fails there): the check above is what spared it.
        do {
            _ = try validator.check(wellFormed, address: "10.0.0.1")
            Issue.record("a well-formed key was answered without the database")
        } catch {}
    }

    @Test("a valid key from an allowed address is accepted; a wrong secret with a known kid is not")
    func validKey() throws {
        let fixture = try KeyFixture()
        let worker = try fixture.worker()
        let outcome = try worker.check(fixture.key, address: "10.1.2.3")
        guard case .valid(let client) = outcome else { Issue.record("not valid: \(code(outcome))"); return }
        #expect(client.client.id == fixture.client.id)
        let kid = try #require(APIKey(parsing: fixture.key)).kid
        let forged = APIKey(parsing: "gh_\(kid)_\(String(repeating: "x", count: 43))_000000")
        #expect(forged == nil)  // checksum first
        let body = "gh_\(kid)_\(String(repeating: "x", count: 43))_"
        let withChecksum = body + Base62.fixedWidth(UInt64(CRC32.checksum(Array(body.utf8))), width: 6)
        #expect(code(try worker.check(withChecksum, address: "10.1.2.3")) == "token_invalid")
    }

    @Test(
        "the allowlist is checked on every request, cached key or not, for IPv4, IPv6 and mapped addresses",
        arguments: [
            ("10.1.2.3", "valid"), ("::ffff:10.1.2.3", "valid"), ("2001:db8::1", "valid"), ("11.0.0.1", "ip_not_allowed"),
            ("2001:db9::1", "ip_not_allowed"), ("::ffff:11.0.0.1", "ip_not_allowed"), ("not-an-address", "ip_not_allowed"),
            ("", "ip_not_allowed"),
        ])
    func allowlist(address: String, expected: String) throws {
        let fixture = try KeyFixture()
        let worker = try fixture.worker()
        #expect(code(try worker.check(fixture.key, address: "10.9.9.9")) == "valid")  // now cached
        #expect(code(try worker.check(fixture.key, address: address)) == expected)
        #expect(code(try worker.check(fixture.key, address: "10.9.9.9")) == "valid")
    }

    @Test("an empty allowlist allows no address, and IP_WHITELIST_ENABLED=false turns the check off")
    func emptyAllowlist() throws {
        let fixture = try KeyFixture(ipAllowlist: [])
        #expect(code(try fixture.worker().check(fixture.key, address: "127.0.0.1")) == "ip_not_allowed")
        #expect(code(try fixture.worker(allowlist: false).check(fixture.key, address: "127.0.0.1")) == "valid")
    }

    @Test("a revocation by another worker is seen at once once the write generation moves")
    func revocationInvalidatesCache() throws {
        let fixture = try KeyFixture()
        let generation = Counter()
        let worker = try fixture.worker { generation.value }
        #expect(code(try worker.check(fixture.key, address: "10.0.0.1")) == "valid")
        #expect(code(try worker.check(fixture.key, address: "10.0.0.1")) == "valid")
        let kid = try #require(APIKey(parsing: fixture.key)).kid
        #expect(try Clients(db: fixture.admin).revokeKey(clientId: fixture.client.id, kid: kid))
        generation.value += 1  // what a state-changing request does after its commit
        #expect(code(try worker.check(fixture.key, address: "10.0.0.1")) == "token_invalid")
    }

    @Test("on a shared database (no generation) every check reads the counter: updates apply at once")
    func sharedDatabase() throws {
        let fixture = try KeyFixture()
        let worker = try fixture.worker()
        #expect(code(try worker.check(fixture.key, address: "10.0.0.1")) == "valid")
        _ = try Clients(db: fixture.admin).update(id: fixture.client.id, ipAllowlist: ["192.0.2.0/24"])
        #expect(code(try worker.check(fixture.key, address: "10.0.0.1")) == "ip_not_allowed")
        #expect(code(try worker.check(fixture.key, address: "192.0.2.7")) == "valid")
        let (_, next) = APIKey.generate()
        _ = try Clients(db: fixture.admin).rotate(
            clientId: fixture.client.id, kid: next.kid, secretHash: next.secretHash(pepper: fixture.pepper))
        #expect(code(try worker.check(fixture.key, address: "192.0.2.7")) == "valid")  // secondary now
        #expect(code(try worker.check(next.text, address: "192.0.2.7")) == "valid")
        let (_, third) = APIKey.generate()
        _ = try Clients(db: fixture.admin).rotate(
            clientId: fixture.client.id, kid: third.kid, secretHash: third.secretHash(pepper: fixture.pepper))
        #expect(code(try worker.check(fixture.key, address: "192.0.2.7")) == "token_invalid")
        #expect(try Clients(db: fixture.admin).delete(id: fixture.client.id))
        #expect(code(try worker.check(next.text, address: "192.0.2.7")) == "token_invalid")
    }

    @Test("without a pepper keys answer unavailable, garbage still token_invalid")
    func noPepper() throws {
        let fixture = try KeyFixture()
        let worker = APIKeyValidator(
            database: try Database(path: fixture.path), pepper: nil, allowlistEnabled: true) { nil }
        #expect(code(try worker.check(fixture.key, address: "10.0.0.1")) == "unavailable")
        #expect(code(try worker.check("junk", address: "10.0.0.1")) == "token_invalid")
    }
}

@Suite struct APIKeyVerifyRouteTests {
    @Test("/auth/verify answers garbage and bad-checksum keys with 401 token_invalid without the database")
    func garbageAtVerify() throws {
        let fixture = try RouteFixture()
        // The key checks run on an unmigrated database: a request that reached it would fail with a 500.
        let unmigrated = APIKeyValidator(
            database: try Database(path: ":memory:"), pepper: [UInt8](repeating: 9, count: 32), allowlistEnabled: true
        ) { nil }
        let router = Router()
        VerifyRoutes(authenticator: fixture.auth.authenticator, config: fixture.auth.config, apiKeys: unmigrated)
            .addRoutes(to: router)
        let good = APIKey.generate().text
        let badChecksum = String(good.dropLast()) + (good.last == "A" ? "B" : "A")
        func verify(_ key: String) -> Response {
            let request = Request(
                method: "GET", path: "/auth/verify", query: QueryParameters(), headers: Headers([("X-API-Key", key)]),
                remoteAddress: "10.0.0.1", body: [])
            return router.respond(to: request, context: RequestContext(logger: Logger(label: "test", level: .critical)))
        }
        for key in ["", "garbage", "gh_" + String(repeating: "a", count: 62), badChecksum] {
            let response = verify(key)
            #expect(response.status == 401)
            #expect(String(decoding: response.body, as: UTF8.self).contains("token_invalid"))
        }
        #expect(verify(good).status == 500)  // well-formed: it went to the (unusable) database
    }
}
