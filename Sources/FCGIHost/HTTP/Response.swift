#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An HTTP response; middleware may change its status and headers.
public struct Response: Sendable {
    public var status: Int
    public var headers: Headers
    public var body: [UInt8]

    public init(status: Int = 200, headers: Headers = Headers(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A `204 No Content`.
    public static var noContent: Response { Response(status: 204) }

    /// A JSON body encoded from `value`, with sorted keys so output is stable.
    public static func json<T: Encodable>(_ value: T, status: Int = 200) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = try encoder.encode(value)
        return Response(status: status, headers: Headers([("Content-Type", "application/json; charset=utf-8")]), body: Array(data))
    }

    /// A plain-text body.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: Headers([("Content-Type", contentType)]), body: Array(text.utf8))
    }
}
