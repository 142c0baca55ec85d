import Foundation
import Testing

@testable import AuthHandlers
import Crypto
import FCGIHost
@testable import Store

/// Holes a security review found, closed below the HTTP layer (the end-to-end suite covers the rest through nginx).
@Suite struct SecurityReviewTests {
    @Test("forgot-password writes the same for an existing and an unknown account: one queued request each")
    func forgotWritesTheSameEitherWay() throws {
        let fixture = try RouteFixture()
        PasswordResetRoutes(auth: fixture.auth).addRoutes(to: fixture.router)
        _ = try fixture.auth.users.insert(email: "ada@example.com", name: "Ada", passwordHash: "$argon2id$x")

        var written: [Int] = []
        for email in ["ada@example.com", "nobody@example.com", "ADA@example.com ", "nobody2@example.com"] {
            let before = fixture.database.totalChanges
            let response = fixture.respond("POST", "/auth/password/forgot", json: #"{"email": "\#(email)"}"#)
            #expect(response.status == 202)
            #expect(response.body == Array(#"{"status":"accepted"}"#.utf8))
            written.append(fixture.database.totalChanges - before)
        }
        // Rate-limit buckets (IP and identifier) and the request row; nothing that depends on the account.
        #expect(Set(written).count == 1, "rows written per request: \(written)")
        #expect(try fixture.auth.passwordResets.pendingRequests().map(\.identifier) == [
            "ada@example.com", "nobody@example.com", "ada@example.com", "nobody2@example.com",
        ])

        // The supervisor takes them up: one token and one mail, for the account that exists and is active.
        let config = fixture.auth.config
        PasswordResetMailer(database: fixture.database, logger: Logger(label: "t", level: .critical)).tick(config: config)
        #expect(try fixture.auth.passwordResets.pendingRequests().isEmpty)
        let mail = try Outbox(db: fixture.database).due(limit: 10)
        #expect(mail.map(\.recipient) == ["ada@example.com", "ada@example.com"])
    }

    @Test("an identifier over 254 bytes is a 422 before anything is written")
    func longIdentifierWritesNothing() throws {
        let fixture = try RouteFixture()
        LoginRoutes(auth: fixture.auth).addRoutes(to: fixture.router)
        PasswordResetRoutes(auth: fixture.auth).addRoutes(to: fixture.router)
        let long = String(repeating: "a", count: 243) + "@example.com"  // 255 bytes
        for (path, field) in [("/auth/login", "email"), ("/auth/password/forgot", "email")] {
            let before = fixture.database.totalChanges
            let response = fixture.respond("POST", path, json: #"{"email": "\#(long)", "password": "x"}"#)
            #expect(response.status == 422, "\(path)")
            #expect(String(decoding: response.body, as: UTF8.self).contains(#""field":"\#(field)""#))
            #expect(fixture.database.totalChanges == before, "\(path) wrote rows")
        }
        let username = fixture.respond(
            "POST", "/auth/login", json: #"{"username": "\#(String(repeating: "x", count: 60_000))", "password": "x"}"#)
        #expect(username.status == 422)
        // 254 bytes is still an identifier: a wrong login, counted.
        let fits = String(repeating: "a", count: 242) + "@example.com"
        #expect(fixture.respond("POST", "/auth/login", json: #"{"email": "\#(fits)", "password": "x"}"#).status == 401)
    }

    @Test("a mail header loses CR, LF and CRLF alike (Swift reads CRLF as one Character)")
    func mailHeadersCannotBeInjected() throws {
        let fixture = try RouteFixture()
        let outbox = Outbox(db: fixture.database)
        try outbox.enqueue(recipient: "ada@example.com\r\nBcc: eve@example.com", subject: "Hi\r\nX-Evil: 1\nY: 2\rZ: 3", body: "b")
        let message = try #require(try outbox.due(limit: 1).first)
        let text = OutboxDelivery.render(message, from: "gatehouse@example.com\r\nCc: x@example.com")
        let head = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        #expect(head.filter { $0.hasPrefix("To:") } == ["To: ada@example.comBcc: eve@example.com"])
        #expect(head.filter { $0.hasPrefix("Subject:") } == ["Subject: HiX-Evil: 1Y: 2Z: 3"])
        #expect(head.filter { $0.hasPrefix("From:") } == ["From: gatehouse@example.comCc: x@example.com"])
        #expect(!head.contains { $0.hasPrefix("Bcc:") || $0.hasPrefix("X-Evil") || $0.hasPrefix("Cc:") })
        #expect(!head.joined().unicodeScalars.contains { $0 == "\r" || $0 == "\n" })
    }

    @Test("a validly signed token with exp near Int64.max is refused every time, and the worker lives")
    func hugeExpiryIsRefused() throws {
        let fixture = try RouteFixture()
        let now = Int64(Date().timeIntervalSince1970)
        func token(iat: Int64, exp: Int64) throws -> String {
            try fixture.auth.tokens.keys.sign(
                AccessClaims(
                    iss: "gatehouse", aud: "gatehouse", sub: UUID().uuidString.lowercased(),
                    sid: UUID().uuidString.lowercased(), jti: "j", iat: iat, nbf: iat, exp: exp, email: "a@b.c",
                    name: "A", roles: [], permissions: [], ctx: nil, assignments: nil))
        }
        func code(_ signed: String) -> String? {
            do {
                _ = try fixture.auth.authenticator.verify(token: signed, address: "192.0.2.1")
                return nil
            } catch {
                return (error as? HTTPError)?.code
            }
        }
        // Longer-lived than JWT_EXPIRES_IN (15 min) plus the leeway (60 s): not a token this server issued.
        for exp in [Int64.max, Int64.max - 30, now + 900 + 61] {
            let signed = try token(iat: now, exp: exp)
            #expect(code(signed) == "token_invalid")
            #expect(code(signed) == "token_invalid")  // the second use went through the cache before
        }
        // iat far in the past with a huge exp: the difference overflows Int64.
        #expect(code(try token(iat: Int64.min + 5, exp: Int64.max)) == "token_invalid")
        // Within the lifetime the token passes these checks (and is refused for its unknown session only).
        #expect(code(try token(iat: now, exp: now + 900)) == "token_revoked")
    }
}

@Suite struct RateLimitKeyTests {
    @Test(
        "bucket keys: IPv4 as it is, IPv4-mapped as IPv4, IPv6 by its prefix",
        arguments: [
            ("203.0.113.7", 64, "203.0.113.7"), ("::ffff:203.0.113.7", 64, "203.0.113.7"),
            ("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2:0:0:0:0/64"), ("2001:DB8:1:2::9", 64, "2001:db8:1:2:0:0:0:0/64"),
            ("2001:db8:1:2:3:4:5:6", 48, "2001:db8:1:0:0:0:0:0/48"), ("2001:db8:1:2:3:4:5:6", 56, "2001:db8:1:0:0:0:0:0/56"),
            ("2001:db8:1:2ff:3:4:5:6", 56, "2001:db8:1:200:0:0:0:0/56"), ("::1", 128, "0:0:0:0:0:0:0:1/128"),
        ])
    func addressKeys(address: String, prefix: Int, key: String) {
        #expect(RateLimiter.addressKey(address, ipv6Prefix: prefix) == key)
    }
}
