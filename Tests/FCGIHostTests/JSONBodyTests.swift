import Testing
import FCGIHost

@Suite struct JSONBodyTests {
    struct Login: Decodable, Equatable {
        let email: String
        let password: String
        let remember: Bool?
    }

    func request(_ body: String, contentType: String? = "application/json") throws -> Request {
        var headers = Headers()
        if let contentType { headers.add("Content-Type", contentType) }
        return try Request(method: "POST", target: "/auth/login", headers: headers, body: Array(body.utf8))
    }

    @Test("a valid object decodes")
    func decodes() throws {
        let login = try request(#"{"email":"a@b.c","password":"pw","remember":true}"#).decode(Login.self)
        #expect(login == Login(email: "a@b.c", password: "pw", remember: true))
    }

    @Test("another media type is 415", arguments: [nil, "text/plain", "application/x-www-form-urlencoded"])
    func unsupportedMediaType(contentType: String?) {
        #expect(throws: HTTPError(.unsupportedMediaType, code: "unsupported_media_type", detail: "")) {
            try request(#"{"email":"a","password":"b"}"#, contentType: contentType).decode(Login.self)
        }
    }

    @Test("application/problem+json style types and charset parameters are JSON")
    func jsonVariants() throws {
        _ = try request(#"{"email":"a","password":"b"}"#, contentType: "application/merge-patch+json").decode(Login.self)
        _ = try request(#"{"email":"a","password":"b"}"#, contentType: "Application/JSON; charset=UTF-8").decode(Login.self)
    }

    @Test("a body that is not JSON, or not an object, is 400 invalid_request", arguments: ["", "{", "nope", "[1,2]", "\"s\"", "null"])
    func notJSON(body: String) {
        #expect(throws: HTTPError(.badRequest, code: "invalid_request", detail: "")) {
            try request(body).decode(Login.self)
        }
    }

    @Test("a field of the wrong JSON type is 400 naming the field")
    func wrongType() throws {
        let error = #expect(throws: HTTPError.self) {
            try request(#"{"email":42,"password":"pw"}"#).decode(Login.self)
        }
        #expect(error?.status == .badRequest)
        #expect(error?.errors == [HTTPError.FieldError(field: "email", message: "must be a string")])
    }

    @Test("a missing required field is 422 validation_failed with the field")
    func missingField() {
        #expect(throws: HTTPError.validation(field: "password", "is required")) {
            try request(#"{"email":"a@b.c"}"#).decode(Login.self)
        }
    }
}
