#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one place that turns errors into `application/problem+json` responses (STYLE.md rule 19).
public enum Problem {
    /// Renders an ``HTTPError``; any other error becomes the fixed 500 and is logged with its real text.
    public static func response(for error: any Error, logger: Logger) -> Response {
        let httpError: HTTPError
        if let error = error as? HTTPError {
            httpError = error
        } else if let convertible = error as? any HTTPErrorConvertible {
            httpError = convertible.httpError
            if httpError.status == .internalServerError || httpError.status == .serviceUnavailable {
                logger.error("Request failed", metadata: ["error": "\(error)"])
            }
        } else {
            logger.error("Request failed", metadata: ["error": "\(error)"])
            httpError = .internalError
        }
        return response(for: httpError)
    }

    /// The problem+json body and headers of `error`.
    public static func response(for error: HTTPError) -> Response {
        var members = error.extra
        members["type"] = .string("about:blank")
        members["title"] = .string(HTTPStatus.reason(error.status.rawValue))
        members["status"] = .number(Double(error.status.rawValue))
        members["code"] = .string(error.code)
        members["detail"] = .string(error.detail)
        if !error.errors.isEmpty {
            members["errors"] = .array(
                error.errors.map { .object(["field": .string($0.field), "message": .string($0.message)]) })
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(JSONValue.object(members))).map(Array.init) ?? Array(#"{"status":500}"#.utf8)
        var headers = error.headers
        headers.set("Content-Type", "application/problem+json")
        return Response(status: error.status.rawValue, headers: headers, body: body)
    }
}

/// An error from another module that knows its HTTP meaning (a storage timeout is a 503, say).
public protocol HTTPErrorConvertible: Error {
    var httpError: HTTPError { get }
}
