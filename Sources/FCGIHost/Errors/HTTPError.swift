/// An error a handler throws to answer with a problem+json body (RFC 9457, API.md "Errors").
public struct HTTPError: Error, Sendable, Equatable {
    /// One field's validation message, listed under `errors`.
    public struct FieldError: Sendable, Equatable, Codable {
        public let field: String
        public let message: String
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public enum Status: Int, Sendable {
        case badRequest = 400, unauthorized = 401, forbidden = 403, notFound = 404, methodNotAllowed = 405
        case conflict = 409, preconditionFailed = 412, payloadTooLarge = 413, unsupportedMediaType = 415
        case unprocessable = 422, tooManyRequests = 429, internalServerError = 500, serviceUnavailable = 503
    }

    public let status: Status
    /// The stable machine-readable code (`invalid_credentials`, `validation_failed`, ...).
    public let code: String
    /// A sentence for people; never internal details.
    public let detail: String
    public let errors: [FieldError]
    /// Headers the error needs (`Allow`, `Retry-After`, `WWW-Authenticate`).
    public var headers: Headers
    /// Extra members of the problem object (such as `mfa_token`).
    public var extra: [String: JSONValue]

    public init(
        _ status: Status, code: String, detail: String, errors: [FieldError] = [], headers: Headers = Headers(),
        extra: [String: JSONValue] = [:]
    ) {
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers
        self.extra = extra
    }

    /// 422 `validation_failed` with field errors.
    public static func validation(_ errors: [FieldError]) -> HTTPError {
        HTTPError(.unprocessable, code: "validation_failed", detail: "The request has invalid fields.", errors: errors)
    }

    /// 422 for one field.
    public static func validation(field: String, _ message: String) -> HTTPError {
        validation([FieldError(field: field, message: message)])
    }

    public static func notFound(_ detail: String = "There is nothing at this address.") -> HTTPError {
        HTTPError(.notFound, code: "not_found", detail: detail)
    }

    public static func forbidden(_ detail: String = "You are not allowed to do this.") -> HTTPError {
        HTTPError(.forbidden, code: "forbidden", detail: detail)
    }

    /// The fixed 500 that hides whatever went wrong.
    public static let internalError = HTTPError(
        .internalServerError, code: "internal", detail: "Something went wrong on our side; it has been logged.")

    /// 503 when the database stays busy past its timeout.
    public static let unavailable = HTTPError(
        .serviceUnavailable, code: "unavailable", detail: "The service is busy; try again shortly.",
        headers: Headers([("Retry-After", "1")]))

    public static func == (a: HTTPError, b: HTTPError) -> Bool {
        a.status == b.status && a.code == b.code && a.errors == b.errors
    }
}
