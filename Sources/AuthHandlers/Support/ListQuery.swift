public import FCGIHost

/// The query parameters every paged list takes (API.md "Errors": `limit` 1…200, default 50).
public struct ListQuery {
    public static let defaultLimit = 50
    public static let maxLimit = 200

    public let limit: Int
    public let cursor: String?

    /// Reads `limit` and `cursor`; a `limit` that is not a whole number from 1 to 200 is a 422.
    public init(_ request: Request) throws {
        if let text = request.query["limit"] {
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw HTTPError.validation(field: "limit", "must be a whole number from 1 to \(Self.maxLimit)")
            }
            limit = value
        } else {
            limit = Self.defaultLimit
        }
        let cursor = request.query["cursor"] ?? ""
        self.cursor = cursor.isEmpty ? nil : cursor
    }
}
