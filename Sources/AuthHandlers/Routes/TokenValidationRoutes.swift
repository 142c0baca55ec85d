#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import FCGIHost
import Crypto

/// `POST /internal/validate`: a backend service holding `SERVICE_SECRET` asks whether an access token is good, with
/// the same checks as `/auth/verify` (signature, `exp`/`nbf`/`iss`/`aud`, revoked session, the business rules of the
/// token's context). A token that fails is a 200 `{"valid": false, "code": ...}`, not an error: the caller asked a
/// question and got its answer.
public struct TokenValidationRoutes {
    let authenticator: Authenticator
    /// `SERVICE_SECRET`, what `X-Service-Token` must carry (empty: every token is wrong).
    let serviceSecret: String
    let trustedProxies: [CIDR]

    public init(authenticator: Authenticator, config: Config) {
        self.authenticator = authenticator
        serviceSecret = config.serviceSecret
        trustedProxies = config.trustedProxies
    }

    public func addRoutes(to router: Router) {
        router.post("/internal/validate", use: validate)
    }

    struct Body: Decodable {
        let token: String
        /// The end user's address, for the address rules of the token's assignment; without it the calling
        /// service's own address is what those rules see.
        let ip: String?
    }

    struct Answer: Encodable {
        let valid: Bool
        let claims: JSONValue?
        let code: String?
        let detail: String?
    }

    func validate(_ request: Request, context: RequestContext) throws -> Response {
        try ServiceToken.require(request, secret: serviceSecret)
        let body = try request.decode(Body.self)
        guard !body.token.isEmpty else { throw HTTPError.validation(field: "token", "must not be empty") }
        if let ip = body.ip, IPAddress(ip) == nil {
            throw HTTPError.validation(field: "ip", "must be an IPv4 or IPv6 address")
        }
        let principal: Principal
        do {
            principal = try authenticator.verify(
                token: body.token, now: context.receivedAt,
                address: body.ip ?? request.clientAddress(trustedProxies: trustedProxies))
        } catch let error as HTTPError where error.status == .unauthorized || error.status == .forbidden {
            return try .json(Answer(valid: false, claims: nil, code: error.code, detail: error.detail))
        }
        return try .json(Answer(valid: true, claims: try claims(of: principal), code: nil, detail: nil))
    }

    /// The verified claims exactly as the token carries them (the `X-Auth-Context` of `/auth/verify`).
    func claims(of principal: Principal) throws -> JSONValue {
        let payload = try Base64URL.decode(String(principal.contextSegment))
        return try JSONDecoder().decode(JSONValue.self, from: Data(payload))
    }
}
