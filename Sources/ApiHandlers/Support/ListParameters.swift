import FCGIHost
import Store

/// The query parameters business lists take beside `limit` and `cursor` (``ListQuery``).
enum ListParameters {
    /// `q`: a substring to look for, trimmed; nil when empty; 422 beyond 100 characters.
    static func search(_ request: Request) throws -> String? {
        guard let q = request.query["q"]?.trimmingWhitespace(), !q.isEmpty else { return nil }
        guard q.count <= 100 else { throw HTTPError.validation(field: "q", "must be at most 100 characters") }
        return q
    }

    /// `sort`: a column name, `-` in front for descending; 422 for a column the list does not sort by.
    static func order<Column: SortColumn>(
        _ request: Request, default fallback: ListOrder<Column>
    ) throws -> ListOrder<Column> {
        guard let text = request.query["sort"], !text.isEmpty else { return fallback }
        guard let order = ListOrder<Column>(parsing: text) else {
            let names = Column.allCases.map(\.name).joined(separator: ", ")
            throw HTTPError.validation(field: "sort", "must be one of \(names), with - in front for descending")
        }
        return order
    }

    /// An exact-match filter: the value, or nil when absent or empty.
    static func filter(_ request: Request, _ name: String) -> String? {
        guard let value = request.query[name], !value.isEmpty else { return nil }
        return value
    }
}
