import Testing
import FCGIHost
import Foundation

@Suite struct ConfigTests {
    @Test("a database password never shows in check-config", arguments: [
        ("postgresql://gh:s3cr%40t@db.internal:5432/gatehouse?sslmode=verify-full",
         "postgresql://gh:***@db.internal:5432/gatehouse?sslmode=verify-full"),
        ("postgresql:///gatehouse?host=/run/postgresql&user=gh&password=hunter2",
         "postgresql:///gatehouse?host=/run/postgresql&user=gh&password=***"),
        ("postgres://gh@db/gatehouse", "postgres://gh@db/gatehouse"),
        ("sqlite:///var/lib/gatehouse/gatehouse.db", "sqlite:///var/lib/gatehouse/gatehouse.db"),
    ])
    func databasePasswordMasked(url: String, shown: String) throws {
        #expect(Config.redactingPassword(url) == shown)
        let config = try Config(values: ["DATABASE_URL": url])
        #expect(config.maskedDescription.contains("DATABASE_URL=\(shown)\n"))
    }

    @Test("defaults are the documented ones")
    func defaults() throws {
        let config = try Config(values: [:])
        #expect(config.jwtAlgorithm == "EdDSA")
        #expect(config.accessTokenLifetime == 900)
        #expect(config.refreshTokenLifetime == 604_800)
        #expect(config.maxBodyBytes == 65536)
        #expect(config.lockoutThreshold == 5)
        #expect(config.lockoutWindow == 900)
        #expect(config.argon2MemoryKiB == 19456)
        #expect(config.listen == .unix(path: "/run/gatehouse/gatehouse.sock"))
        #expect(config.databaseURL == "sqlite:///var/lib/gatehouse/gatehouse.db")
        #expect(config.workers >= 4)
        #expect(config.rateLimits["login"]?.capacity == 20)
        #expect(config.rateLimits["login"]?.periodSeconds == 60)
        #expect(config.metricsAllow.contains(address: "127.0.0.1"))
        #expect(config.metricsAllow.contains(address: "::1"))
        #expect(!config.metricsAllow.contains(address: "10.0.0.1"))
    }

    @Test("durations, lists, listen addresses and modes parse")
    func parses() throws {
        let config = try Config(values: [
            "JWT_EXPIRES_IN": "90s", "JWT_REFRESH_EXPIRES_IN": "2d", "LISTEN": "[::1]:9000", "SOCKET_MODE": "0666",
            "TRUSTED_PROXIES": "10.0.0.0/8, 2001:db8::/32", "ALLOWED_ORIGINS": "https://a.example,http://localhost:3000",
            "WORKERS": "3", "RATE_LIMIT_API": "0/1m",
        ])
        #expect(config.accessTokenLifetime == 90)
        #expect(config.refreshTokenLifetime == 172_800)
        #expect(config.listen == .tcp(host: "::1", port: 9000))
        #expect(config.socketMode == 0o666)
        #expect(config.trustedProxies.contains(address: "10.1.2.3"))
        #expect(config.trustedProxies.contains(address: "2001:db8:1::5"))
        #expect(config.allowedOrigins == ["https://a.example", "http://localhost:3000"])
        #expect(config.workers == 3)
        #expect(config.rateLimits["api"]?.isEnabled == false)
    }

    @Test(
        "a bad value stops with a message naming the key",
        arguments: [
            ("JWT_ALG", "none"), ("JWT_EXPIRES_IN", "15 minutes"), ("WORKERS", "-1"), ("WORKERS", "many"),
            ("LISTEN", "localhost:80"), ("LISTEN", "unix:relative.sock"), ("MAX_BODY_BYTES", "10"),
            ("TRUSTED_PROXIES", "10.0.0.0/33"), ("ALLOWED_ORIGINS", "app.example.com"), ("REGISTRATION_OPEN", "maybe"),
            ("SERVICE_SECRET", "short"), ("RATE_LIMIT_LOGIN", "ten"), ("LOG_LEVEL", "loud"), ("SOCKET_MODE", "999"),
            ("NO_SUCH_KEY", "1"), ("LISTEN", "0.0.0.0:9000"), ("LISTEN", "192.0.2.10:9000"), ("LISTEN", "[::]:9000"),
            ("RATE_LIMIT_IPV6_PREFIX", "8"), ("RATE_LIMIT_IPV6_PREFIX", "129"), ("AUDIT_RETENTION", "forever"),
        ])
    func rejects(key: String, value: String) {
        do {
            _ = try Config(values: [key: value])
            Issue.record("accepted \(key)=\(value)")
        } catch {
            #expect(error.key == key)
        }
    }

    @Test("RPC settings: defaults, milliseconds or seconds, a folder or none")
    func rpcSettings() throws {
        let defaults = try Config(values: [:])
        #expect(defaults.rpcDirectory == "/etc/gatehouse/rpc")
        #expect(defaults.rpcSchema == "gatehouse_rpc")
        #expect(defaults.rpcTimeout == .seconds(2))
        for (text, duration) in [("250ms", Duration.milliseconds(250)), ("3s", .seconds(3)), ("1", .seconds(1)),
                                 ("30s", .seconds(30)), ("1ms", .milliseconds(1)), ("30000ms", .seconds(30))] {
            #expect(try Config(values: ["RPC_TIMEOUT": text]).rpcTimeout == duration, "\(text)")
        }
        let custom = try Config(values: ["RPC_DIR": "", "RPC_SCHEMA": "Reports_2"])
        #expect(custom.rpcDirectory == "")
        #expect(custom.rpcSchema == "Reports_2")
    }

    @Test(
        "RPC settings that would widen the allowlist or outlast nginx are refused, naming the key",
        arguments: [
            ("RPC_SCHEMA", "public"), ("RPC_SCHEMA", "PUBLIC"), ("RPC_SCHEMA", "pg_catalog"), ("RPC_SCHEMA", "pg_toast"),
            ("RPC_SCHEMA", "information_schema"), ("RPC_SCHEMA", "a-b"), ("RPC_SCHEMA", "gatehouse_rpc; DROP"),
            ("RPC_SCHEMA", "\"x\""), ("RPC_SCHEMA", "1st"), ("RPC_SCHEMA", String(repeating: "s", count: 64)),
            ("RPC_SCHEMA", "schéma"), ("RPC_DIR", "rpc"), ("RPC_DIR", "./rpc"), ("RPC_TIMEOUT", "0ms"),
            ("RPC_TIMEOUT", "0"), ("RPC_TIMEOUT", "31s"), ("RPC_TIMEOUT", "1m"), ("RPC_TIMEOUT", "30001ms"),
            ("RPC_TIMEOUT", "-1s"), ("RPC_TIMEOUT", "1.5s"), ("RPC_TIMEOUT", "soon"), ("RPC_TIMEOUT", "ms"),
        ])
    func rpcRejects(key: String, value: String) {
        do {
            _ = try Config(values: [key: value])
            Issue.record("accepted \(key)=\(value)")
        } catch {
            #expect(error.key == key)
        }
    }

    @Test("a TCP LISTEN off loopback needs LISTEN_ALLOW_REMOTE (FastCGI has no authentication)")
    func remoteListen() throws {
        #expect(try Config(values: ["LISTEN": "127.0.0.2:9000"]).listen == .tcp(host: "127.0.0.2", port: 9000))
        #expect(try Config(values: ["LISTEN": "[::1]:9000"]).listen == .tcp(host: "::1", port: 9000))
        let remote = try Config(values: ["LISTEN": "0.0.0.0:9000", "LISTEN_ALLOW_REMOTE": "true"])
        #expect(remote.listen == .tcp(host: "0.0.0.0", port: 9000))
        #expect(try Config(values: [:]).rateLimitIPv6Prefix == 64)
        #expect(try Config(values: [:]).auditRetention == 180 * 86_400)
    }

    @Test("HS256 needs JWT_SECRET, each secret at least 32 bytes")
    func hs256Secrets() throws {
        #expect(throws: ConfigError(key: "JWT_SECRET", message: "required when JWT_ALG=HS256")) {
            try Config(values: ["JWT_ALG": "HS256"])
        }
        let long = String(repeating: "k", count: 32)
        let config = try Config(values: ["JWT_ALG": "HS256", "JWT_SECRET": "\(long)1,\(long)2"])
        #expect(config.jwtSecrets.count == 2)
        #expect(throws: ConfigError.self) { try Config(values: ["JWT_ALG": "HS256", "JWT_SECRET": "\(long),short"]) }
    }

    @Test("the masked description never shows a secret")
    func masked() throws {
        let secret = String(repeating: "s", count: 40)
        let config = try Config(values: ["SERVICE_SECRET": secret])
        #expect(!config.maskedDescription.contains(secret))
        #expect(config.maskedDescription.contains("SERVICE_SECRET=******** (set, 40 bytes)"))
        #expect(config.maskedDescription.contains("LOCKOUT_THRESHOLD=5"))
    }

    @Test("the file is overlaid by the environment; comments, quotes and blank lines are fine")
    func fileAndEnvironment() throws {
        let path = "/tmp/gatehouse-config-test-\(RequestContext.makeRequestID()).env"
        try "# comment\n\nWORKERS=2\nJWT_ISSUER=\"https://auth.example.com\"\nLOG_LEVEL='debug'\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try Config.load(path: path, environment: ["WORKERS": "6", "UNRELATED": "x"])
        #expect(config.workers == 6)
        #expect(config.issuer == "https://auth.example.com")
        #expect(config.logLevel == .debug)
    }

    @Test("SERVICE_SECRET_FILE supplies the secret when SERVICE_SECRET is empty")
    func secretFile() throws {
        let path = "/tmp/gatehouse-secret-test-\(RequestContext.makeRequestID())"
        let secret = String(repeating: "z", count: 48)
        try "\(secret)\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try Config(values: ["SERVICE_SECRET_FILE": path]).serviceSecret == secret)
        #expect(try Config(values: ["SERVICE_SECRET_FILE": path, "SERVICE_SECRET": secret + "x"]).serviceSecret == secret + "x")
        #expect(throws: ConfigError.self) { try Config(values: ["SERVICE_SECRET_FILE": path + ".missing"]) }
    }

    @Test("a line that is not KEY=VALUE names the file and line")
    func badLine() throws {
        let path = "/tmp/gatehouse-config-test-\(RequestContext.makeRequestID()).env"
        try "WORKERS=2\nthis is not a setting\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: ConfigError(key: "\(path):2", message: "expected KEY=VALUE")) {
            try Config.load(path: path, environment: [:])
        }
    }

    @Test("a missing file is an error only when it was named explicitly")
    func missingFile() throws {
        _ = try Config.load(path: "/nonexistent/gatehouse.env", environment: [:])
        #expect(throws: ConfigError.self) {
            try Config.load(path: "/nonexistent/gatehouse.env", environment: [:], required: true)
        }
    }
}
