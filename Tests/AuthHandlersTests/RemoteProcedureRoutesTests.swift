import Foundation
import Testing

@testable import AuthHandlers
import FCGIHost
@testable import Store

/// `POST /connection/rpc` through the router (API.md "Operations", docs/RPC.md): who may call, the body's shape,
/// the rows, and each refusal as problem+json. The allowlist is a real `RPC_DIR` of query files.
@Suite struct RemoteProcedureRoutesTests {
    let fixture: RouteFixture
    let directory: String
    /// An access token with `connection:rpc`, and one without it.
    let caller: String
    let outsider: String

    static let files = [
        "by_email.sql": """
            -- One user by email.
            -- :email text
            SELECT email, name, is_active FROM users WHERE email = :email
            """,
        "values.sql": """
            -- :n integer
            SELECT :n AS n, 2.5 AS r, 'x' AS t, NULL AS empty, x'00ff' AS b, 1e999 AS inf, -1e999 AS minus
            """,
        "doc.sql": """
            -- :doc json
            SELECT json_extract(:doc, '$.id') AS id, json_extract(:doc, '$.tags[1]') AS tag
            """,
        "forever.sql": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c",
    ]

    init() throws {
        fixture = try RouteFixture()
        directory = fixture.directory + "/rpc"
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        for (name, text) in Self.files {
            FileManager.default.createFile(
                atPath: directory + "/" + name, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644])
        }
        let procedures = try RemoteProcedures(
            database: fixture.database, settings: .init(directory: directory, timeout: .milliseconds(300)))
        RemoteProcedureRoutes(authenticator: fixture.auth.authenticator, procedures: procedures)
            .addRoutes(to: fixture.router)
        _ = try fixture.auth.roles.create(name: "operator", permissions: ["connection:rpc"])
        _ = try fixture.auth.roles.create(name: "reader", permissions: ["ops:read", "users:read"])
        caller = try Self.token(fixture, email: "ops@example.com", role: "operator")
        outsider = try Self.token(fixture, email: "eve@example.com", role: "reader")
    }

    static func token(_ fixture: RouteFixture, email: String, role: String) throws -> String {
        let user = try fixture.auth.users.insert(email: email, name: "Ops", passwordHash: nil)
        try fixture.auth.roles.setRoles([role], forUser: user.id)
        let request = try Request(method: "POST", target: "/auth/login", remoteAddress: "192.0.2.1")
        return try fixture.auth.tokens.startSession(user: user, request: request).response.accessToken
    }

    func post(_ body: String, token: String?, contentType: String = "application/json") -> Response {
        var headers = Headers([("Content-Type", contentType)])
        if let token { headers.add("Authorization", "Bearer \(token)") }
        let request = Request(
            method: "POST", path: "/connection/rpc", query: QueryParameters(), headers: headers,
            remoteAddress: "192.0.2.1", body: Array(body.utf8))
        let context = RequestContext(logger: Logger(label: "t", level: .critical))
        return fixture.router.respond(to: request, context: context)
    }

    func problem(_ response: Response) throws -> [String: Any] {
        #expect(response.headers["Content-Type"] == "application/problem+json")
        return try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    func fields(_ response: Response) throws -> [String: String] {
        let errors = try #require(try problem(response)["errors"] as? [[String: String]])
        return Dictionary(uniqueKeysWithValues: errors.map { ($0["field"] ?? "", $0["message"] ?? "") })
    }

    @Test("an allowed call answers its rows as JSON objects: numbers, strings, null, base64 blobs")
    func rows() throws {
        _ = try fixture.auth.users.insert(email: "ada@example.com", name: "Ada", passwordHash: nil)
        let found = post(#"{"function": "by_email", "args": {"email": "ada@example.com"}}"#, token: caller)
        #expect(found.status == 200)
        #expect(found.headers["Content-Type"] == "application/json; charset=utf-8")
        #expect(String(decoding: found.body, as: UTF8.self)
            == #"{"rows":[{"email":"ada@example.com","is_active":1,"name":"Ada"}]}"#)
        let none = post(#"{"function": "by_email", "args": {"email": "bob@example.com"}}"#, token: caller)
        #expect(String(decoding: none.body, as: UTF8.self) == #"{"rows":[]}"#)
        // 2^53 + 1 survives: arguments are read as 64-bit integers, not doubles.
        let values = post(#"{"function": "values", "args": {"n": 9007199254740993}}"#, token: caller)
        #expect(values.status == 200)
        #expect(String(decoding: values.body, as: UTF8.self) == """
            {"rows":[{"b":"AP8=","empty":null,"inf":"Infinity","minus":"-Infinity","n":9007199254740993,"r":2.5,"t":"x"}]}
            """)
        // A JSON argument is passed as JSON text, its 64-bit integers intact.
        let doc = post(
            #"{"function": "doc", "args": {"doc": {"id": 9007199254740993, "tags": ["a", "b/c"]}}}"#, token: caller)
        #expect(String(decoding: doc.body, as: UTF8.self) == #"{"rows":[{"id":9007199254740993,"tag":"b/c"}]}"#)
    }

    @Test("without a token 401, without connection:rpc 403, before the body is looked at")
    func permission() throws {
        let anonymous = post(#"{"function": "by_email", "args": {"email": "a@b.c"}}"#, token: nil)
        #expect(anonymous.status == 401)
        #expect(try problem(anonymous)["code"] as? String == "token_missing")
        let forbidden = post("not even JSON", token: outsider)
        #expect(forbidden.status == 403)
        #expect(try problem(forbidden)["code"] as? String == "forbidden")
        #expect(post(#"{"function": "values", "args": {"n": 1}}"#, token: "x.y.z").status == 401)
    }

    @Test(
        "a name outside the allowlist is a 404, whatever it looks like",
        arguments: ["missing", "../by_email", "by_email.sql", "/etc/passwd", "pg_catalog.pg_sleep", "BY_EMAIL",
                    "by_email; DROP TABLE users", String(repeating: "a", count: 300)])
    func unknown(name: String) throws {
        let json = try JSONSerialization.data(withJSONObject: ["function": name, "args": [:]])
        let body = String(decoding: json, as: UTF8.self)
        let response = post(body, token: caller)
        #expect(response.status == 404)
        let detail = try problem(response)["detail"] as? String
        #expect(try problem(response)["code"] as? String == "not_found")
        #expect(detail?.contains("DROP") == false && (detail?.utf8.count ?? 0) < 200, "\(detail ?? "")")
    }

    @Test("missing, unknown and wrongly typed arguments are a 422 naming each under args")
    func badArguments() throws {
        let missing = post(#"{"function": "by_email"}"#, token: caller)
        #expect(missing.status == 422)
        #expect(try fields(missing) == ["args.email": "is required"])
        let wrong = post(#"{"function": "by_email", "args": {"email": 5, "extra": true}}"#, token: caller)
        #expect(try fields(wrong) == ["args.email": "must be a string", "args.extra": "is not an argument of by_email"])
        let fraction = post(#"{"function": "values", "args": {"n": 1.5}}"#, token: caller)
        #expect(try fields(fraction) == ["args.n": "must be an integer"])
        #expect(post(#"{"function": "values", "args": {"n": 2.0}}"#, token: caller).status == 200)
        let object = post(#"{"function": "values", "args": {"n": {"$gt": 1}}}"#, token: caller)
        #expect(try fields(object) == ["args.n": "must be an integer"])
        let names = (0..<500).map { #""a\#($0)": 1"# }.joined(separator: ",")
        let many = post(#"{"function": "values", "args": {\#(names)}}"#, token: caller)
        #expect(try fields(many) == ["args": "holds 500 arguments; a function takes at most 100"])
    }

    @Test(
        "a body that is not the JSON object shape is a 400, a missing function a 422, another media type a 415",
        arguments: [
            ("{not json", 400, "invalid_request"), ("[]", 400, "invalid_request"),
            ("\"by_email\"", 400, "invalid_request"), (#"{"function": 5}"#, 400, "invalid_request"),
            (#"{"function": "values", "args": [1]}"#, 400, "invalid_request"),
            (#"{"function": "values", "args": "n=1"}"#, 400, "invalid_request"),
            (#"{"args": {}}"#, 422, "validation_failed"),
            (#"{"function": null}"#, 422, "validation_failed"),
        ])
    func bodyShape(body: String, status: Int, code: String) throws {
        let response = post(body, token: caller)
        #expect(response.status == status)
        #expect(try problem(response)["code"] as? String == code)
        #expect(post(#"{"function": "values"}"#, token: caller, contentType: "text/plain").status == 415)
    }

    @Test("a call past RPC_TIMEOUT is a 503 with Retry-After, and the worker serves the next call")
    func timeout() throws {
        let started = ContinuousClock.now
        let response = post(#"{"function": "forever"}"#, token: caller)
        #expect(response.status == 503)
        #expect(response.headers["Retry-After"] == "1")
        #expect(try problem(response)["code"] as? String == "unavailable")
        // `forever` never ends by itself: the bound allows a busy machine.
        #expect(started.duration(to: .now) < .seconds(10))
        #expect(post(#"{"function": "values", "args": {"n": 1}}"#, token: caller).status == 200)
    }

    @Test("a function that writes is a 403; query files that failed to load make every call a 500")
    func refusals() throws {
        let routes = RemoteProcedureRoutes(authenticator: fixture.auth.authenticator, procedures: nil)
        let logger = Logger(label: "t", level: .critical)
        #expect(routes.httpError(for: .readOnly, function: "f", logger: logger).status == .forbidden)
        #expect(routes.httpError(for: .timeout, function: "f", logger: logger).headers["Retry-After"] == "1")
        let router = Router()
        routes.addRoutes(to: router)
        var headers = Headers([("Content-Type", "application/json")])
        headers.add("Authorization", "Bearer \(caller)")
        let request = Request(
            method: "POST", path: "/connection/rpc", query: QueryParameters(), headers: headers,
            remoteAddress: "192.0.2.1", body: Array(#"{"function": "values"}"#.utf8))
        let response = router.respond(to: request, context: RequestContext(logger: logger))
        #expect(response.status == 500)
        #expect(try problem(response)["code"] as? String == "internal")
    }

    @Test("nothing a call does is written to the database")
    func writesNothing() throws {
        let before = fixture.database.totalChanges
        for body in [#"{"function": "values", "args": {"n": 1}}"#, #"{"function": "forever"}"#, #"{"function": "x"}"#] {
            _ = post(body, token: caller)
        }
        #expect(fixture.database.totalChanges == before)
    }
}
