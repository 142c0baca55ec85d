import Foundation
import Glibc
import Testing

/// `/auth/verify`'s fast lane through the worker's socket: with one worker, every request after the first with a
/// token is one the lane may answer, so each answer here is compared with what the ordinary way gave.
@Suite(.serialized) struct VerifyFastLaneTests {
    /// The whole record stream of one `/auth/verify`, as nginx's snippet asks it (plus `headers`).
    static func verify(_ server: ServerProcess, token: String, headers: [(String, String)] = []) throws -> [UInt8] {
        let connection = try FastCGI.Connection(path: server.socket)
        let pairs =
            [
                ("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/auth/verify"), ("REMOTE_ADDR", "127.0.0.1"),
                ("HTTP_AUTHORIZATION", "Bearer \(token)"),
            ] + headers
        try connection.send(FastCGI.beginRequest() + FastCGI.params(pairs) + FastCGI.stdin([]))
        return try connection.readToEnd()
    }

    static func post(_ server: ServerProcess, _ uri: String, json: String, token: String? = nil) throws -> FastCGI.Response {
        var headers = [("CONTENT_TYPE", "application/json")]
        if let token { headers.append(("HTTP_AUTHORIZATION", "Bearer \(token)")) }
        return try FastCGI.request(socket: server.socket, method: "POST", uri: uri, headers: headers, body: Array(json.utf8))
    }

    /// A registered user's access token (no roles, so no permissions).
    static func token(_ server: ServerProcess, email: String) throws -> String {
        let password = "fast-lane-password-1"
        let registered = try post(
            server, "/auth/register", json: #"{"email":"\#(email)","name":"Lane","password":"\#(password)"}"#)
        #expect(registered.status == 201)
        let login = try post(server, "/auth/login", json: #"{"email":"\#(email)","password":"\#(password)"}"#)
        return try #require(login.json?["access_token"] as? String)
    }

    static func metric(_ server: ServerProcess, _ prefix: String) throws -> Int {
        let text = try FastCGI.request(socket: server.socket, uri: "/metrics").text
        let line = text.split(separator: "\n").first { $0.hasPrefix(prefix) }
        return Int(line?.split(separator: " ").last ?? "") ?? 0
    }

    @Test("a token's later answers are the first answer's bytes, and are counted as the first was")
    func sameBytesSameCounts() throws {
        try withServer(settings: ["WORKERS": "1", "REGISTRATION_OPEN": "true", "RATE_LIMIT_REGISTER": "100/1m"]) { server in
            let token = try Self.token(server, email: "lane@example.com")
            let first = try Self.verify(server, token: token)
            #expect(try FastCGI.parse(first).status == 204)
            #expect(try FastCGI.parse(first).headers["x-user-email"] == "lane@example.com")
            #expect(try FastCGI.parse(first).headers["cache-control"] == "no-store")
            for _ in 0..<3 { #expect(try Self.verify(server, token: token) == first) }
            // The shipped snippet's parameters, an empty permission asking for nothing.
            let snippet = [
                ("DOCUMENT_URI", "/auth/verify"), ("QUERY_STRING", ""), ("CONTENT_LENGTH", ""), ("CONTENT_TYPE", ""),
                ("HTTP_X_ORIGINAL_URI", "/app/"), ("HTTP_X_ORIGINAL_METHOD", "GET"), ("HTTP_X_REAL_IP", "127.0.0.1"),
                ("HTTP_X_REQUIRED_PERMISSION", ""),
            ]
            for _ in 0..<2 { #expect(try Self.verify(server, token: token, headers: snippet) == first) }
            #expect(try Self.metric(server, "http_requests_total{route=\"/auth/verify\",status=\"204\"}") == 6)
            #expect(try Self.metric(server, "auth_verify_cache_hits_total") == 5)
            #expect(try Self.metric(server, "auth_verify_cache_misses_total") == 1)
            #expect(try Self.metric(server, "auth_token_validations_total") == 6)
        }
    }

    @Test("a missing permission, an Origin, a HEAD and a revoked session are answered as the ordinary way answers them")
    func declinedCases() throws {
        try withServer(settings: ["WORKERS": "1", "REGISTRATION_OPEN": "true", "RATE_LIMIT_REGISTER": "100/1m"]) { server in
            let token = try Self.token(server, email: "declined@example.com")
            let allowed = try Self.verify(server, token: token)
            #expect(try FastCGI.parse(allowed).status == 204)
            for _ in 0..<2 {
                let forbidden = try FastCGI.parse(
                    Self.verify(server, token: token, headers: [("HTTP_X_REQUIRED_PERMISSION", "users:read")]))
                #expect(forbidden.status == 403)
                #expect(forbidden.headers["x-gatehouse-error"] == "forbidden")
                let foreign = try FastCGI.parse(
                    Self.verify(server, token: token, headers: [("HTTP_ORIGIN", "https://evil.example")]))
                #expect(foreign.status == 403)
                #expect(foreign.headers["x-gatehouse-error"] == "origin_not_allowed")
            }
            let head = try FastCGI.request(
                socket: server.socket, method: "HEAD", uri: "/auth/verify", headers: [("HTTP_AUTHORIZATION", "Bearer \(token)")])
            #expect(head.status == 204)
            #expect(try Self.verify(server, token: token) == allowed)
            #expect(try Self.post(server, "/auth/logout", json: "{}", token: token).status == 204)
            for _ in 0..<2 {
                let revoked = try FastCGI.parse(Self.verify(server, token: token))
                #expect(revoked.status == 401)
                #expect(revoked.headers["x-gatehouse-error"] == "token_revoked")
            }
        }
    }
}
