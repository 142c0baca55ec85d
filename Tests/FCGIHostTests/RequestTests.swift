import Testing
import FCGIHost

@Suite struct RequestTests {
    @Test("FastCGI parameters become method, path, decoded query, headers, cookies and remote address")
    func fromParameters() throws {
        let parameters = FastCGIParameters([
            ("REQUEST_METHOD", "post"), ("REQUEST_URI", "/users/caf%C3%A9?q=a+b&limit=10&q=second&e=%E2%82%AC"),
            ("HTTP_X_REQUESTED_WITH", "fetch"), ("HTTP_COOKIE", "gh_refresh=abc; theme=\"dark\""),
            ("CONTENT_TYPE", "application/json; charset=utf-8"), ("CONTENT_LENGTH", "2"), ("REMOTE_ADDR", "192.0.2.7"),
        ])
        let request = try parameters.request(body: Array("{}".utf8))
        #expect(request.method == "POST")
        #expect(request.path == "/users/caf%C3%A9")
        #expect(request.query["q"] == "a b")
        #expect(request.query.values("q") == ["a b", "second"])
        #expect(request.query["limit"] == "10")
        #expect(request.query["e"] == "€")
        #expect(request.headers["x-requested-with"] == "fetch")
        #expect(request.headers["Content-Length"] == "2")
        #expect(request.cookies["gh_refresh"] == "abc")
        #expect(request.cookies["theme"] == "dark")
        #expect(request.mediaType == "application/json")
        #expect(request.remoteAddress == "192.0.2.7")
        #expect(try parameters.contentLength() == 2)
    }

    @Test("raw parameters find what FastCGIParameters and Headers find, and build the same request")
    func rawParameters() throws {
        let pairs = [
            ("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/auth/verify"), ("HTTP_X_API_KEY", "first"),
            ("HTTP_X_API_KEY", "second"), ("HTTP_", "not a header"), ("HTTP_AUTHORIZATION", "Bearer a.b.c"),
            ("CONTENT_LENGTH", ""), ("REMOTE_ADDR", "192.0.2.7"), ("HTTP_X_EMPTY", ""),
        ]
        let raw = RawParameters(pairs)
        let text = { (bytes: ArraySlice<UInt8>?) in bytes.map { String(decoding: $0, as: UTF8.self) } }
        #expect(text(raw.cgi("REQUEST_METHOD")) == "GET")
        #expect(text(raw.cgi("REMOTE_ADDR")) == "192.0.2.7")
        #expect(text(raw.cgi("CONTENT_LENGTH")) == "")
        #expect(raw.cgi("REQUEST") == nil)
        #expect(text(raw.header("x-api-key")) == "first")
        #expect(text(raw.header("authorization")) == "Bearer a.b.c")
        #expect(text(raw.header("x-empty")) == "")
        #expect(raw.header("origin") == nil)
        #expect(RawParameters.value(raw.cgi("REQUEST_URI"), is: "/auth/verify"))
        #expect(!RawParameters.value(raw.cgi("REQUEST_URI"), is: "/auth/verif"))
        #expect(!RawParameters.value(nil, is: ""))
        let fromRaw = try FastCGIParameters(raw).request(body: [])
        let fromPairs = try FastCGIParameters(pairs).request(body: [])
        #expect(fromRaw.description == fromPairs.description)
        #expect(fromRaw.headers.map(\.name) == fromPairs.headers.map(\.name))
        #expect(fromRaw.headers.map(\.value) == fromPairs.headers.map(\.value))
        #expect(fromRaw.headers["X-API-Key"] == "first")
        #expect(fromRaw.remoteAddress == "192.0.2.7")
    }

    @Test("without REQUEST_URI the path and query come from DOCUMENT_URI and QUERY_STRING")
    func fallbackTarget() throws {
        let request = try FastCGIParameters([("DOCUMENT_URI", "/health"), ("QUERY_STRING", "x=1")]).request(body: [])
        #expect(request.method == "GET")
        #expect(request.path == "/health")
        #expect(request.query["x"] == "1")
    }

    @Test("a malformed percent escape or non-UTF-8 query is a 400 invalid_request", arguments: ["a=%ZZ", "a=%C3", "%"])
    func malformedQuery(query: String) {
        #expect(throws: HTTPError(.badRequest, code: "invalid_request", detail: "")) {
            try Request(method: "GET", target: "/health?\(query)")
        }
    }

    @Test("a Content-Type without a media type is none, not a crash", arguments: [";", ";charset=utf-8", " ; "])
    func emptyMediaType(value: String) throws {
        let request = try Request(method: "POST", target: "/auth/login", headers: Headers([("Content-Type", value)]))
        #expect(request.mediaType == "")
    }

    @Test("a Content-Length that is not a number is a 400")
    func badContentLength() {
        #expect(throws: HTTPError(.badRequest, code: "invalid_request", detail: "")) {
            try FastCGIParameters([("CONTENT_LENGTH", "12abc")]).contentLength()
        }
    }

    @Test("description leaves out credentials and the body")
    func redactedDescription() throws {
        let request = try Request(
            method: "POST", target: "/auth/login",
            headers: Headers([("Authorization", "Bearer secret-token"), ("Cookie", "gh_refresh=r"), ("Accept", "*/*")]),
            body: Array("{\"password\":\"hunter2\"}".utf8))
        #expect(!request.description.contains("secret-token"))
        #expect(!request.description.contains("gh_refresh"))
        #expect(!request.description.contains("hunter2"))
        #expect(request.description.contains("Accept"))
    }

    @Test("a header value cannot carry a line break into the response head, however it is added")
    func headerValuesStaySingleLine() {
        var headers = Headers([("X-Injected", "a\r\nSet-Cookie: stolen=1")])
        headers.add("Location", "/next\nX-Other: 1")
        headers.set("X-Injected", "b\r\n\r\nbody")
        #expect(headers["x-injected"] == "b" + "body")
        #expect(headers["LOCATION"] == "/next" + "X-Other: 1")
        #expect(headers.allSatisfy { !$0.value.contains("\r") && !$0.value.contains("\n") })
    }

    @Test("header names compare ASCII-case-insensitively, and non-ASCII names are kept as they are")
    func headerNameCase() {
        let headers = Headers([("X-Required-Permission", "read:x"), ("X-Ünïcode", "1")])
        #expect(headers["x-required-permission"] == "read:x")
        #expect(headers["X-REQUIRED-PERMISSION"] == "read:x")
        #expect(headers["x-Ünïcode"] == "1")
        #expect(headers["x-ünïcode"] == nil)
        #expect("Bearer".equalsIgnoringASCIICase("bEARER"))
        #expect(!"Bearer".equalsIgnoringASCIICase("Bearer "))
        #expect(!"[".equalsIgnoringASCIICase("{"))
    }
}
