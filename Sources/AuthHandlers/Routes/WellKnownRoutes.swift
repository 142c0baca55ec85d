public import FCGIHost
public import Crypto

/// `GET /.well-known/jwks.json` and `GET /.well-known/openid-configuration`: what JWKS-reading validators need.
public struct WellKnownRoutes {
    let keys: SigningKeys
    let issuer: String

    public init(keys: SigningKeys, config: Config) {
        self.keys = keys
        issuer = config.issuer
    }

    public func addRoutes(to router: Router) {
        router.get("/.well-known/jwks.json", use: jwks)
        router.get("/.well-known/openid-configuration", use: discovery)
    }

    func jwks(_ request: Request, context: RequestContext) throws -> Response {
        var response = Response.text(keys.jwksJSON, contentType: "application/json; charset=utf-8")
        response.headers.add("Cache-Control", "public, max-age=300")
        return response
    }

    /// Only what JWKS-discovering validators read (API.md): Gatehouse is not an OAuth authorization server, so
    /// it advertises no endpoints an OpenID Connect client library would try to use.
    struct Discovery: Encodable {
        let issuer: String
        let jwksURI: String
        let algorithms: [String]
        enum CodingKeys: String, CodingKey {
            case issuer
            case jwksURI = "jwks_uri"
            case algorithms = "id_token_signing_alg_values_supported"
        }
    }

    func discovery(_ request: Request, context: RequestContext) throws -> Response {
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        var response = try Response.json(
            Discovery(
                issuer: issuer, jwksURI: base + "/.well-known/jwks.json",
                // The algorithms of the keys in JWKS: none in HS256 mode, whose secrets are never published.
                algorithms: keys.algorithms.filter { $0 != .hs256 }.map(\.rawValue)))
        response.headers.add("Cache-Control", "public, max-age=300")
        return response
    }
}
