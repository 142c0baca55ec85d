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
        case .invalidArguments: argumentsError
        default: .internalError
        }
    }
}

extension StoreError {
    /// 422 `validation_failed` for a remote procedure call: one field per argument, `args.NAME` (`args` for the
    /// arguments as a whole).
    var argumentsError: HTTPError {
        .validation(
            argumentProblems.map { problem in
                .init(field: problem.argument.isEmpty ? "args" : "args.\(problem.argument)", message: problem.message)
            })
    }
}
