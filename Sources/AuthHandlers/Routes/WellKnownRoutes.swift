public import FCGIHost
import Crypto

/// `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`: what JWKS-reading validators need.
public struct WellKnownRoutes {
    let auth: AuthService

    public init(auth: AuthService) {
        self.auth = auth
    }

    public func addRoutes(to router: Router) {
        router.get("/.well-known/jwks.json", use: jwks)
        router.get("/.well-known/openid-configuration", use: discovery)
    }

    func jwks(_ request: Request, context: RequestContext) throws -> Response {
        var response = Response.text(auth.keys.jwksJSON, contentType: "application/json; charset=utf-8")
        response.headers.add("Cache-Control", "public, max-age=300")
        return response
    }

    struct Discovery: Encodable {
        let issuer: String
        let jwksURI: String
        let algorithms: [String]
        let tokenEndpoint: String
        let responseTypes = ["token"]
        let subjectTypes = ["public"]
        enum CodingKeys: String, CodingKey {
            case issuer
            case jwksURI = "jwks_uri"
            case algorithms = "id_token_signing_alg_values_supported"
            case tokenEndpoint = "token_endpoint"
            case responseTypes = "response_types_supported"
            case subjectTypes = "subject_types_supported"
        }
    }

    func discovery(_ request: Request, context: RequestContext) throws -> Response {
        let issuer = auth.config.issuer.hasSuffix("/") ? String(auth.config.issuer.dropLast()) : auth.config.issuer
        var response = try Response.json(
            Discovery(
                issuer: auth.config.issuer, jwksURI: issuer + "/.well-known/jwks.json",
                algorithms: auth.keys.algorithms.map(\.rawValue), tokenEndpoint: issuer + "/auth/login"))
        response.headers.add("Cache-Control", "public, max-age=300")
        return response
    }
}
