import Testing

import AuthHandlers
import FCGIHost

/// `X-Service-Token`: `SERVICE_SECRET` itself; 401 `token_missing` without it, 401 `token_invalid` otherwise, and
/// while no secret is configured every token is wrong.
@Suite struct ServiceTokenTests {
    static let secret = String(repeating: "k", count: 48)

    func problem(_ token: String?, secret: String = ServiceTokenTests.secret) -> HTTPError? {
        var headers = Headers()
        if let token { headers.add("X-Service-Token", token) }
        let request = Request(
            method: "POST", path: "/internal/validate", query: QueryParameters(), headers: headers,
            remoteAddress: "192.0.2.1", body: [])
        do {
            try ServiceToken.require(request, secret: secret)
            return nil
        } catch {
            return error
        }
    }

    @Test func theSecretPasses() {
        #expect(problem(Self.secret) == nil)
    }

    @Test func missingAndWrongAreTheirOwn401s() {
        #expect(problem(nil)?.code == "token_missing")
        #expect(problem("")?.code == "token_missing")
        for wrong in [String(Self.secret.dropLast()), Self.secret + "k", "x", String(repeating: "j", count: 48)] {
            let error = problem(wrong)
            #expect(error?.status == .unauthorized && error?.code == "token_invalid")
        }
    }

    @Test func withoutASecretEveryTokenIsWrong() {
        for token in ["", Self.secret] {
            #expect(problem(token, secret: "")?.status == .unauthorized)
        }
        #expect(problem("anything", secret: "")?.code == "token_invalid")
    }
}
