public import FCGIHost
public import Store

/// Storage errors a handler did not catch itself: a busy or unreachable database, or a statement past its time
/// limit, is a 503, anything else a 500.
extension StoreError: HTTPErrorConvertible {
    public var httpError: HTTPError {
        switch self {
        case .busy, .unavailable, .timeout: .unavailable
        case .notFound: .notFound()
        case .duplicate: HTTPError(.conflict, code: "conflict", detail: "That already exists.")
        case .invalidCursor: .validation(field: "cursor", "is not a cursor this list returned")
        case .invalidArguments:
            .validation(argumentProblems.map { .init(field: "args.\($0.argument)", message: $0.message) })
        default: .internalError
        }
    }
}
