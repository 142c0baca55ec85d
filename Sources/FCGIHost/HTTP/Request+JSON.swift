#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Request {
    /// Decodes the JSON body: 415 for another media type, 400 for a body that is not JSON, not an object or has
    /// a field of the wrong JSON type, 422 for a missing required field (API.md "Errors").
    public func decode<T: Decodable>(_ type: T.Type) throws(HTTPError) -> T {
        guard let mediaType, mediaType == "application/json" || mediaType.hasSuffix("+json") else {
            throw HTTPError(
                .unsupportedMediaType, code: "unsupported_media_type",
                detail: "Send the body as application/json.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let error as DecodingError {
            throw Self.httpError(for: error)
        } catch let error as HTTPError {
            throw error
        } catch {
            throw HTTPError(.badRequest, code: "invalid_request", detail: "The body is not valid JSON.")
        }
    }

    static func fieldName(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            .replacing(".[", with: "[")
    }

    static func httpError(for error: DecodingError) -> HTTPError {
        switch error {
        case .keyNotFound(let key, let context):
            return .validation(field: fieldName(context.codingPath + [key]), "is required")
        case .valueNotFound(_, let context) where context.codingPath.isEmpty:
            // The body is `null`: not an object (API.md "Errors": 400, like any other non-object body).
            return HTTPError(.badRequest, code: "invalid_request", detail: "The body must be a JSON object.")
        case .valueNotFound(_, let context):
            return .validation(field: fieldName(context.codingPath), "must not be null")
        case .typeMismatch(let type, let context) where !context.codingPath.isEmpty:
            let field = fieldName(context.codingPath)
            return HTTPError(
                .badRequest, code: "invalid_request", detail: "The field \(field) has the wrong JSON type.",
                errors: [.init(field: field, message: "must be \(jsonTypeName(type))")])
        case .typeMismatch:
            return HTTPError(.badRequest, code: "invalid_request", detail: "The body must be a JSON object.")
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return .validation(field: fieldName(context.codingPath), context.debugDescription)
        default:
            return HTTPError(.badRequest, code: "invalid_request", detail: "The body is not valid JSON.")
        }
    }

    static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        default: String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
