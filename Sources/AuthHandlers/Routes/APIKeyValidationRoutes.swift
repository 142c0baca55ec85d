public import FCGIHost
import Store

/// `POST /internal/validate-api-key` (API.md "internal validation"): a service holding `SERVICE_SECRET` asks whether
/// an API key is good for a request from an address. `{api_key, ip}` → 200 `{"valid": bool, "client_id", "code"?}`;
/// `ip` is required (422), and the same allowlist and cache rules apply as at `/auth/verify`.
public struct APIKeyValidationRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.post("/internal/validate-api-key", use: validate)
    }

    struct Body: Decodable {
        let apiKey: String?
        let ip: String?
        enum CodingKeys: String, CodingKey { case apiKey = "api_key", ip }
    }

    struct Answer: Encodable {
        let valid: Bool
        let clientId: String?
        let code: String?

        enum CodingKeys: String, CodingKey { case valid, clientId = "client_id", code }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(valid, forKey: .valid)
            try container.encode(clientId, forKey: .clientId)
            try container.encodeIfPresent(code, forKey: .code)
        }
    }

    func validate(_ request: Request, context: RequestContext) throws -> Response {
        try ServiceToken.require(request, secret: auth.config.serviceSecret)
        let body = try request.decode(Body.self)
        var errors: [HTTPError.FieldError] = []
        if body.apiKey == nil { errors.append(.init(field: "api_key", message: "is required")) }
        if let ip = body.ip {
            if IPAddress(ip) == nil { errors.append(.init(field: "ip", message: "must be an IPv4 or IPv6 address")) }
        } else {
            errors.append(.init(field: "ip", message: "is required"))
        }
        guard errors.isEmpty, let key = body.apiKey, let ip = body.ip else { throw HTTPError.validation(errors) }
        let answer: Answer
        switch try auth.apiKeys.check(key, address: ip, now: context.receivedAt) {
        case .valid(let client): answer = Answer(valid: true, clientId: client.client.id, code: nil)
        case .invalid: answer = Answer(valid: false, clientId: nil, code: "token_invalid")
        case .ipNotAllowed(let client): answer = Answer(valid: false, clientId: client.client.id, code: "ip_not_allowed")
        case .unavailable: throw HTTPError.unavailable
        }
        return try .noStoreJSON(answer)
    }
}
