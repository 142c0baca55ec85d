public import Crypto
public import FCGIHost

/// `X-Service-Token` of the `/internal/*` routes (API.md): it carries `SERVICE_SECRET` itself. Missing → 401
/// `token_missing`, anything else but the secret → 401 `token_invalid`; without a configured secret every token is
/// wrong. Both sides are hashed before the constant-time comparison, so neither the secret's length nor the position
/// of the first differing byte shows in the time taken.
public enum ServiceToken {
    public static let header = "X-Service-Token"

    /// Throws unless `request` carries `secret` in `X-Service-Token`.
    public static func require(_ request: Request, secret: String) throws(HTTPError) {
        guard let presented = request.headers[header], !presented.isEmpty else {
            throw HTTPError(
                .unauthorized, code: "token_missing", detail: "This needs the service token (X-Service-Token).",
                headers: Headers([("WWW-Authenticate", #"Bearer realm="gatehouse""#)]))
        }
        let matches = constantTimeEqual(SHA256.hash(presented), SHA256.hash(secret))
        guard !secret.isEmpty, matches else {
            throw HTTPError(
                .unauthorized, code: "token_invalid", detail: "The service token is not valid.",
                headers: Headers([("WWW-Authenticate", #"Bearer realm="gatehouse", error="invalid_token""#)]))
        }
    }
}
