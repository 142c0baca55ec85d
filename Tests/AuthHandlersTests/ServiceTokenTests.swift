import Testing

import AuthHandlers
import FCGIHost

/// `X-Service-Token`: `SERVICE_SECRET` itself; 401 missing/wrong, 503 while no secret is configured.
@Suite struct ServiceTokenTests {
    static let secret = String(repeating: "k", count: 48)

    func request(_ token: String?) -> Request {
        var headers = Headers()
        if let token { headers.add("X-Service-Token", token) }
        return Request(
            method: "POST", path: "/internal/validate", query: QueryParameters(), headers: headers,
            remoteAddress: "192.0.2.1", body: [])
    }

    func problem(_ serviceToken: ServiceToken, _ token: String?) -> HTTPError? {
        do {
            try serviceToken.require(request(token))
            return nil
        } catch {
            return error
        }
    }

    @Test func theSecretPasses() throws {
        let serviceToken = ServiceToken(config: try Config(values: ["SERVICE_SECRET": Self.secret]))
        #expect(problem(serviceToken, Self.secret) == nil)
    }

    @Test func missingAndWrongAreTheirOwn401s() throws {
        let serviceToken = ServiceToken(config: try Config(values: ["SERVICE_SECRET": Self.secret]))
        #expect(problem(serviceToken, nil)?.code == "token_missing")
        #expect(problem(serviceToken, "")?.code == "token_missing")
        for wrong in [String(Self.secret.dropLast()), Self.secret + "k", "x", String(repeating: "j", count: 48)] {
            let error = problem(serviceToken, wrong)
            #expect(error?.status == .unauthorized && error?.code == "token_invalid")
        }
    }

    @Test func withoutASecretEveryCallerIsRefusedWith503() throws {
        let serviceToken = ServiceToken(config: try Config(values: [:]))
        for token in [nil, "", Self.secret] {
            let error = problem(serviceToken, token)
            #expect(error?.status == .serviceUnavailable && error?.code == "unavailable")
        }
    }
}
